"""What a cxloop ticket becomes in a helpdesk, whatever the vendor: the case to create (its
external key, subject, description, priority, tags, due time, link back) and each change
cxloop makes afterwards (a comment, a status, an assignee)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import ConfigDict

from cxloop.domain.casework.call_scripts import call_script
from cxloop.domain.casework.models import HistoryEntry, Ticket
from cxloop.domain.integrations.connectors import Connector
from cxloop.domain.kernel.modelling import DomainModel

CaseStatus = Literal["open", "solved"]


class CaseDraft(DomainModel):
    model_config = ConfigDict(frozen=True)

    external_id: str
    subject: str
    description: str
    priority: str  # in the tool's vocabulary (Connector.priority_of)
    tags: tuple[str, ...]
    due_at: datetime | None
    link: str


class CaseUpdate(DomainModel):
    model_config = ConfigDict(frozen=True)

    status: CaseStatus | None = None
    # An internal note: cxloop's people are not the tool's users, so an assignment is told, not mapped.
    comment: str | None = None


def ticket_link(ticket_id: str, public_base_url: str) -> str:
    """Where the case is in cxloop: the staff API's ticket (its history and call script)."""
    return f"{public_base_url.rstrip('/')}/v1/tickets/{ticket_id}"


def draft_for(ticket: Ticket, connector: Connector, *, public_base_url: str) -> CaseDraft:
    link = ticket_link(ticket.ticket_id, public_base_url)
    place = ticket.touchpoint.name or ticket.touchpoint.id
    return CaseDraft(
        external_id=ticket.ticket_id,
        subject=f"[{ticket.ticket_id}] {ticket.ticket_type} at {place}: {_headline(ticket)}",
        description=describe(ticket, link),
        priority=connector.priority_of(ticket.priority),
        tags=("cxloop", ticket.ticket_type, *(_tag(t) for t in ticket.score.topics)),
        due_at=ticket.due_at,
        link=link,
    )


def describe(ticket: Ticket, link: str) -> str:
    """The case's first (internal) note: everything the agent needs without opening cxloop."""
    script = call_script(ticket)
    lines = [
        f"cxloop case {ticket.ticket_id}: {ticket.ticket_type}, priority {ticket.priority}, "
        f"{ticket.event_type} at {ticket.touchpoint.name or ticket.touchpoint.id} ({ticket.branch}).",
        f"Scores: {_scores(ticket)}.",
        f"Comment: {ticket.comment}" if ticket.comment else "Comment: none.",
        f"Topics: {', '.join(ticket.score.topics)}." if ticket.score.topics else "Topics: none.",
        f"Due: {_utc(ticket.due_at)} (SLA {ticket.sla_hours:g} h)."
        if ticket.due_at and ticket.sla_hours
        else "Due: no SLA.",
        f"Call-back window: {ticket.callback_window}." if ticket.callback_window else "",
        f"Call script ({script['language']}):",
        *(f"{n}. {line}" for n, line in enumerate(_lines(script), start=1)),
        f"In cxloop: {link}",
    ]
    return "\n".join(line for line in lines if line)


def update_for(ticket: Ticket, entry: HistoryEntry) -> CaseUpdate | None:
    """What one change made in cxloop (a history entry) changes in the tool; None: nothing."""
    if entry.action == "resolve" and ticket.resolution is not None:
        done = ticket.resolution
        text = f"Resolved in cxloop by {entry.by}. Root cause: {done.root_cause}. {done.action_taken}"
        return CaseUpdate(status="solved", comment=text)
    if entry.action == "follow_up" and ticket.follow_up is not None:
        answered = f"The customer answered the follow-up survey: {ticket.follow_up.outcome}"
        if ticket.is_open:  # unhappy: cxloop reopened the case
            return CaseUpdate(status="open", comment=f"{answered}; the case is reopened in cxloop.")
        return CaseUpdate(comment=f"{answered}.")
    return _staff_note(ticket, entry)


def _staff_note(ticket: Ticket, entry: HistoryEntry) -> CaseUpdate | None:
    if entry.action == "reopen":
        return CaseUpdate(status="open", comment=f"Reopened in cxloop: {entry.note or 'no reason given'}")
    if entry.action == "assign":
        assigned = f"Assigned in cxloop to {ticket.owner} by {entry.by}."
        return CaseUpdate(comment=f"{assigned} {entry.note}" if entry.note else assigned)
    if entry.action == "comment" and entry.note:
        return CaseUpdate(comment=f"{entry.note} — {entry.by} in cxloop")
    return None


def _utc(at: datetime) -> str:
    """ISO 8601 in UTC with Z, as the staff API and the tools write their times."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _headline(ticket: Ticket) -> str:
    score = ticket.score
    if score.nps is not None:
        return f"NPS {score.nps}"
    if score.csat is not None:
        return f"CSAT {score.csat}/5"
    return ticket.reason[:80]


def _scores(ticket: Ticket) -> str:
    score = ticket.score
    parts = [
        f"NPS {score.nps} ({score.nps_category})" if score.nps is not None else "",
        f"CSAT {score.csat}/5" if score.csat is not None else "",
        f"CES {score.ces}/7" if score.ces is not None else "",
        f"sentiment {score.sentiment}" if score.sentiment else "",
        "call-back requested" if score.callback_requested else "",
    ]
    return ", ".join(p for p in parts if p) or "none"


def _lines(script: dict[str, object]) -> list[str]:
    lines = script.get("lines")
    return [str(line) for line in lines] if isinstance(lines, list) else []


def _tag(topic: str) -> str:
    # Tags are single words in Zendesk and Salesforce alike.
    return "topic_" + "_".join(topic.lower().split())
