"""The one place tests load sample payloads from events/, so every test reads the same
real-shaped payloads."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cxloop.domain.casework.models import Ticket
from cxloop.domain.kernel.events import parse_event
from cxloop.domain.surveys.scoring import score_answers

EVENTS = Path(__file__).resolve().parent.parent / "events"
REPO = EVENTS.parent

# The contact_policy document of a company that chose no quiet hours, no gap and a cap of 100
# surveys per 30 days. Tests about something other than the contact policy publish it, as an
# analyst would (the config API or store), so their surveys go out at once whatever the hour
# they run and however many events they send one customer: until a policy is published the
# default applies (21:00-08:00 quiet hours in the customer's zone, a day's gap, 4 in 30 days).
PERMISSIVE_CONTACT_POLICY: dict[str, Any] = {
    "quiet_start": None,
    "quiet_end": None,
    "min_gap_hours": 0,
    "cap_messages": 100,
    "cap_days": 30,
}


def load_event(name: str) -> dict[str, Any]:
    """events/<name>.json as a fresh dict, e.g. load_event("erp/claim_reported")."""
    return copy.deepcopy(json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8")))


def event_bytes(name: str, **changes: Any) -> bytes:
    """The event's JSON body, with top-level fields replaced."""
    document = load_event(name)
    document.update(changes)
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def sample_ticket(**changes: Any) -> Ticket:
    """A high-priority detractor ticket for the sample claim event; fields replaceable."""
    event = parse_event(event_bytes("erp/claim_reported"))
    answered = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    fields: dict[str, Any] = {
        "ticket_id": "CX-SAMPLE0001",
        "response_id": "r-1",
        "interaction_id": "i-1",
        "correlation_id": "corr-sample",
        "priority": "high",
        "owner": "team:quito-norte",
        "rule": "angry_detractor",
        "reason": "nps=1 <= 3",
        "event_type": event.event_type,
        "customer": event.customer,
        "touchpoint": event.touchpoint,
        "branch": "quito-norte",
        "score": score_answers({"nps": 1}),
        "answered_at": answered,
        "opened_at": answered,
        "due_at": answered + timedelta(hours=24),
    }
    return Ticket(**(fields | changes))


def fresh_interpreter_json(code: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Run `code` in a new Python at the repository root (what a cold start sees, not this
    session's warm imports) and answer the JSON object its last line prints."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))
