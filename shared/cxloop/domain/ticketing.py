"""Step 5: open the case once per response and route it to its owner."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from cxloop.domain.models import RoutingDecision, SurveyResponse, Ticket
from cxloop.domain.ports import MessageQueue, TicketStore
from cxloop.domain.routing import DUE_HOURS


def ticket_id_for(response_id: str) -> str:
    """Short, readable, derived from the response so a redelivery finds the same case.

    50 bits of SHA-256 in base32: collisions are negligible at any realistic volume,
    and the conditional write would refuse one rather than overwrite a case.
    """
    digest = hashlib.sha256(response_id.encode()).digest()
    return "CX-" + base64.b32encode(digest).decode()[:10]


@dataclass(frozen=True)
class Opened:
    ticket: Ticket
    is_new: bool


def open_ticket(
    response: SurveyResponse,
    decision: RoutingDecision,
    *,
    now: datetime,
    tickets: TicketStore,
    alerts: MessageQueue,
) -> Opened:
    """Open once; the alert is queued on every delivery because push_alert is idempotent."""
    assert response.score is not None, "score_response scores before it asks for a ticket"
    touchpoint = response.touchpoint
    comment = response.answers.get("comment")
    ticket = Ticket(
        ticket_id=ticket_id_for(response.response_id),
        response_id=response.response_id,
        interaction_id=response.interaction_id,
        correlation_id=response.correlation_id,
        priority=decision.priority,
        owner=decision.owner,
        rule=decision.rule,
        reason=decision.reason,
        event_type=response.event_type,
        customer=response.customer,
        touchpoint=touchpoint,
        branch=touchpoint.branch or touchpoint.id,
        score=response.score,
        comment=comment if isinstance(comment, str) else None,
        answered_at=response.submitted_at,
        opened_at=now,
        due_at=now + timedelta(hours=DUE_HOURS[decision.priority]),
    )
    is_new = tickets.add(ticket)
    if not is_new:
        ticket = tickets.get(ticket.ticket_id) or ticket
    alerts.send(ticket.model_dump(mode="json"), correlation_id=ticket.correlation_id)
    return Opened(ticket, is_new)
