"""Step 5: open the case once per response: classify it, route it to a team and a
person, start its SLA clock."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from cxloop.domain.casework.assignment import NextTurn, assign
from cxloop.domain.casework.case_rules import CaseRouting
from cxloop.domain.casework.customer_notices import Notice, notice_message
from cxloop.domain.casework.deadlines import customer_zone, with_current_due
from cxloop.domain.casework.history import record
from cxloop.domain.casework.lifecycle import ALLOWED_FROM, Reopen, apply_action
from cxloop.domain.casework.models import AlertKind, FollowUp, FollowUpOutcome, HistoryEntry, Ticket
from cxloop.domain.casework.ports import TicketStore
from cxloop.domain.casework.push_alert import alert_request
from cxloop.domain.casework.sla import SlaSettings
from cxloop.domain.casework.sla_watcher import escalation_levels
from cxloop.domain.feedback.models import RoutingDecision
from cxloop.domain.feedback.routing import facts_of
from cxloop.domain.kernel.queues import MessageQueue
from cxloop.domain.organisation.hierarchy import Organisation
from cxloop.domain.surveys.models import SurveyResponse

SYSTEM = "cxloop"
# The case types whose customer is told their case number and when they will hear back.
ACKNOWLEDGED_TYPES = frozenset({"complaint", "claim"})


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
    notices: MessageQueue,
    routing: CaseRouting,
    sla: SlaSettings,
    next_turn: NextTurn,
) -> Opened:
    """Open once. The alert and the customer's acknowledgement are queued on every delivery:
    their consumers are idempotent on the keys set here, so a crash between the write and the
    sends loses neither."""
    ticket = new_ticket(response, decision, now=now, routing=routing, sla=sla, next_turn=next_turn)
    is_new = tickets.add(ticket)
    if not is_new:
        ticket = tickets.get(ticket.ticket_id) or ticket
    kind: AlertKind = "detractor" if ticket.score.nps_category == "detractor" else "new_ticket"
    alerts.send(alert_request(ticket, kind), correlation_id=ticket.correlation_id)
    notice = acknowledgement_for(ticket, sla)
    if notice is not None:
        notices.send(notice_message(notice), correlation_id=ticket.correlation_id)
    return Opened(ticket, is_new)


def acknowledgement_for(ticket: Ticket, sla: SlaSettings) -> Notice | None:
    """A notice for a complaint or claim with a due time; None for requests, and for an
    anonymous answer (a QR code at a counter): there is nobody to tell."""
    if ticket.ticket_type not in ACKNOWLEDGED_TYPES or ticket.due_at is None or ticket.customer.anonymous:
        return None
    zone = customer_zone(ticket.customer) or sla.for_country(ticket.country).timezone
    return Notice(
        notice_id=f"{ticket.ticket_id}:acknowledgement",
        kind="acknowledgement",
        ticket_id=ticket.ticket_id,
        correlation_id=ticket.correlation_id,
        customer=ticket.customer,
        contact_by=ticket.due_at,
        timezone=zone,
    )


def follow_up_outcome(answers: Mapping[str, object]) -> FollowUpOutcome:
    solved, csat = answers.get("solved"), answers.get("csat")
    satisfied = csat if isinstance(csat, int) and not isinstance(csat, bool) else None
    if solved is False or (satisfied is not None and satisfied <= 2):
        return "unhappy"
    if solved is True and (satisfied is None or satisfied >= 4):
        return "recovered"
    return "neutral"


def record_follow_up(
    response: SurveyResponse,
    *,
    now: datetime,
    tickets: TicketStore,
    alerts: MessageQueue,
    sla: SlaSettings,
    organisation: Organisation | None,
) -> Ticket | None:
    """Keep the customer's "was it solved?" on the ticket; an unhappy answer reopens it and
    alerts the owner's manager. None when the ticket is gone (erased)."""
    ticket = tickets.get(str(response.attributes.get("ticket_id", "")))
    if ticket is None:
        return None
    outcome = follow_up_outcome(response.answers)
    if ticket.follow_up is None or ticket.follow_up.answered_at != response.submitted_at:
        ticket = tickets.save(
            _with_follow_up(ticket, response, outcome, now, sla), expected_version=ticket.version
        )
    if outcome == "unhappy":
        audience, people = escalation_levels(ticket, organisation)[0]
        alerts.send(
            alert_request(ticket, "follow_up_unhappy", audience=audience, recipients=people),
            correlation_id=ticket.correlation_id,
        )
    return ticket


def _with_follow_up(
    ticket: Ticket, response: SurveyResponse, outcome: FollowUpOutcome, now: datetime, sla: SlaSettings
) -> Ticket:
    solved = response.answers.get("solved")
    csat = response.answers.get("csat")
    follow_up = FollowUp(
        answered_at=response.submitted_at,
        solved=solved if isinstance(solved, bool) else None,
        csat=csat if isinstance(csat, int) and not isinstance(csat, bool) else None,
        outcome=outcome,
    )
    if outcome == "unhappy" and ticket.status in ALLOWED_FROM["reopen"]:
        reason = Reopen(action="reopen", reason="the customer says the case is not solved")
        ticket = apply_action(ticket, reason, by="customer", role="customer", now=now)
    changed = record(
        ticket,
        {"follow_up": follow_up},
        by="customer",
        role="customer",
        action="follow_up",
        now=now,
        note=outcome,
    )
    return with_current_due(changed, sla)


def new_ticket(
    response: SurveyResponse,
    decision: RoutingDecision,
    *,
    now: datetime,
    routing: CaseRouting,
    sla: SlaSettings,
    next_turn: NextTurn,
) -> Ticket:
    assert response.score is not None, "score_response scores before it asks for a ticket"
    touchpoint = response.touchpoint
    branch = touchpoint.branch or touchpoint.id
    assignment = assign(facts_of(response), branch=branch, rules=routing, next_turn=next_turn)
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
        callback_window=_text_or_none(response.answers.get("callback_time")),
        answered_at=response.submitted_at,
        opened_at=now,
        due_at=None,
        sla_hours=sla.for_country(touchpoint.country).hours[assignment.ticket_type],
        history=(opened,),
    )
    return with_current_due(ticket, sla)


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None
