"""The ticket.* events, from casework's tickets: a module of their own, so a step that announces
no ticket (score_response) does not load casework."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cxloop.domain.casework.models import Ticket
from cxloop.domain.integrations.announcements import contact_of, message_id_for, place_of, scores_of
from cxloop.domain.integrations.models import Announcement


def ticket_data(ticket: Ticket) -> dict[str, Any]:
    return {
        "ticket_id": ticket.ticket_id,
        "response_id": ticket.response_id,
        "interaction_id": ticket.interaction_id,
        "status": ticket.status,
        "priority": ticket.priority,
        "ticket_type": ticket.ticket_type,
        "classification": ticket.classification,
        "owner": ticket.owner,
        "team": ticket.team,
        "event_type": ticket.event_type,
        "customer": {"id": ticket.customer.id},
        "touchpoint": place_of(ticket.touchpoint),
        "branch": ticket.branch,
        "region": ticket.region,
        "country": ticket.country,
        "score": scores_of(ticket.score),
        "opened_at": ticket.opened_at.isoformat(),
        "due_at": ticket.due_at.isoformat() if ticket.due_at else None,
        "escalation_level": ticket.escalation_level,
        "reopen_count": ticket.reopen_count,
    }


def ticket_personal(ticket: Ticket) -> dict[str, Any]:
    return {
        "customer": contact_of(ticket.customer),
        **({"comment": ticket.comment} if ticket.comment else {}),
    }


def ticket_event(event_type: str, ticket: Ticket, *, key: str, at: datetime) -> Announcement:
    """A ticket.* event; `key` names what happened to the ticket (its version, its level...)."""
    return Announcement.model_validate(
        {
            "message_id": message_id_for(event_type, f"{ticket.ticket_id}:{key}"),
            "type": event_type,
            "timestamp": at,
            "data": ticket_data(ticket),
            "personal": ticket_personal(ticket),
        }
    )


def ticket_opened(ticket: Ticket) -> Announcement:
    return ticket_event("ticket.opened", ticket, key="opened", at=ticket.opened_at)
