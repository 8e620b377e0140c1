"""Step 6: tell the owner's managers, with attributes they can filter on."""

from __future__ import annotations

from cxloop.domain.models import Alert, Severity, Ticket

_SEVERITY: dict[str, Severity] = {
    "urgent": "critical",
    "high": "critical",
    "medium": "warning",
    "low": "info",
}


def alert_for(ticket: Ticket) -> Alert:
    """No customer contact data in the alert: managers open the ticket for that."""
    touchpoint = ticket.touchpoint
    score = ticket.score
    place = touchpoint.name or touchpoint.id
    parts = [
        f"NPS {score.nps}" if score.nps is not None else None,
        f"CSAT {score.csat}" if score.csat else None,
    ]
    scores = ", ".join(p for p in parts if p) or "no score"
    message = (
        f"Ticket {ticket.ticket_id} ({ticket.priority}) opened for {place} [{ticket.branch}].\n"
        f"Scores: {scores}. Rule: {ticket.rule} ({ticket.reason}).\n"
        f"Owner: {ticket.owner}. Due: {ticket.due_at.isoformat()}.\n"
        + ("Customer asked for a call back.\n" if score.callback_requested else "")
    )
    return Alert(
        alert_id=f"{ticket.ticket_id}:detractor",
        kind="detractor",
        severity=_SEVERITY[ticket.priority],
        ticket_id=ticket.ticket_id,
        correlation_id=ticket.correlation_id,
        subject=f"[cxloop] {ticket.priority.upper()} detractor at {place}"[:100],
        message=message,
        country=touchpoint.country or "unknown",
        region=touchpoint.region or "unknown",
        branch=ticket.branch,
        answered_at=ticket.answered_at,
    )
