"""The contact-policy chapter in order: publish, bounce, visit, release, opt out, complain,
reach the cap, then the channels, the table of decisions and a simulation. (Its prologue,
the default manners before anything is published, runs before the day: `default`.)"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests

from cxloop.domain.contact.policy import RECOMMENDED
from infra.local.demo.casework.desk import Desk, bearer, customer_of
from infra.local.demo.casework.staff import ROOT_CAUSES
from infra.local.demo.contacts.bounces import BOUNCED, bounce, check_bounced
from infra.local.demo.contacts.channels import show_channels
from infra.local.demo.contacts.stage import (
    BRANCH,
    COMPLAINT,
    DECISION_TIMEOUT_S,
    EXPECTED_REASONS,
    OPT_OUT_LINK,
    POLICY,
    POLICY_ARRIVAL_TIMEOUT_S,
    POLL_S,
    ContactBook,
    Stage,
    customers,
    put_policy,
)


def show_contact_policy(desk: Desk, book: ContactBook | None = None) -> ContactBook:
    """The chapter, going on in `book` (the prologue's, infra.local.demo.contacts.default)."""
    desk.say("the contact policy decides every survey (PUT /v1/config/contact_policy, POL-1..POL-8)")
    book = book or ContactBook()
    stage = Stage(desk, customers(datetime.now(UTC)), book)
    if not publish_policy(stage):
        return book
    bounce(stage, [stage.people[c]["email"] for c in BOUNCED])
    first_visits(stage)
    stage.release(list(stage.people))
    released_sends(stage)
    opt_out(stage)
    open_complaint(stage)
    frequency_cap(stage)
    collect(stage)
    check_bounced(stage)
    show_channels(stage)
    print_contact_decisions(book)
    simulate_recommended(stage)
    return book


def publish_policy(stage: Stage) -> bool:
    version = put_policy(stage, POLICY, "demo: every contact decision")
    if version is None:
        return False
    print(f"  contact_policy version {version}: {json.dumps(POLICY)}", flush=True)
    return wait_for_policy(stage)


def wait_for_policy(stage: Stage) -> bool:
    """send_survey caches the rulebook for a minute: probe customers until one's survey opens
    a group (the published policy), then the story starts."""
    started = time.monotonic()
    probe = 0
    while time.monotonic() - started < POLICY_ARRIVAL_TIMEOUT_S:
        probe += 1
        customer_id = f"POL-PROBE-{probe}"
        stage.people[customer_id] = stage.people["POL-1"] | {
            "id": customer_id,
            "email": f"probe{probe}@example.com",
        }
        stage.post_visit(customer_id)
        decision = stage.wait_for(customer_id, 1)
        if decision is not None and decision["reason"] == "group_opened":
            print(
                f"  send_survey applies it after {time.monotonic() - started:.1f} s ({probe} probes)",
                flush=True,
            )
            return True
        time.sleep(2)
    stage.book.problems_seen.append("the published contact policy never reached send_survey")
    return False


def first_visits(stage: Stage) -> None:
    """Every customer's first survey opens a group; POL-4's second visit joins it."""
    story = [c for c in stage.people if not c.startswith("POL-PROBE")]
    for customer_id in story:
        stage.post_visit(customer_id)
    for customer_id in story:
        stage.wait_for(customer_id, 1)
    stage.post_visit("POL-4")
    stage.wait_for("POL-4", 2)


def released_sends(stage: Stage) -> None:
    """The released groups: send, the reroutes, quiet hours, and POL-4's journey as one."""
    for customer_id, count in {
        c: 2 for c in ("POL-1", "POL-2", "POL-3", "POL-5", "POL-6", "POL-7", "POL-8", "POL-9")
    }.items():
        stage.wait_for(customer_id, count)
    stage.wait_for("POL-4", 3)
    journey = stage.outbox_to(stage.people["POL-4"]["email"])
    stage.book.journey_messages = len(journey)
    print(f"  POL-4's two visits went out as {len(journey)} survey", flush=True)


def opt_out(stage: Stage) -> None:
    message = next(iter(stage.outbox_to(stage.people["POL-6"]["email"])), None)
    link = OPT_OUT_LINK.search(message["body"]) if message else None
    if link is None:
        stage.book.problems_seen.append("POL-6's survey had no opt-out link")
        return
    answer = stage.http.post(link.group(0), data={})
    print(f"  POL-6 opts out: POST {link.group(0).split('/u/')[0]}/u/... -> {answer.status_code}", flush=True)
    stage.post_visit("POL-6")
    stage.wait_for("POL-6", 3)


def open_complaint(stage: Stage) -> None:
    """A detractor's ticket blocks the next survey; resolving it sends a follow-up, which
    the minimum gap holds (the survey went out minutes ago)."""
    message = next(iter(stage.outbox_to(stage.people["POL-7"]["email"])), None)
    if message is None or not message.get("survey_url"):
        stage.book.problems_seen.append("POL-7 got no survey")
        return
    form = {"nps": "1", "csat": "1", "comment": COMPLAINT, "callback": "no"}
    stage.http.post(message["survey_url"], data=form)
    ticket = wait_until(lambda: ticket_of(stage, "POL-7"))
    if ticket is None:
        stage.book.problems_seen.append("POL-7's answer opened no ticket")
        return
    print(f"  POL-7 answers NPS 1 -> {ticket['ticket_type']} {ticket['ticket_id']} (owner {ticket['owner']})")
    stage.post_visit("POL-7")
    stage.wait_for("POL-7", 3)
    cause, action_taken = ROOT_CAUSES["branch."][0]
    token = stage.desk.token_for(ticket["owner"])
    for action in (
        {"action": "log_call", "outcome": "reached", "note": "Listened and apologised"},
        {"action": "resolve", "root_cause": cause, "action_taken": action_taken},
    ):
        stage.desk.act(ticket["ticket_id"], action, token)
    stage.wait_for("POL-7", 4)


def ticket_of(stage: Stage, customer_id: str) -> dict[str, Any] | None:
    listed = stage.http.json(
        "/v1/tickets", params={"branch": BRANCH, "limit": 200}, headers=bearer(stage.desk.executive)
    )
    return next((t for t in listed["items"] if customer_of(t) == customer_id), None)


def wait_until(find: Callable[[], dict[str, Any] | None]) -> dict[str, Any] | None:
    deadline = time.monotonic() + DECISION_TIMEOUT_S
    while time.monotonic() < deadline:
        found = find()
        if found is not None:
            return found
        time.sleep(POLL_S * 2)
    return None


def frequency_cap(stage: Stage) -> None:
    """POL-8's second survey (a new group, released) reaches the cap of two; a third is blocked."""
    stage.post_visit("POL-8")
    stage.wait_for("POL-8", 3)
    stage.release(["POL-8"])
    stage.wait_for("POL-8", 4)
    stage.post_visit("POL-8")
    stage.wait_for("POL-8", 5)


def collect(stage: Stage) -> None:
    stage.book.decisions = [
        (customer_id, decision)
        for customer_id in stage.people
        if not customer_id.startswith("POL-PROBE")
        for decision in stage.decisions(customer_id)
    ]


# --- what it shows -------------------------------------------------------------------------


def print_contact_decisions(book: ContactBook) -> None:
    print(f"  {'decision':<9}{'reason':<24}{'customer':<9}{'kind':<16}{'channel':<9}detail")
    for customer_id, d in book.decisions:
        due = f"due {d['due_at'][:16]}" if d.get("due_at") else ""
        detail = "; ".join(part for part in (d.get("detail"), due) if part)
        line = (
            f"  {d['action']:<9}{d['reason']:<24}{customer_id:<9}{d['kind']:<16}{d.get('channel') or '-':<9}"
        )
        print(f"{line}{detail}".rstrip())
    missing = [reason for reason in EXPECTED_REASONS if reason not in book.reasons]
    print(
        f"  {len(EXPECTED_REASONS) - len(missing)} of {len(EXPECTED_REASONS)} decisions seen"
        + (f"; missing: {', '.join(missing)}" if missing else ""),
        flush=True,
    )


def simulate_recommended(stage: Stage) -> None:
    today = datetime.now(UTC).date().isoformat()
    answer: requests.Response = stage.http.post(
        "/v1/contact-policy/simulate",
        json={"policy": RECOMMENDED.model_dump(mode="json"), "from": today, "to": today},
        headers=bearer(stage.desk.executive),
    )
    if answer.status_code != 200:
        stage.book.problems_seen.append(f"the policy simulation answered {answer.status_code}")
        return
    outcome = stage.book.simulation = answer.json()
    reasons = ", ".join(f"{n} {reason}" for reason, n in Counter(outcome["by_reason"]).most_common())
    print(
        f"  today's {outcome['events']} events replayed under RECOMMENDED (/v1/contact-policy/simulate): "
        f"{reasons}",
        flush=True,
    )
