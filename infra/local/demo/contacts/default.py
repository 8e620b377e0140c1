"""The contact policy's prologue, before the day's first event: until an analyst publishes a
contact policy the default manners apply (quiet hours 21:00-08:00 in the customer's own zone,
a day's gap, 4 surveys in 30 days), so DEF-1, for whom it is 03:00, gets a survey postponed to
08:00 their time. Then the insurer publishes its own policy for the day (surveys at once), and
every customer of the day is surveyed whatever hour the demo runs."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from infra.local.demo.casework.desk import Desk
from infra.local.demo.contacts.stage import (
    POLICY_ARRIVAL_TIMEOUT_S,
    ContactBook,
    Stage,
    put_policy,
    zone_at,
)

NIGHT_HOUR = 3
# The insurer's policy for the day's events: no quiet hours, no gap, a wide cap. A published
# document is the whole policy (cxloop.domain.contact.policy.ContactPolicy), so it says so.
DAY_POLICY: dict[str, Any] = {
    "quiet_start": None,
    "quiet_end": None,
    "min_gap_hours": 0,
    "cap_messages": 100,
    "cap_days": 30,
}
EXPECTED_NIGHT = ("postpone", "postponed_quiet_hours", "default")


def show_default_manners(desk: Desk) -> ContactBook:
    """DEF-1's survey under the default, then the day's policy published and in force; the
    book the contact-policy chapter goes on filling (problems seen here included)."""
    desk.say("until a contact policy is published, the default manners apply (DEF-1, 03:00 their time)")
    book = ContactBook()
    stage = Stage(desk, {"DEF-1": night_owl(datetime.now(UTC))}, book)
    stage.post_visit("DEF-1")
    night = stage.wait_for("DEF-1", 1)
    if night is None:
        return book
    print(f"  {describe(night, stage.people['DEF-1']['timezone'])}", flush=True)
    if (night["action"], night["reason"], night.get("policy_version")) != EXPECTED_NIGHT:
        book.problems_seen.append(f"DEF-1's night survey was {night['reason']}, not postponed_quiet_hours")
    version = put_policy(stage, DAY_POLICY, "demo: the insurer surveys its day at once")
    if version is not None:
        print(f"  the insurer publishes contact_policy version {version}: no quiet hours, no gap", flush=True)
        wait_until_in_force(stage, version)
    return book


def night_owl(now: datetime) -> dict[str, Any]:
    return {
        "id": "DEF-1",
        "name": "Cliente Nocturno",
        "locale": "es-ES",
        "timezone": zone_at(NIGHT_HOUR, now),
        "email": "def1@example.com",
    }


def describe(decision: dict[str, Any], zone: str) -> str:
    due = decision.get("due_at")
    local = f", due {datetime.fromisoformat(due).astimezone(ZoneInfo(zone)):%H:%M} their time" if due else ""
    return (
        f"DEF-1: {decision['action']} {decision['reason']}{local} "
        f"(policy version {decision.get('policy_version')})"
    )


def wait_until_in_force(stage: Stage, version: int) -> None:
    """send_survey reads the rulebook again after a short cache: DEF-1 visits again until a
    decision names the published version (the day's events must not meet the default)."""
    started = time.monotonic()
    while time.monotonic() - started < POLICY_ARRIVAL_TIMEOUT_S:
        stage.post_visit("DEF-1")
        decision = stage.wait_for("DEF-1", stage.visits["DEF-1"])
        if decision is not None and decision.get("policy_version") == version:
            print(
                f"  send_survey applies it after {time.monotonic() - started:.1f} s: DEF-1's next visit "
                f"-> {decision['action']} {decision['reason']} (policy version {version}; 1 survey out)",
                flush=True,
            )
            return
        time.sleep(1)
    stage.book.problems_seen.append(f"contact_policy version {version} never reached send_survey")
