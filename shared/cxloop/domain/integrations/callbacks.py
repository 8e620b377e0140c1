"""Changes made in a helpdesk come back to cxloop: POST /v1/connectors/{name}/events, signed
with the connector's key (for Zendesk: cxloop.domain.integrations.zendesk; for ServiceNow:
cxloop.domain.integrations.servicenow, whose incident states read as Zendesk's statuses; for
Salesforce: cxloop.domain.integrations.salesforce), moves the cxloop ticket through its own
lifecycle (cxloop.domain.casework.lifecycle), so the SLA watcher, the escalations, the health
report and the follow-up survey see it as any change made in cxloop.

- solved or closed there resolves the ticket here, and the customer gets the "was it solved?"
  survey as for a resolution in cxloop (cxloop.domain.casework.desk.follow_up_interaction);
- open, pending or on hold there, for a ticket resolved here, reopens it;
- otherwise a comment there is a comment here.
A connector moves only the tickets of the teams the connectors document routes to it: a
leaked key of one tool cannot touch another tool's cases. A change already applied (a
webhook delivered twice) leaves the ticket as it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from cxloop.domain.casework.deadlines import with_current_due
from cxloop.domain.casework.desk import follow_up_interaction
from cxloop.domain.casework.history import record
from cxloop.domain.casework.lifecycle import ALLOWED_FROM, Comment, Reopen, Resolve, apply_action
from cxloop.domain.casework.models import Ticket
from cxloop.domain.casework.ports import TicketStore
from cxloop.domain.casework.sla import SlaSettings
from cxloop.domain.integrations import salesforce, servicenow, shared_secret_callouts, zendesk
from cxloop.domain.integrations.connectors import Connector, Connectors
from cxloop.domain.integrations.zendesk import TicketChanged
from cxloop.domain.kernel.errors import FieldProblem, InvalidInput, NotFound
from cxloop.domain.kernel.queues import MessageQueue
from cxloop.domain.organisation.hierarchy import Organisation

ROLE = "helpdesk"
SOLVED = frozenset({"solved", "closed"})
Applied = Literal["resolved", "reopened", "commented", "unchanged", "not_ours"]


@dataclass(frozen=True)
class CallbackPorts:
    tickets: TicketStore
    follow_ups: MessageQueue


@dataclass(frozen=True)
class Moved:
    applied: Applied
    ticket: Ticket | None = None

    def as_json(self) -> dict[str, Any]:
        ticket = self.ticket
        return {
            "applied": self.applied,
            "ticket_id": ticket.ticket_id if ticket else None,
            "status": ticket.status if ticket else None,
        }


def apply_ticket_change(
    change: TicketChanged,
    connector: Connector,
    *,
    connectors: Connectors,
    organisation: Organisation | None,
    sla: SlaSettings,
    now: datetime,
    ports: CallbackPorts,
) -> Moved:
    ticket = ports.tickets.get(change.external_id)
    routed = connectors.for_team(ticket.team, organisation) if ticket else None
    if ticket is None or routed is None or routed.name != connector.name:
        return Moved("not_ours")
    by = f"{connector.name}:{change.assignee_email or 'agent'}"
    moved, applied = _moved(ticket, change, connector, by=by, now=now)
    if moved is None:
        return Moved("unchanged", ticket)
    saved = ports.tickets.save(with_current_due(moved, sla), expected_version=ticket.version)
    # As cxloop.domain.casework.desk.act: an anonymous answer's case has nobody to ask.
    if applied == "resolved" and not saved.customer.anonymous:
        ports.follow_ups.send(follow_up_interaction(saved, now=now), correlation_id=saved.correlation_id)
    return Moved(applied, saved)


def _moved(
    ticket: Ticket, change: TicketChanged, connector: Connector, *, by: str, now: datetime
) -> tuple[Ticket | None, Applied]:
    where = f"{connector.vendor} ticket {change.ticket_id}"
    if change.status in SOLVED and ticket.is_open:
        taken = _taken(ticket, by=by, now=now, where=where)
        done = change.comment or f"solved in {where}"
        resolve = Resolve(action="resolve", root_cause=f"solved in {connector.vendor}", action_taken=done)
        return apply_action(taken, resolve, by=by, role=ROLE, now=now), "resolved"
    if change.status not in SOLVED and ticket.status in ALLOWED_FROM["reopen"]:
        reopen = Reopen(action="reopen", reason=change.comment or f"reopened in {where}")
        return apply_action(ticket, reopen, by=by, role=ROLE, now=now), "reopened"
    if change.comment and not _said_last(ticket, change.comment):
        return apply_action(
            ticket, Comment(action="comment", text=change.comment), by=by, role=ROLE, now=now
        ), ("commented")
    return None, "unchanged"


def _taken(ticket: Ticket, *, by: str, now: datetime, where: str) -> Ticket:
    """A ticket still waiting for a person (status new: its team owns it) was taken up in the
    tool: recorded as such, so the resolution that follows is a legal transition."""
    if ticket.status in ALLOWED_FROM["resolve"]:
        return ticket
    return record(ticket, {"status": "in_progress"}, by=by, role=ROLE, action="taken", now=now, note=where)


def _said_last(ticket: Ticket, text: str) -> bool:
    # A webhook delivered twice carries the same comment, or the resolution it resolved with
    # (the action taken): it is noted once.
    if not ticket.history:
        return False
    last = ticket.history[-1]
    if last.action == "resolve" and ticket.resolution is not None:
        return ticket.resolution.action_taken == text
    return last.action == "comment" and last.note == text


def read_callback(
    connector: Connector,
    *,
    body: bytes,
    headers: Callable[[str], str | None],
    secrets: tuple[str, ...],
    now: datetime,
) -> TicketChanged:
    """Verify the request with the vendor's own signing, then parse it; Unauthorized or
    InvalidInput otherwise. Verified before parsing, so an unsigned request costs nothing."""
    if connector.vendor == "zendesk":
        zendesk.verify_signature(
            signature=headers(zendesk.SIGNATURE_HEADER),
            timestamp=headers(zendesk.TIMESTAMP_HEADER),
            body=body,
            secrets=secrets,
            now=now,
        )
        return zendesk.parse_event(_json_of(body))
    if connector.vendor not in ("servicenow", "salesforce"):
        raise NotFound(f"connector {connector.name} takes no callbacks yet")
    # ServiceNow's business rules and Salesforce's Apex callouts sign with the shared key alike.
    shared_secret_callouts.verify_callout(
        signature=headers(shared_secret_callouts.SIGNATURE_HEADER),
        timestamp=headers(shared_secret_callouts.TIMESTAMP_HEADER),
        body=body,
        secrets=secrets,
        now=now,
    )
    if connector.vendor == "servicenow":
        return servicenow.parse_event(_json_of(body))
    return salesforce.parse_callout(connector, _json_of(body))


def _json_of(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise InvalidInput("the body is not JSON", [FieldProblem("body", "is not JSON")]) from exc
