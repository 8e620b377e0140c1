"""sync_cases on an in-memory helpdesk (a port passed in): a connected team's case is created
once with everything an agent needs, cxloop's changes are pushed once, and a vendor's 429
sends the change back to the queue for its Retry-After."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from cxloop.domain.casework.lifecycle import Comment, Resolve, apply_action
from cxloop.domain.casework.models import Ticket
from cxloop.domain.integrations.case_changes import CaseChange, open_request, update_request
from cxloop.domain.integrations.cases import CaseDraft, CaseUpdate
from cxloop.domain.integrations.connectors import Connector, Connectors
from cxloop.domain.integrations.helpdesk_ports import RateLimited
from cxloop.domain.integrations.sync_cases import MAX_THROTTLED, SyncPorts, sync_case
from cxloop.domain.integrations.zendesk import ticket_fields, update_fields
from cxloop.domain.kernel.sends import Facts, StagedWrite
from cxloop.domain.surveys.scoring import score_answers
from tests.helpers import sample_ticket

CONNECTORS = Connectors(
    connectors=(
        Connector.model_validate(
            {
                "name": "zendesk",
                "vendor": "zendesk",
                "instance_url": "https://acme.zendesk.com",
                "secret": "cxloop/connectors/zendesk",
                "teams": ["quito-norte-claims"],
            }
        ),
    )
)
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


class Tickets:
    def __init__(self, *tickets: Ticket) -> None:
        self.items = {t.ticket_id: t for t in tickets}

    def get(self, ticket_id: str) -> Ticket | None:
        return self.items.get(ticket_id)


class Helpdesk:
    """Keeps cases by external id; `throttle` answers 429 that many times first."""

    def __init__(self, throttle: int = 0) -> None:
        self.cases: dict[str, CaseDraft] = {}
        self.updates: list[tuple[str, CaseUpdate]] = []
        self.throttle = throttle

    def _gate(self) -> None:
        if self.throttle:
            self.throttle -= 1
            raise RateLimited(42)

    def find_case(self, external_id: str) -> str | None:
        self._gate()
        return next((str(n) for n, key in enumerate(self.cases, 1) if key == external_id), None)

    def create_case(self, draft: CaseDraft) -> str:
        self._gate()
        self.cases[draft.external_id] = draft
        return str(len(self.cases))

    def update_case(self, case_id: str, update: CaseUpdate) -> None:
        self._gate()
        self.updates.append((case_id, update))


class Later:
    def __init__(self) -> None:
        self.sent: list[tuple[dict[str, Any], int]] = []

    def send_later(self, body: Mapping[str, object], *, correlation_id: str, delay_s: int) -> None:
        self.sent.append((dict(body), delay_s))


class Log:
    def __init__(self) -> None:
        self.facts: dict[str, Facts] = {}

    def claim(
        self, key: str, *, facts: Facts | None = None, along: Sequence[StagedWrite] = ()
    ) -> Facts | None:
        return self.facts.get(key)

    def release(self, key: str) -> None:
        pass

    def record(self, key: str, facts: Facts) -> None:
        self.facts[key] = facts


def connected_ticket(**changes: Any) -> Ticket:
    fields: dict[str, Any] = {
        "team": "quito-norte-claims",
        "owner": "ec-qn-claims-1",
        "status": "assigned",
        "ticket_type": "claim",
        "priority": "urgent",
        "comment": "El ajustador nunca llegó",
        "score": score_answers({"nps": 2, "csat": 1, "comment": "El ajustador nunca llegó"}).model_copy(
            update={"topics": ("waiting time", "staff")}
        ),
        "sla_hours": 8.0,
    }
    return sample_ticket(**(fields | changes))


def sync(
    change: CaseChange, tickets: Tickets, desk: Helpdesk, later: Later | None = None, log: Log | None = None
) -> Any:
    ports = SyncPorts(tickets=tickets, helpdesk_for=lambda _c: desk, retries=later or Later(), sends=log)  # type: ignore[arg-type]
    return sync_case(
        change,
        connectors=CONNECTORS,
        organisation=None,
        public_base_url="https://cx.example.com/",
        ports=ports,
    )


def test_only_a_connected_teams_ticket_is_handed_to_sync_cases() -> None:
    assert open_request(connected_ticket(), CONNECTORS, None) == CaseChange(
        ticket_id="CX-SAMPLE0001", change="open"
    )
    assert open_request(connected_ticket(team="quito-norte-cs"), CONNECTORS, None) is None
    assert open_request(connected_ticket(), Connectors(), None) is None


def test_the_case_is_created_once_with_what_the_agent_needs() -> None:
    ticket, desk = connected_ticket(), Helpdesk()
    opened = CaseChange(ticket_id=ticket.ticket_id, change="open")
    first = sync(opened, Tickets(ticket), desk)
    again = sync(opened, Tickets(ticket), desk)
    assert (first.outcome, again.outcome, first.case_id, again.case_id) == ("created", "found", "1", "1")
    draft = desk.cases[ticket.ticket_id]
    fields = ticket_fields(draft)
    assert fields["external_id"] == "CX-SAMPLE0001"
    assert fields["priority"] == "urgent"
    assert fields["comment"]["public"] is False
    assert fields["tags"] == ["cxloop", "claim", "topic_waiting_time", "topic_staff"]
    text = draft.description
    assert "NPS 2 (detractor), CSAT 1/5" in text
    assert "Comment: El ajustador nunca llegó" in text
    assert "Topics: waiting time, staff." in text
    assert "Due: 2026-11-24T09:30:00Z (SLA 8 h)." in text
    assert "Call script (es):" in text and "1. Buenos días, Ana." in text
    assert text.endswith("In cxloop: https://cx.example.com/v1/tickets/CX-SAMPLE0001")


def test_a_team_without_a_connector_or_a_ticket_gone_sends_nothing() -> None:
    desk = Helpdesk()
    unconnected = connected_ticket(team="quito-norte-cs")
    assert sync(
        CaseChange(ticket_id=unconnected.ticket_id, change="open"), Tickets(unconnected), desk
    ).outcome == ("not_connected")
    assert sync(CaseChange(ticket_id="CX-GONE", change="open"), Tickets(), desk).outcome == "gone"
    assert desk.cases == {}


def test_a_resolution_in_cxloop_solves_the_case_once() -> None:
    ticket, desk, log = connected_ticket(), Helpdesk(), Log()
    sync(CaseChange(ticket_id=ticket.ticket_id, change="open"), Tickets(ticket), desk)
    commented = apply_action(
        ticket, Comment(action="comment", text="called twice"), by="ec-qn-claims-1", role="agent", now=NOW
    )
    resolve = Resolve(action="resolve", root_cause="adjuster overbooked", action_taken="visit rebooked")
    resolved = apply_action(commented, resolve, by="ec-qn-claims-1", role="agent", now=NOW)
    for step in (commented, resolved):
        change = update_request(step, CONNECTORS, None)
        assert change is not None
        sync(change, Tickets(resolved), desk, log=log)
        sync(change, Tickets(resolved), desk, log=log)  # a redelivery pushes nothing more
    assert [(case_id, update_fields(u)) for case_id, u in desk.updates] == [
        ("1", {"comment": {"body": "called twice — ec-qn-claims-1 in cxloop", "public": False}}),
        (
            "1",
            {
                "status": "solved",
                "comment": {
                    "body": "Resolved in cxloop by ec-qn-claims-1. "
                    "Root cause: adjuster overbooked. visit rebooked",
                    "public": False,
                },
            },
        ),
    ]


def test_a_429_sends_the_change_back_for_its_retry_after_and_gives_up_after_many() -> None:
    ticket, desk, later = connected_ticket(), Helpdesk(throttle=1), Later()
    opened = CaseChange(ticket_id=ticket.ticket_id, change="open")
    assert sync(opened, Tickets(ticket), desk, later).outcome == "retry_later"
    assert later.sent == [
        ({"ticket_id": ticket.ticket_id, "change": "open", "entry": None, "throttled": 1}, 42)
    ]
    assert desk.cases == {}
    retried = CaseChange.model_validate(later.sent[0][0])
    assert sync(retried, Tickets(ticket), desk, later).outcome == "created"

    worn_out = CaseChange(ticket_id=ticket.ticket_id, change="open", throttled=MAX_THROTTLED)
    with pytest.raises(RateLimited):
        sync(worn_out, Tickets(ticket), Helpdesk(throttle=1), later)
