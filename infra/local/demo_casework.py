"""Case management in `cxloop demo`: the staff's side of the loop, over real HTTP.

Before the ERP plays, an analyst publishes the organisation and the assignment rules
(data/organisation.yaml, data/assignment.yaml) through the config API. Once the tickets
have settled, the demo:

2. shows how they were classified (request / complaint / claim) and routed: the team by
   rule, the owner by turns within the team;
3. works them as the staff would, each owner with their own token: about half are called
   and resolved with a root cause, a quarter are not reached and get a call-back at the time
   the customer chose, the rest wait; a branch manager reassigns one; resolving a ticket
   twice answers 409 and reading another branch's ticket 404;
4. plays the customers answering the "was it solved?" follow-up found in the outbox: most
   are recovered, a few are unhappy and their tickets reopen;
5. runs the SLA watcher as of later business days in each country (reminders, then
   escalations up the organisation), then the daily digest, and reads the alerts back;
6. prints the health report per branch and counts the acknowledgements customers got.

Every choice comes from the seed's random generator, drawn over tickets sorted by customer
id, so a seed always works the same customers the same way; ticket ids, owners' turns and
clocks still vary between runs. Nothing personal is printed: ticket ids, branches, scores
and staff ids only.

The staff's requests go one at a time: the local gateway calls a function's handler from
several threads at once, and Powertools' resolver keeps the request being handled on the
app object (Lambda never runs two events in one environment), so two concurrent actions
can be resolved with each other's arguments.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from cxloop.datafile import load_organisation_file
from cxloop.domain.casework.sla import DEFAULT_SLA_SETTINGS, CountrySla, due_at
from cxloop.domain.organisation.hierarchy import Organisation
from infra.local import configfiles
from infra.local.auth import mint_token
from infra.local.cli import staff_secret

if TYPE_CHECKING:
    import requests

    from infra.local.demo import Http

DATA = Path(__file__).parent / "data"
DOCUMENTS = (("organisation", DATA / "organisation.yaml"), ("assignment", DATA / "assignment.yaml"))
ANALYST_RULE = "madrid_cleanliness"
PUBLISHER = "exec-cxo"
WAIT_TIMEOUT_S = 30
POLL_S = 0.25
TICKET_ID = re.compile(r"CX-[A-Z2-7]{10}")
RESOLVED_SHARE = 0.5
CALLBACK_SHARE = 0.25
FOLLOW_UP_ANSWER_RATE = 0.85
UNHAPPY_SHARE = 0.25
ACKNOWLEDGED_TYPES = ("complaint", "claim")
# When a call-back suits the customer (the survey's callback_time), in their time zone.
CALLBACK_AT = {"morning": wall_time(10, 0), "afternoon": wall_time(15, 30), "evening": wall_time(18, 30)}
# The watcher runs as of these business hours after the tickets opened, in each country:
# requests (24 h) near breach, complaints (48 h) near breach, then everything late.
WATCH_HOURS = (22.5, 45.0, 99.0)
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
FOLLOW_UP_COMMENTS = {
    "recovered": {"es": "Gracias por la llamada, quedó resuelto.", "en": "Thanks for the call, all sorted."},
    "unhappy": {
        "es": "Me llamaron, pero el problema sigue igual.",
        "en": "They called, but nothing changed.",
    },
}

T = TypeVar("T")


# --- what the steps share and what they saw -------------------------------------------------


@dataclass
class Casebook:
    """What the casework steps did and saw, for the summary and the verdict."""

    published: dict[str, int] = field(default_factory=dict)
    problems_seen: list[str] = field(default_factory=list)
    tickets: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    analyst_routed: int = 0
    team_owned: int = 0
    worked: Counter[str] = field(default_factory=Counter)
    action_answers: Counter[int] = field(default_factory=Counter)
    reassigned: int = 0
    illegal: int = 0
    out_of_scope: int = 0
    follow_ups_sent: int = 0
    follow_up_answers: Counter[str] = field(default_factory=Counter)
    reopened: int = 0
    reminded: int = 0
    escalated: int = 0
    breach_levels: int = 0
    alerts: Counter[str] = field(default_factory=Counter)
    digest: dict[str, Any] = field(default_factory=dict)
    acknowledgements: int = 0
    acknowledgements_due: int = 0
    health_rows: int = 0

    def problems(self) -> list[str]:
        """What did not happen as expected; empty when case management worked end to end."""
        answered = sum(self.follow_up_answers.values())
        checks = (
            (len(self.published) == len(DOCUMENTS), "the organisation and the rules were not published"),
            (self.analyst_routed > 0, f"no ticket was routed by the analyst's rule {ANALYST_RULE}"),
            (self.team_owned == 0, f"{self.team_owned} tickets are owned by a team, not a person"),
            (self.worked["resolved"] > 0, "no ticket was resolved"),
            (self.worked["call-back"] > 0, "no call-back was scheduled"),
            (set(self.action_answers) == {200}, f"ticket actions answered {dict(self.action_answers)}"),
            (self.reassigned == 200, f"the manager's reassignment answered {self.reassigned}"),
            (self.illegal == 409, f"an illegal transition answered {self.illegal}, not 409"),
            (self.out_of_scope == 404, f"another branch's ticket answered {self.out_of_scope}, not 404"),
            (self.follow_ups_sent >= self.worked["resolved"], "follow-ups missing from the outbox"),
            (answered > 0 and self.follow_up_answers["recovered"] > 0, "no follow-up recovered a customer"),
            (self.reopened > 0, "no unhappy follow-up reopened its ticket"),
            (self.reopened >= self.follow_up_answers["unhappy"], "an unhappy follow-up did not reopen"),
            (self.reminded > 0, "the SLA watcher sent no reminder"),
            (self.escalated > 0, "the SLA watcher escalated nothing"),
            (self.alerts["sla_breach"] > 0, "no SLA breach alert was published"),
            (
                self.alerts["sla_breach"] >= self.breach_levels,
                f"{self.alerts['sla_breach']} breach alerts for {self.breach_levels} escalation levels",
            ),
            (self.alerts["sla_reminder"] >= self.reminded, "a reminder's alert is missing"),
            (self.alerts["follow_up_unhappy"] > 0, "no manager heard of an unhappy follow-up"),
            (self.alerts["digest"] > 0, "the daily digest published no alert"),
            (self.acknowledgements_due > 0, "no complaint or claim to acknowledge"),
            (
                self.acknowledgements >= self.acknowledgements_due,
                f"{self.acknowledgements} of {self.acknowledgements_due} complaints and claims acknowledged",
            ),
            (self.health_rows > 0, "the health report has no rows"),
        )
        return [problem for ok, problem in checks if not ok] + self.problems_seen


@dataclass
class Desk:
    """What the casework steps share: the API, the organisation, the seed's random generator,
    the customers' survey answers (by customer id) and their contacts."""

    http: Http
    say: Callable[[str], None]
    rng: random.Random
    organisation: Organisation
    forms: dict[str, dict[str, str]] = field(default_factory=dict)
    contacts: frozenset[str] = frozenset()
    book: Casebook = field(default_factory=Casebook)
    _tokens: dict[str, str] = field(default_factory=dict)

    @classmethod
    def open(cls, http: Http, say: Callable[[str], None], rng: random.Random) -> Desk:
        return cls(http, say, rng, load_organisation_file(DATA / "organisation.yaml"))

    def token_for(self, person_id: str) -> str:
        """The person's own staff token: their role, and the scope their seat gives them."""
        if person_id not in self._tokens:
            person = self.organisation.person(person_id)
            if person is None:
                raise LookupError(f"{person_id} is not in the organisation")
            scope = self.organisation.scope_of(person)
            self._tokens[person_id] = mint_token(
                staff_secret(), role=person.role, scope=scope, user=person.id
            )
        return self._tokens[person_id]

    @property
    def executive(self) -> str:
        return self.token_for(PUBLISHER)

    def get(self, path: str, token: str, **kwargs: Any) -> requests.Response:
        return self.http.get(path, headers=bearer(token), **kwargs)

    def act(self, ticket_id: str, action: dict[str, Any], token: str) -> requests.Response:
        return self.http.post(f"/v1/tickets/{ticket_id}/actions", json=action, headers=bearer(token))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- 1. the analyst publishes ---------------------------------------------------------------


def publish_configuration(desk: Desk) -> None:
    desk.say("an analyst publishes the organisation and the assignment rules (PUT /v1/config/{name})")
    organisation = desk.organisation
    people = len(organisation.people)
    print(f"  organisation.yaml: {len(organisation.countries)} countries, {people} people", flush=True)
    for name, path in DOCUMENTS:
        status, body = configfiles.push(
            desk.http.base_url, name, path, token=desk.executive, note=f"demo: {path.name}"
        )
        print(f"  {configfiles.describe(status, body)}", flush=True)
        if status == 200:
            desk.book.published[name] = int(body["version"])
        else:
            desk.book.problems_seen.append(f"publishing {name} answered {status}")
    print(
        f"  the analyst's rule {ANALYST_RULE}: comment topic cleanliness and branch madrid-centro "
        "-> team madrid-centro-facilities; then the built-in rules by topic and event type",
        flush=True,
    )


# --- 2. classification and routing ----------------------------------------------------------


def all_tickets(desk: Desk) -> list[dict[str, Any]]:
    """Every ticket (executive token), page by page with the list's cursor."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 200} | ({"cursor": cursor} if cursor else {})
        answer = desk.get("/v1/tickets", desk.executive, params=params)
        answer.raise_for_status()
        page = answer.json()
        found += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return sorted(found, key=customer_of)


def customer_of(ticket: dict[str, Any]) -> str:
    """The sort key that makes the seed's choices land on the same customers every run."""
    return str(ticket["customer"]["id"])


def rule_name(explained: str) -> str:
    """`madrid_cleanliness: topics=[...] contains ...` -> `madrid_cleanliness`."""
    return explained.split(":", 1)[0] or "-"


def counted(counter: Counter[str], top: int | None = None) -> str:
    return ", ".join(f"{n} {key}" for key, n in counter.most_common(top)) or "none"


def show_routing(desk: Desk, tickets: list[dict[str, Any]]) -> None:
    desk.say("classification and routing: type and team by rules, owner by turns within the team")
    book = desk.book
    book.tickets = len(tickets)
    book.by_type = Counter(t["ticket_type"] for t in tickets)
    routed_by = Counter(rule_name(t["routed_by"]) for t in tickets)
    book.analyst_routed = routed_by[ANALYST_RULE]
    book.team_owned = sum(str(t["owner"]).startswith("team:") for t in tickets)
    print(f"  by type     {counted(book.by_type)}")
    print(f"  team rule   {counted(routed_by)}")
    teams = Counter(str(t["team"]) for t in tickets)
    print(f"  by team     {counted(teams, top=6)}{', ...' if len(teams) > 6 else ''}")
    people = len({t["owner"] for t in tickets})
    print(
        f"  owners      {len(tickets) - book.team_owned} of {len(tickets)} tickets owned by a person "
        f"({people} people); turns in the busiest teams:"
    )
    for line in turns(desk.organisation, tickets):
        print(f"                {line}")
    print("  examples:")
    for ticket in examples(tickets):
        print_example(ticket)


def turns(organisation: Organisation, tickets: list[dict[str, Any]], top: int = 3) -> list[str]:
    """Tickets per member in the busiest teams: round-robin keeps them within one of each other."""
    by_team: dict[str, Counter[str]] = {}
    for ticket in tickets:
        by_team.setdefault(str(ticket["team"]), Counter())[ticket["owner"]] += 1
    busiest = sorted(by_team, key=lambda team: (-by_team[team].total(), team))[:top]
    lines = []
    for team in busiest:
        members = [person.id for person in organisation.members(team)] or list(by_team[team])
        counts = [by_team[team][member] for member in members]
        fair = "even" if max(counts) - min(counts) <= 1 else "uneven"
        spread = ", ".join(f"{member} x{n}" for member, n in zip(members, counts, strict=True))
        lines.append(f"{team}: {spread} ({fair})")
    return lines


def examples(tickets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The analyst's rule at work, a claim and a request (or whatever else there is)."""
    wanted: list[Callable[[dict[str, Any]], bool]] = [
        lambda t: rule_name(t["routed_by"]) == ANALYST_RULE,
        lambda t: t["ticket_type"] == "claim",
        lambda t: t["ticket_type"] == "request",
    ]
    chosen: list[dict[str, Any]] = []
    for test in wanted:
        found = next((t for t in tickets if test(t) and t not in chosen), None)
        if found is not None:
            chosen.append(found)
    rest = (t for t in tickets if t not in chosen)
    return chosen + [next(rest) for _ in range(min(3 - len(chosen), len(tickets) - len(chosen)))]


def print_example(ticket: dict[str, Any]) -> None:
    score = ticket["score"]
    scores = f"NPS {score.get('nps')}, CSAT {score.get('csat')}"
    topics = ", ".join(score.get("topics") or ()) or "no topic"
    print(f"    {ticket['ticket_id']} {ticket['branch']}: {scores}, {topics}")
    print(
        f"      ticket rule {ticket['rule']} ({ticket['priority']}); type {ticket['ticket_type']} "
        f"by {rule_name(ticket['classification'])}; team {ticket['team']} by {rule_name(ticket['routed_by'])}"
    )
    print(f"      owner {ticket['owner']}; due {local_time(ticket['due_at'], ticket['country'])}")


def local_time(moment: str | datetime | None, country: str | None) -> str:
    if moment is None:
        return "- (clock paused)"
    instant = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    zone = ZoneInfo(DEFAULT_SLA_SETTINGS.for_country(country).timezone)
    return instant.astimezone(zone).isoformat(timespec="minutes")


# --- 3. the staff work the tickets ----------------------------------------------------------


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
    while day.weekday() not in sla.working_days or day in sla.holidays:
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


# --- 4. the customers answer the follow-up --------------------------------------------------


def follow_ups(desk: Desk, plans: list[Work]) -> None:
    desk.say("customers answer the follow-up survey (was it solved?) from the outbox")
    resolved = [w.ticket for w in plans if w.kind == "resolved"]
    links = follow_up_links(desk, {t["ticket_id"] for t in resolved})
    desk.book.follow_ups_sent = len(links)
    print(f"  follow-ups sent: {len(links)} for {len(resolved)} resolved tickets")
    answers = follow_up_answers(desk.rng, [t for t in resolved if t["ticket_id"] in links])
    codes = [answer_follow_up(desk, links[ticket["ticket_id"]], form) for ticket, form in answers]
    desk.book.follow_up_answers = Counter(
        outcome_of(form) for (_, form), code in zip(answers, codes, strict=True) if code == 200
    )
    recorded = codes.count(200)
    settled = wait_for(lambda: all_tickets(desk), lambda ts: followed_up(ts) >= recorded)
    desk.book.reopened = sum(t["reopen_count"] > 0 and t["status"] != "resolved" for t in settled)
    print(
        f"  answered: {len(answers)} ({counted(desk.book.follow_up_answers)}); recorded on "
        f"{followed_up(settled)} tickets; reopened: {desk.book.reopened}"
    )


def follow_up_links(desk: Desk, wanted: set[str]) -> dict[str, str]:
    """Ticket id -> the follow-up link the outbox holds for it."""

    def read() -> dict[str, str]:
        links = {}
        for message in desk.http.json("/_local/outbox"):
            found = TICKET_ID.search(f"{message.get('subject') or ''} {message.get('body') or ''}")
            if message.get("survey_url") and found and found.group() in wanted:
                links[found.group()] = message["survey_url"]
        return links

    return wait_for(read, lambda links: len(links) >= len(wanted))


def follow_up_answers(
    rng: random.Random, resolved: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """Most answer; among them a quarter are still unhappy (not solved, low satisfaction)."""
    order = list(resolved)
    rng.shuffle(order)
    answering = order[: round(len(order) * FOLLOW_UP_ANSWER_RATE)]
    unhappy = max(1, round(len(answering) * UNHAPPY_SHARE)) if answering else 0
    return [
        (ticket, follow_up_form(ticket, rng, happy=index >= unhappy))
        for index, ticket in enumerate(answering)
    ]


def follow_up_form(ticket: dict[str, Any], rng: random.Random, *, happy: bool) -> dict[str, str]:
    language = "es" if str(ticket["customer"].get("locale", "es")).startswith("es") else "en"
    outcome = "recovered" if happy else "unhappy"
    form = {"solved": "yes" if happy else "no", "csat": str(rng.choice((4, 5) if happy else (1, 2)))}
    if not happy or rng.random() < 0.3:
        form["comment"] = FOLLOW_UP_COMMENTS[outcome][language]
    return form


def outcome_of(form: dict[str, str]) -> str:
    return "recovered" if form["solved"] == "yes" else "unhappy"


def answer_follow_up(desk: Desk, url: str, form: dict[str, str]) -> int:
    desk.http.get(url)  # the customer opens the page first, as a phone would
    return desk.http.post(url, data=form).status_code


def followed_up(tickets: list[dict[str, Any]]) -> int:
    return sum(t.get("follow_up") is not None for t in tickets)


# --- 5. SLA watcher and daily digest --------------------------------------------------------


def watch_later(desk: Desk) -> datetime:
    """Run the watcher as of later business days in each country; answers the last instant."""
    desk.say("the SLA watcher, as of later times (POST /_local/schedules/sla_watcher?at=...)")
    instants = watch_instants(datetime.now(UTC))
    for at, label in instants:
        answer = desk.http.post("/_local/schedules/sla_watcher", params={"at": at.isoformat()})
        summary = answer.json() if answer.ok else {}
        desk.book.reminded += int(summary.get("reminded", 0))
        desk.book.escalated += int(summary.get("escalated", 0))
        print(
            f"  {at.isoformat(timespec='minutes')} {label}: {answer.status_code}, checked "
            f"{summary.get('checked')}, reminded {summary.get('reminded')}, "
            f"escalated {summary.get('escalated')}"
        )
    return instants[-1][0]


def watch_instants(start: datetime) -> list[tuple[datetime, str]]:
    """WATCH_HOURS business hours after `start` in each country's own calendar, in order."""
    found = []
    for country, sla in sorted(DEFAULT_SLA_SETTINGS.countries.items()):
        zone = ZoneInfo(sla.timezone)
        day_hours = (
            datetime.combine(date.min, sla.closes) - datetime.combine(date.min, sla.opens)
        ) / timedelta(hours=1)
        for hours in WATCH_HOURS:
            at = due_at(sla, start, hours, timezone=sla.timezone)
            assert at is not None, "no pause: the clock always reaches a due time"
            found.append((at.astimezone(zone), f"+{hours / day_hours:g} business days in {country}"))
    return sorted(found)


def daily_digest(desk: Desk, at: datetime) -> None:
    answer = desk.http.post("/_local/schedules/daily_digest", params={"at": at.isoformat()})
    desk.book.digest = answer.json() if answer.ok else {"status": answer.status_code}
    digest = desk.book.digest
    print(
        f"  daily digest as of {at.isoformat(timespec='minutes')}: {answer.status_code}, "
        f"{digest.get('digests')} managers with open tickets, {digest.get('alerts')} alerts, "
        f"{digest.get('emails')} emails"
    )


def show_alerts(desk: Desk) -> None:
    """Every alert so far, read back from SNS, once the watcher's and digest's have landed:
    one reminder per reminded ticket, one breach alert per level a ticket escalated through,
    one digest per manager."""
    book = desk.book
    book.breach_levels = sum(int(t["escalation_level"]) for t in all_tickets(desk))
    expected = {
        "sla_reminder": book.reminded,
        "sla_breach": book.breach_levels,
        "digest": int(book.digest.get("alerts") or 0),
    }

    def read() -> list[dict[str, Any]]:
        return list(desk.http.json("/_local/alerts"))

    def landed(alerts: list[dict[str, Any]]) -> bool:
        kinds = Counter(a["attributes"].get("kind") for a in alerts)
        return all(kinds[kind] >= count for kind, count in expected.items())

    alerts = wait_for(read, landed)
    book.alerts = Counter(str(a["attributes"].get("kind")) for a in alerts)
    print(f"  alerts on SNS (/_local/alerts): {len(alerts)}, by kind and audience:")
    groups = Counter(alert_group(a["attributes"]) for a in alerts)
    for (kind, audience), n in sorted(groups.items()):
        print(f"    {kind:<22}{audience:<17}{n:>4}")


def alert_group(attributes: dict[str, Any]) -> tuple[str, str]:
    kind = str(attributes.get("kind"))
    if kind == "sla_breach":
        kind = f"sla_breach level {attributes.get('level')}"
    return kind, str(attributes.get("audience"))


# --- 6. health report and acknowledgements --------------------------------------------------


def health_report(desk: Desk) -> None:
    desk.say("the health report per branch (GET /v1/reports/health?group=branch, executive token)")
    answer = desk.get("/v1/reports/health", desk.executive, params={"group": "branch"})
    if not answer.ok:
        desk.book.problems_seen.append(f"the health report answered {answer.status_code}")
        return
    report = answer.json()
    desk.book.health_rows = len(report["rows"])
    print(f"  tickets opened {report['from']} to {report['to']}; rates as numerator/denominator")
    print(
        f"  {'branch':<20}{'opened':>6}  {'first contact':<20}{'SLA on time':<13}"
        f"{'recovered':<11}{'reopened':<10}backlog"
    )
    for row in [*report["rows"], report["total"]]:
        print(health_line(row))


def health_line(row: dict[str, Any]) -> str:
    contact = row["first_contact"]
    median = contact["median_hours"]
    first = f"{median:.2f} h, {rate(contact['within_target'])}" if median is not None else "-"
    backlog = row["backlog"]
    return (
        f"  {row['key'] or 'all':<20}{row['opened']:>6}  {first:<20}{rate(row['sla']['on_time']):<13}"
        f"{rate(row['recovery']):<11}{rate(row['reopen']):<10}"
        f"{backlog['open']} open, {row['sla']['open_overdue']} overdue"
    )


def rate(value: dict[str, Any]) -> str:
    return f"{value['numerator']}/{value['denominator']}" if value["denominator"] else "-"


def acknowledgements(desk: Desk, tickets: list[dict[str, Any]]) -> None:
    """Complaints and claims: the customer was told the case number and when to expect a call."""
    due = {t["ticket_id"] for t in tickets if t["ticket_type"] in ACKNOWLEDGED_TYPES}
    desk.book.acknowledgements_due = len(due)

    def read() -> dict[str, str]:
        sent = {}
        for message in desk.http.json("/_local/outbox"):
            found = TICKET_ID.search(f"{message.get('subject') or ''} {message.get('body') or ''}")
            if found and not message.get("survey_url") and message["to"] in desk.contacts:
                sent[found.group()] = message["channel"]
        return sent

    sent = wait_for(read, lambda found: due <= set(found))
    desk.book.acknowledgements = len(due & set(sent))
    channels = Counter(channel for ticket_id, channel in sent.items() if ticket_id in due)
    print(
        f"  acknowledgements sent: {desk.book.acknowledgements} of {len(due)} complaints and claims "
        f"({counted(channels)})"
    )


# --- the whole of it ------------------------------------------------------------------------


def work_the_cases(desk: Desk) -> None:
    """Steps 2-6, once the tickets have settled."""
    tickets = all_tickets(desk)
    show_routing(desk, tickets)
    plans = work_tickets(desk, tickets)
    manager_reassigns(desk, plans)
    show_refusals(desk, plans)
    follow_ups(desk, plans)
    last = watch_later(desk)
    daily_digest(desk, last)
    show_alerts(desk)
    health_report(desk)
    acknowledgements(desk, tickets)


def print_casework(book: Casebook) -> None:
    """The summary's case-management lines."""
    versions = ", ".join(f"{name} v{version}" for name, version in book.published.items()) or "none"
    worked = book.worked
    print(f"config published  {versions}; {book.analyst_routed} ticket(s) routed by {ANALYST_RULE}")
    print(f"tickets by type   {counted(book.by_type)}; owned by a person: {book.tickets - book.team_owned}")
    print(
        f"tickets worked    {worked['resolved']} resolved, {worked['call-back']} call-backs, "
        f"{worked['untouched']} untouched; reassigned -> {book.reassigned}, resolved twice -> "
        f"{book.illegal}, other branch's ticket -> {book.out_of_scope}"
    )
    answers = book.follow_up_answers
    print(
        f"follow-ups        {book.follow_ups_sent} sent, {sum(answers.values())} answered: "
        f"{answers['recovered']} recovered, {answers['unhappy']} unhappy -> {book.reopened} reopened"
    )
    print(
        f"SLA watcher       {book.reminded} reminders, {book.escalated} escalations; "
        f"{book.alerts['sla_breach']} breach alerts"
    )
    print(f"daily digest      {book.alerts['digest']} digest alerts")
    print(f"acknowledgements  {book.acknowledgements} of {book.acknowledgements_due} complaints and claims")


# --- helpers --------------------------------------------------------------------------------


def wait_for(read: Callable[[], T], done: Callable[[T], bool], timeout_s: float = WAIT_TIMEOUT_S) -> T:
    """Read until `done` holds or time runs out; answers the last reading either way (the
    verdict judges what it shows)."""
    deadline = time.monotonic() + timeout_s
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(POLL_S)
        value = read()
    return value
