"""The contact-policy chapter's cast and stage: the policy, the POL customers, their visits,
and what the chapter saw (the contact book)."""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from infra.local.defaults import webhook_secret
from infra.local.demo.casework.desk import Desk, bearer
from infra.local.demo.http import Http
from infra.local.erp import event_body, post_event

# A two-hour window: long enough that a customer at 06:xx now is still in quiet hours
# when the group is released, while the release itself (06:xx + 2 h) is not.
POLICY: dict[str, Any] = {
    "quiet_start": "21:00",
    "quiet_end": "08:00",
    "min_gap_hours": 24,
    "cap_messages": 2,
    "cap_days": 30,
    "group_window_minutes": 120,
    "block_on_open_complaint": True,
    "channels": ["email", "sms"],
}
AWAKE_HOUR = 12
QUIET_HOUR = 6
EXPECTED_REASONS = (
    "send",
    "rerouted_preference",
    "rerouted_fallback",
    "group_opened",
    "grouped",
    "postponed_min_gap",
    "postponed_quiet_hours",
    "blocked_frequency_cap",
    "blocked_open_complaint",
    "blocked_opt_out",
    "blocked_suppressed",
)
POLICY_ACTIONS = frozenset({"send", "postpone", "group", "block"})
BRANCH = "madrid-centro"
# send_survey reads the policy again at most once a minute (CachedRulebook).
POLICY_ARRIVAL_TIMEOUT_S = 70
DECISION_TIMEOUT_S = 20
POLL_S = 0.2
OPT_OUT_LINK = re.compile(r"https?://[^\s\"'<>]+/u/[^\s\"'<>]+")
COMPLAINT = "Me hicieron volver tres veces para entregar el mismo papel."


@dataclass
class ContactBook:
    """What the step saw, for its table and the demo's verdict."""

    decisions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    journey_messages: int = -1
    simulation: dict[str, Any] = field(default_factory=dict)
    problems_seen: list[str] = field(default_factory=list)

    @property
    def reasons(self) -> Counter[str]:
        return Counter(str(d["reason"]) for _, d in self.decisions)

    def problems(self) -> list[str]:
        missing = [reason for reason in EXPECTED_REASONS if reason not in self.reasons]
        found = [f"contact decisions never seen: {', '.join(missing)}"] if missing else []
        if self.journey_messages != 1:
            found.append(f"the grouped journey went out as {self.journey_messages} messages, not 1")
        return found + self.problems_seen


def zone_at(local_hour: int, now: datetime) -> str:
    """A fixed-offset zone where it is `local_hour` o'clock now (Etc/GMT signs are inverted)."""
    east = (local_hour - now.hour) % 24
    east = east - 24 if east > 14 else east
    return "Etc/GMT" if east == 0 else f"Etc/GMT{-east:+d}"


def customers(now: datetime) -> dict[str, dict[str, Any]]:
    awake, asleep = zone_at(AWAKE_HOUR, now), zone_at(QUIET_HOUR, now)

    def person(number: int, zone: str = awake, **contact: str) -> dict[str, Any]:
        found = {"id": f"POL-{number}", "name": f"Cliente Política {number}", "locale": "es-ES"}
        return found | {"timezone": zone} | (contact or {"email": f"pol{number}@example.com"})

    return {
        "POL-1": person(1),
        "POL-2": person(2, email="pol2@example.com", phone="+34699000002", preferred_channel="whatsapp"),
        "POL-3": person(3, phone="+34699000003"),
        "POL-4": person(4),
        "POL-5": person(5, asleep),
        "POL-6": person(6),
        "POL-7": person(7),
        "POL-8": person(8),
        "POL-9": person(9, email="pol9@example.com", phone="+34699000009"),
        "POL-10": person(10),
    }


def visit(customer: dict[str, Any], number: int) -> dict[str, Any]:
    return {
        "event_id": f"VIS-{customer['id']}-{number}",
        "source": "erp-branches",
        "event_type": "branch.visit_completed",
        "occurred_at": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "customer": customer,
        "touchpoint": {
            "id": f"{BRANCH}/counter",
            "name": "Atención al cliente · Madrid Centro",
            "channel": "branch",
            "branch": BRANCH,
            "region": "madrid",
            "country": "ES",
        },
        "attributes": {"policy": f"HOGAR-{number:05d}", "agent_id": "A-007"},
    }


# --- the step ------------------------------------------------------------------------------


@dataclass
class Stage:
    desk: Desk
    people: dict[str, dict[str, Any]]
    book: ContactBook
    visits: Counter[str] = field(default_factory=Counter)

    @property
    def http(self) -> Http:
        return self.desk.http

    def post_visit(self, customer_id: str) -> None:
        self.visits[customer_id] += 1
        body = event_body(visit(self.people[customer_id], self.visits[customer_id]))
        answer = post_event(self.http.base_url, body, webhook_secret(), self.http.session)
        if answer.status_code != 202:
            self.book.problems_seen.append(f"{customer_id}'s event answered {answer.status_code}")

    def record(self, customer_id: str) -> dict[str, Any]:
        answer = self.http.get(f"/v1/customers/{customer_id}/contact", headers=bearer(self.desk.executive))
        return answer.json() if answer.status_code == 200 else {"decisions": [], "pending": []}

    def decisions(self, customer_id: str) -> list[dict[str, Any]]:
        """Oldest first (the API answers newest first)."""
        return list(reversed(self.record(customer_id)["decisions"]))

    def wait_for(self, customer_id: str, count: int) -> dict[str, Any] | None:
        """The customer's `count`th decision, once send_survey has taken it."""
        deadline = time.monotonic() + DECISION_TIMEOUT_S
        while time.monotonic() < deadline:
            # Only the policy's own decisions: not acknowledgements, not the opt-out itself.
            survey_decisions = [d for d in self.decisions(customer_id) if d["action"] in POLICY_ACTIONS]
            if len(survey_decisions) >= count:
                return survey_decisions[count - 1]
            time.sleep(POLL_S)
        self.book.problems_seen.append(f"{customer_id}'s decision {count} never came")
        return None

    def release(self, customer_ids: list[str]) -> None:
        """release_contacts as of the latest of these customers' due times."""
        due = [datetime.fromisoformat(p["due_at"]) for c in customer_ids for p in self.record(c)["pending"]]
        at = max(due, default=datetime.now(UTC)) + timedelta(seconds=1)
        answer = self.http.post("/_local/schedules/release_contacts", params={"at": at.isoformat()})
        released = int(answer.json().get("released", 0)) if answer.status_code == 200 else -1
        self.book.released.append(released)
        print(f"  release_contacts as of {at:%Y-%m-%d %H:%M} UTC: {released} sends released", flush=True)

    def outbox_to(self, address: str) -> list[dict[str, Any]]:
        return [m for m in self.http.json("/_local/outbox") if m["to"] == address]


def put_policy(stage: Stage, document: dict[str, Any], note: str) -> int | None:
    """PUT /v1/config/contact_policy as the executive; the version, or None (a problem noted)."""
    answer = publish_contact_policy(stage.http, stage.desk.executive, document, note)
    if answer.status_code != 200:
        stage.book.problems_seen.append(f"publishing contact_policy ({note}) answered {answer.status_code}")
        return None
    return int(answer.json()["version"])


def publish_contact_policy(http: Http, token: str, document: dict[str, Any], note: str) -> requests.Response:
    """PUT /v1/config/contact_policy with a staff token (an executive's), as an analyst publishes it."""
    return http.session.put(
        f"{http.base_url}/v1/config/contact_policy",
        json={"document": document, "note": note},
        headers=bearer(token),
        timeout=10,
    )
