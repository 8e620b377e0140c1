"""Step 3: the staff work their tickets, each owner with their own token: about half are
called and resolved with a root cause, a quarter get a call-back at the time the customer
chose, the rest wait; a branch manager reassigns one; two refusals (409, 404)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from typing import Any
from zoneinfo import ZoneInfo

from cxloop.domain.casework.sla import DEFAULT_SLA_SETTINGS, CountrySla
from infra.local.demo.casework.desk import Desk, customer_of
from infra.local.demo.casework.routing import local_time
from infra.local.demo.console import counted

RESOLVED_SHARE = 0.5
CALLBACK_SHARE = 0.25

# When a call-back suits the customer (the survey's callback_time), in their time zone.
CALLBACK_AT = {"morning": wall_time(10, 0), "afternoon": wall_time(15, 30), "evening": wall_time(18, 30)}
# Root cause and action taken, by what the ticket is about (its comment topic or its event).
ROOT_CAUSES: dict[str, tuple[tuple[str, str], ...]] = {
    "cleanliness": (
        (
            "cleaning contractor skipped the afternoon round",
            "Contractor warned under the contract; a second daily cleaning round added",
        ),
    ),
    "claim.": (
        ("claim status not communicated", "Called with the adjuster's report and the payment date"),
        ("documents requested twice", "Checked the file, nothing missing; the claim moved to payment"),
    ),
    "call.": (
        ("long hold at peak hours", "Called back and answered the question; peak staffing reviewed"),
        ("call dropped on transfer", "Called back and solved it; transfer procedure refreshed with the team"),
    ),
    "roadside.": (("tow provider late", "Provider penalised under its contract; the taxi fare refunded"),),
    "branch.": (
        ("queue at the counter", "Apologised; offered a booked appointment for the next visit"),
        ("staff attitude", "The manager spoke with the employee; apology call made"),
    ),
}


@dataclass(frozen=True)
class Work:
    """One ticket's plan, drawn in advance so the threads that carry it out cannot reorder
    the seed's choices."""

    ticket: dict[str, Any]
    kind: str  # resolved, call-back or untouched
    actions: tuple[dict[str, Any], ...]


def work_tickets(desk: Desk, tickets: list[dict[str, Any]]) -> list[Work]:
    desk.say("the staff work their tickets (POST /v1/tickets/{id}/actions, each with their own token)")
    plans = plan_work(desk, tickets)
    answers = [carry_out(desk, work) for work in plans]
    for work, codes in zip(plans, answers, strict=True):
        desk.book.worked[work.kind] += 1
        desk.book.action_answers.update(codes)
    worked = desk.book.worked
    print(
        f"  {worked['resolved']} reached and resolved with a root cause; {worked['call-back']} not reached, "
        f"a call-back set at the time they chose; {worked['untouched']} not worked yet"
    )
    print(
        f"  actions answered {counted(Counter(f'x {code}' for code in desk.book.action_answers.elements()))}"
    )
    print_callback_example(plans)
    return plans


def plan_work(desk: Desk, tickets: list[dict[str, Any]]) -> list[Work]:
    order = list(tickets)
    desk.rng.shuffle(order)
    resolved = round(len(order) * RESOLVED_SHARE)
    called_back = resolved + round(len(order) * CALLBACK_SHARE)
    now = datetime.now(UTC)
    plans = []
    for index, ticket in enumerate(order):
        if index < resolved:
            plans.append(Work(ticket, "resolved", resolution(ticket, desk.rng)))
        elif index < called_back:
            chosen = desk.forms.get(customer_of(ticket), {}).get("callback_time")
            plans.append(Work(ticket, "call-back", call_back(ticket, chosen, now)))
        else:
            plans.append(Work(ticket, "untouched", ()))
    return sorted(plans, key=lambda work: customer_of(work.ticket))


def resolution(ticket: dict[str, Any], rng: random.Random) -> tuple[dict[str, Any], ...]:
    topics = ticket["score"].get("topics") or ()
    about = "cleanliness" if "cleanliness" in topics else ticket["event_type"]
    key = next((prefix for prefix in ROOT_CAUSES if about.startswith(prefix)), "branch.")
    cause, action_taken = rng.choice(ROOT_CAUSES[key])
    return (
        {"action": "log_call", "outcome": "reached", "note": "Listened, apologised, agreed the next step"},
        {"action": "resolve", "root_cause": cause, "action_taken": action_taken},
    )


def call_back(ticket: dict[str, Any], chosen: str | None, now: datetime) -> tuple[dict[str, Any], ...]:
    """No answer: try again when the customer said suits them, or else the next morning."""
    at = callback_time(ticket, chosen or "morning", now)
    note = f"the customer asked for the {chosen}" if chosen else "no time given: next morning"
    return (
        {"action": "log_call", "outcome": "no_answer"},
        {"action": "schedule_callback", "at": at.isoformat(), "note": note},
    )


def callback_time(ticket: dict[str, Any], chosen: str, now: datetime) -> datetime:
    """The next working day at the time of day the customer chose, in their time zone."""
    sla = DEFAULT_SLA_SETTINGS.for_country(ticket["country"])
    zone_name = ticket["customer"].get("timezone")
    zone = ZoneInfo(zone_name if zone_name and zone_name != "UTC" else sla.timezone)
    day = next_working_day(sla, now.astimezone(zone).date())
    return datetime.combine(day, CALLBACK_AT[chosen], tzinfo=zone)


def next_working_day(sla: CountrySla, after: date) -> date:
    day = after + timedelta(days=1)
    while day.weekday() not in sla.working_days or sla.is_day_off(day):
        day += timedelta(days=1)
    return day


def carry_out(desk: Desk, work: Work) -> list[int]:
    token = desk.token_for(work.ticket["owner"])
    return [desk.act(work.ticket["ticket_id"], action, token).status_code for action in work.actions]


def print_callback_example(plans: list[Work]) -> None:
    work = next((w for w in plans if w.kind == "call-back"), None)
    if work is not None:
        scheduled = work.actions[-1]
        print(
            f"  e.g. {work.ticket['ticket_id']}: no answer; call-back at "
            f"{local_time(scheduled['at'], work.ticket['country'])} ({scheduled['note']})"
        )


def manager_reassigns(desk: Desk, plans: list[Work]) -> None:
    """A branch manager gives an untouched ticket to the owner's teammate (the owner is away)."""
    for work in (w for w in plans if w.kind == "untouched"):
        ticket = work.ticket
        teammates = [p.id for p in desk.organisation.members(str(ticket["team"])) if p.id != ticket["owner"]]
        managers = desk.organisation.managers_of_branch(ticket["branch"])
        if teammates and managers:
            break
    else:
        desk.book.problems_seen.append("no untouched ticket could be reassigned")
        return
    action = {"action": "assign", "to": teammates[0], "note": f"{ticket['owner']} is away this week"}
    answer = desk.act(ticket["ticket_id"], action, desk.token_for(managers[0].id))
    desk.book.reassigned = answer.status_code
    owner = answer.json().get("owner") if answer.ok else answer.json().get("error", {}).get("code")
    print(
        f"  {managers[0].id} (branch manager) reassigns {ticket['ticket_id']} from {ticket['owner']} "
        f"to {teammates[0]}: {answer.status_code}, owner now {owner}"
    )


def show_refusals(desk: Desk, plans: list[Work]) -> None:
    """A double click on resolve is refused by the state machine (409); an agent looking at
    another branch's ticket finds nothing (404, never 403: ids stay secret)."""
    resolved = next((w.ticket for w in plans if w.kind == "resolved"), None)
    if resolved is None:
        return
    token = desk.token_for(resolved["owner"])
    again = {"action": "resolve", "root_cause": "double click", "action_taken": "none"}
    answer = desk.act(resolved["ticket_id"], again, token)
    desk.book.illegal = answer.status_code
    error = answer.json().get("error", {})
    print(
        f"  {resolved['ticket_id']} resolved again: {answer.status_code} {error.get('code')}: "
        f"{error.get('message')}"
    )
    elsewhere = next((w.ticket for w in plans if w.ticket["branch"] != resolved["branch"]), None)
    if elsewhere is None:
        return
    answer = desk.get(f"/v1/tickets/{elsewhere['ticket_id']}", token)
    desk.book.out_of_scope = answer.status_code
    print(
        f"  {resolved['owner']} reads {elsewhere['ticket_id']} of {elsewhere['branch']}: "
        f"{answer.status_code} {answer.json().get('error', {}).get('code')}"
    )
