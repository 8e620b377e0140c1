"""The ticket.* and alert.published events, from casework's tickets and alerts: a module of its
own, so a step that announces no ticket (score_response) does not load casework."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from cxloop.domain.casework.models import Alert, Ticket
from cxloop.domain.integrations.announcements import (
    Announcer,
    contact_of,
    message_id_for,
    place_of,
    scores_of,
)
from cxloop.domain.integrations.models import Announcement
from cxloop.domain.kernel.queues import MessageQueue


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


# What a staff action on a ticket announces; every other action is a ticket.updated.
ACTION_EVENTS = {"resolve": "ticket.resolved", "reopen": "ticket.reopened"}


def ticket_changed(ticket: Ticket, action: str, *, at: datetime) -> Announcement:
    """One per stored change: the ticket's version makes each change's webhook-id its own."""
    event_type = ACTION_EVENTS.get(action, "ticket.updated")
    announcement = ticket_event(event_type, ticket, key=f"v{ticket.version}", at=at)
    return announcement.model_copy(update={"data": {**announcement.data, "action": action}})


def ticket_reopened_by_follow_up(ticket: Ticket, *, at: datetime) -> Announcement:
    return ticket_event("ticket.reopened", ticket, key=f"v{ticket.version}", at=at)


def alert_published(alert: Alert) -> Announcement:
    """Ids, places and who the alert is for; its subject and text stay with SNS."""
    return Announcement(
        message_id=message_id_for("alert.published", alert.alert_id),
        type="alert.published",
        timestamp=alert.answered_at,
        data={
            "alert_id": alert.alert_id,
            "kind": alert.kind,
            "severity": alert.severity,
            "ticket_id": alert.ticket_id,
            "audience": alert.audience,
            "level": alert.level,
            "recipient": alert.recipient,
            "branch": alert.branch,
            "region": alert.region,
            "country": alert.country,
        },
    )


class EscalationsAnnounced:
    """The alerts queue as sla_watcher sees it: each breach alert queued (an escalation one level
    up) also announces ticket.escalated, once per ticket and level (one webhook-id for all the
    audiences that level alerts)."""

    def __init__(self, alerts: MessageQueue, announcer: Announcer, *, clock: Callable[[], datetime]) -> None:
        self._alerts = alerts
        self._announcer = announcer
        self._clock = clock

    def send(self, body: Mapping[str, object], *, correlation_id: str) -> None:
        self._alerts.send(body, correlation_id=correlation_id)
        if body.get("kind") != "sla_breach":
            return
        ticket = Ticket.model_validate(body["ticket"])
        level = int(str(body.get("level", ticket.escalation_level)))
        # The alert describes the ticket as the watcher found it; the event says where it is now.
        ticket = ticket.model_copy(update={"escalation_level": level})
        escalated = ticket_event("ticket.escalated", ticket, key=f"level-{level}", at=self._clock())
        self._announcer.announce(escalated, correlation_id=correlation_id)
