"""What the casework steps share: the staff's desk (the API, the organisation, everyone's
token), the casebook of what they saw, and the analyst publishing the configuration."""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import requests

from cxloop.datafile import load_organisation_file
from cxloop.domain.organisation.hierarchy import Organisation
from infra.local import configfiles
from infra.local.auth import mint_token
from infra.local.defaults import staff_secret
from infra.local.demo.http import Http

DATA = Path(__file__).resolve().parents[2] / "data"
DOCUMENTS = (("organisation", DATA / "organisation.yaml"), ("assignment", DATA / "assignment.yaml"))
ANALYST_RULE = "madrid_cleanliness"
PUBLISHER = "exec-cxo"
WAIT_TIMEOUT_S = 30
POLL_S = 0.25
TICKET_ID = re.compile(r"CX-[A-Z2-7]{10}")

T = TypeVar("T")


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


def wait_for(read: Callable[[], T], done: Callable[[T], bool], timeout_s: float = WAIT_TIMEOUT_S) -> T:
    """Read until `done` holds or time runs out; answers the last reading either way (the
    verdict judges what it shows)."""
    deadline = time.monotonic() + timeout_s
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(POLL_S)
        value = read()
    return value
