"""Step 6: tell the people who can act, with attributes they can filter on.

An alert request travels on the alerts queue as an envelope
`{"kind", "level", "audience", "recipients", "dedupe_key", "ticket"}`; push_alert
publishes each dedupe_key once within the suppression window, so a redelivered or
repeated request for the same ticket, kind and level never alerts twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cxloop.domain.casework.models import Alert, AlertKind, Severity, Ticket

_SEVERITY: dict[str, Severity] = {
    "urgent": "critical",
    "high": "critical",
    "medium": "warning",
    "low": "info",
}
_HEADLINE: dict[str, str] = {
    "detractor": "{priority} detractor at {place}",
    "new_ticket": "{priority} ticket at {place}",
    "sla_reminder": "SLA due soon: {ticket_id} at {place}",
    "sla_breach": "SLA breached (level {level}): {ticket_id} at {place}",
    "follow_up_unhappy": "Customer still unhappy after resolution: {ticket_id} at {place}",
}


def alert_request(
    ticket: Ticket,
    kind: AlertKind = "detractor",
    *,
    level: int = 0,
    audience: str = "owner",
    recipients: Sequence[str] = (),
) -> dict[str, Any]:
    """The envelope a producer queues for push_alert; it names its own dedupe key."""
    return {
        "kind": kind,
        "level": level,
        "audience": audience,
        "recipients": list(recipients),
        "dedupe_key": dedupe_key(ticket, kind, level),
        "ticket": ticket.model_dump(mode="json"),
    }


def dedupe_key(ticket: Ticket, kind: AlertKind, level: int) -> str:
    """One alert per ticket, kind and level in each SLA cycle: a reopened ticket that breaches
    again is news, so the cycle (reopen count) is part of the key after the first."""
    cycle = f"#r{ticket.reopen_count}" if ticket.reopen_count else ""
    return f"{ticket.ticket_id}:{kind}:{level}{cycle}"


def alert_for(
    ticket: Ticket,
    kind: AlertKind = "detractor",
    *,
    level: int = 0,
    audience: str = "owner",
    recipients: Sequence[str] = (),
) -> Alert:
    """No customer contact data in the alert: managers open the ticket for that."""
    touchpoint = ticket.touchpoint
    place = touchpoint.name or touchpoint.id
    headline = _HEADLINE.get(kind, "{ticket_id} at {place}").format(
        priority=ticket.priority.upper(), place=place, ticket_id=ticket.ticket_id, level=level
    )
    severity = "critical" if kind == "sla_breach" and level >= 2 else _SEVERITY[ticket.priority]
    return Alert(
        alert_id=f"{ticket.ticket_id}:{kind}:{level}",
        kind=kind,
        severity=severity,
        ticket_id=ticket.ticket_id,
        correlation_id=ticket.correlation_id,
        subject=f"[cxloop] {headline}"[:100],
        message=_message(ticket, place, audience, recipients),
        country=touchpoint.country or "unknown",
        region=touchpoint.region or "unknown",
        branch=ticket.branch,
        audience=audience,
        level=level,
        answered_at=ticket.answered_at,
    )


def _message(ticket: Ticket, place: str, audience: str, recipients: Sequence[str]) -> str:
    score = ticket.score
    parts = [
        f"NPS {score.nps}" if score.nps is not None else None,
        f"CSAT {score.csat}" if score.csat else None,
    ]
    scores = ", ".join(p for p in parts if p) or "no score"
    due = ticket.due_at.isoformat() if ticket.due_at else "paused (waiting on the customer)"
    lines = [
        f"Ticket {ticket.ticket_id} ({ticket.priority} {ticket.ticket_type}) for {place} [{ticket.branch}].",
        f"Scores: {scores}. Rule: {ticket.rule} ({ticket.reason}).",
        f"Owner: {ticket.owner}. Status: {ticket.status}. Due: {due}.",
        f"For: {audience}" + (f" ({', '.join(recipients)})" if recipients else "") + ".",
    ]
    if score.callback_requested:
        lines.append("Customer asked for a call back.")
    return "\n".join(lines) + "\n"
