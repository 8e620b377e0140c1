"""Step 5: open the case once per response: classify it, route it to a team and a
person, start its SLA clock."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime

from cxloop.domain.alerting import alert_request
from cxloop.domain.assignment import NextTurn, assign
from cxloop.domain.deadlines import with_current_due
from cxloop.domain.models import HistoryEntry, RoutingDecision, SurveyResponse, Ticket
from cxloop.domain.ports import MessageQueue, TicketStore
from cxloop.domain.routing import facts_of
from cxloop.domain.rulebook import Rulebook

SYSTEM = "cxloop"


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
    book: Rulebook,
    next_turn: NextTurn,
) -> Opened:
    """Open once; the alert is queued on every delivery because push_alert is idempotent."""
    ticket = new_ticket(response, decision, now=now, book=book, next_turn=next_turn)
    is_new = tickets.add(ticket)
    if not is_new:
        ticket = tickets.get(ticket.ticket_id) or ticket
    alerts.send(alert_request(ticket, "detractor"), correlation_id=ticket.correlation_id)
    return Opened(ticket, is_new)


def new_ticket(
    response: SurveyResponse,
    decision: RoutingDecision,
    *,
    now: datetime,
    book: Rulebook,
    next_turn: NextTurn,
) -> Ticket:
    assert response.score is not None, "score_response scores before it asks for a ticket"
    touchpoint = response.touchpoint
    branch = touchpoint.branch or touchpoint.id
    assignment = assign(facts_of(response), branch=branch, book=book, next_turn=next_turn)
    comment = response.answers.get("comment")
    opened = HistoryEntry(
        at=now,
        by=SYSTEM,
        role="system",
        action="open",
        note=f"ticket rule {decision.rule} ({decision.reason}); type {assignment.classification}; "
        f"team {assignment.routed_by}",
    )
    ticket = Ticket(
        ticket_id=ticket_id_for(response.response_id),
        response_id=response.response_id,
        interaction_id=response.interaction_id,
        correlation_id=response.correlation_id,
        status="new" if assignment.owner.startswith("team:") else "assigned",
        ticket_type=assignment.ticket_type,
        classification=assignment.classification,
        priority=decision.priority,
        owner=assignment.owner,
        team=assignment.team,
        routed_by=assignment.routed_by,
        rule=decision.rule,
        reason=decision.reason,
        event_type=response.event_type,
        customer=response.customer,
        touchpoint=touchpoint,
        branch=branch,
        country=touchpoint.country,
        region=touchpoint.region,
        score=response.score,
        comment=comment if isinstance(comment, str) else None,
        answered_at=response.submitted_at,
        opened_at=now,
        due_at=None,
        sla_hours=book.sla.for_country(touchpoint.country).hours[assignment.ticket_type],
        history=(opened,),
    )
    return with_current_due(ticket, book.sla)
