"""A helpdesk's callback: verified with Zendesk's own signing (base64 HMAC-SHA256 of timestamp
+ body, a five-minute window), then applied through the ticket lifecycle, only to tickets
routed to that connector."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest

from cxloop.domain.casework.models import Ticket
from cxloop.domain.casework.sla import DEFAULT_SLA_SETTINGS
from cxloop.domain.integrations.callbacks import CallbackPorts, apply_ticket_change
from cxloop.domain.integrations.zendesk import TicketChanged, verify_signature
from cxloop.domain.kernel.errors import Unauthorized
from tests.unit.integrations.test_sync_cases import CONNECTORS, connected_ticket

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
BODY = b'{"ticket_id":"7","external_id":"CX-SAMPLE0001","status":"solved"}'


def zendesk_signs(secret: str, stamp: str, body: bytes = BODY) -> str:
    return base64.b64encode(
        hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
    ).decode()


def test_a_request_zendesk_signed_within_five_minutes_passes() -> None:
    stamp = "2026-12-07T09:58:00Z"
    verify_signature(
        signature=zendesk_signs("k2", stamp), timestamp=stamp, body=BODY, secrets=("k1", "k2"), now=NOW
    )


@pytest.mark.parametrize(
    ("signature", "stamp"),
    [
        (None, "2026-12-07T10:00:00Z"),
        (zendesk_signs("k1", "2026-12-07T10:00:00Z"), None),
        (zendesk_signs("other", "2026-12-07T10:00:00Z"), "2026-12-07T10:00:00Z"),
        (zendesk_signs("k1", "2026-12-07T09:54:00Z"), "2026-12-07T09:54:00Z"),
        (zendesk_signs("k1", "2026-12-07T10:00:00"), "2026-12-07T10:00:00"),
        ("not base64!", "2026-12-07T10:00:00Z"),
        (zendesk_signs("k1", "yesterday"), "yesterday"),
    ],
)
def test_anything_else_is_unauthorized(signature: str | None, stamp: str | None) -> None:
    with pytest.raises(Unauthorized):
        verify_signature(signature=signature, timestamp=stamp, body=BODY, secrets=("k1",), now=NOW)


class Tickets:
    def __init__(self, ticket: Ticket) -> None:
        self.ticket = ticket

    def get(self, ticket_id: str) -> Ticket | None:
        return self.ticket if ticket_id == self.ticket.ticket_id else None

    def save(self, ticket: Ticket, *, expected_version: int) -> Ticket:
        assert expected_version == self.ticket.version
        self.ticket = ticket.model_copy(update={"version": expected_version + 1})
        return self.ticket


class Queue:
    def __init__(self) -> None:
        self.sent: list[Mapping[str, object]] = []

    def send(self, body: Mapping[str, object], *, correlation_id: str) -> None:
        self.sent.append(body)


def apply(ticket: Ticket, status: str, comment: str = "") -> tuple[str, Tickets, Queue]:
    tickets, queue = Tickets(ticket), Queue()
    change = TicketChanged(ticket_id="7", external_id=ticket.ticket_id, status=status, comment=comment)  # type: ignore[arg-type]
    moved = apply_ticket_change(
        change,
        CONNECTORS.connectors[0],
        connectors=CONNECTORS,
        organisation=None,
        sla=DEFAULT_SLA_SETTINGS,
        now=NOW + timedelta(hours=1),
        ports=CallbackPorts(tickets=tickets, follow_ups=queue),  # type: ignore[arg-type]
    )
    return moved.applied, tickets, queue


def test_solved_there_resolves_here_even_a_ticket_only_its_team_owned_and_asks_the_customer() -> None:
    applied, tickets, queue = apply(connected_ticket(status="new", owner="team:quito-norte-claims"), "solved")
    assert applied == "resolved"
    assert tickets.ticket.status == "resolved"
    assert [h.action for h in tickets.ticket.history][-2:] == ["taken", "resolve"]
    assert len(queue.sent) == 1  # the follow-up survey's interaction


def test_another_teams_ticket_is_not_moved_by_this_connector() -> None:
    applied, tickets, queue = apply(connected_ticket(team="madrid-centro-claims"), "solved")
    assert (applied, tickets.ticket.status, queue.sent) == ("not_ours", "assigned", [])


def test_a_comment_there_is_noted_once() -> None:
    applied, tickets, _ = apply(connected_ticket(), "open", "llamé al cliente")
    assert applied == "commented"
    again = apply(tickets.ticket, "open", "llamé al cliente")[0]
    assert again == "unchanged"


def test_reopened_there_reopens_a_resolved_ticket_here() -> None:
    _, resolved, _ = apply(connected_ticket(), "solved", "rebooked")
    applied, tickets, queue = apply(resolved.ticket, "open", "the customer called again")
    assert (applied, tickets.ticket.status, tickets.ticket.reopen_count, queue.sent) == (
        "reopened",
        "assigned",
        1,
        [],
    )
