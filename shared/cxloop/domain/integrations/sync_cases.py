"""sync_cases: keep a connected team's case in its helpdesk (cxloop.domain.integrations.connectors).

Opening creates the case there once, keyed on cxloop's ticket id (the tool's external id):
the step looks the key up before creating, so a retry after a create whose answer was lost
finds the case instead of making a second one. Each later change made in cxloop (assign,
comment, resolve, reopen: one history entry) is pushed once: recorded in the send log right
after the tool accepted it and looked up before pushing (docs/ARCHITECTURE.md, Rules every
step keeps); a push whose answer was lost is pushed again, erring towards a duplicate note
over a case left unsolved in the tool. Two deliveries of one opening handled at the same
moment (a redelivery racing its original) could both find nothing and create twice: the
lookup narrows that window to the time of one create call, and it errs towards a duplicate
case over a missing one.

A tool over its rate limit answers 429 with Retry-After: the change goes back to the queue
hidden for that long (not a failure: a vendor's throttling must not dead-letter good work),
at most MAX_THROTTLED times, then it fails like any error and SQS retries it, then the DLQ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cxloop.domain.casework.models import Ticket
from cxloop.domain.casework.ports import TicketStore
from cxloop.domain.integrations.case_changes import CaseChange, connector_for
from cxloop.domain.integrations.cases import draft_for, update_for
from cxloop.domain.integrations.connectors import Connector, Connectors
from cxloop.domain.integrations.helpdesk_ports import HelpdeskFor, LaterQueue, RateLimited
from cxloop.domain.kernel.sends import Outbound, SendLog, send_once
from cxloop.domain.organisation.hierarchy import Organisation

MAX_THROTTLED = 20
# SQS holds a message back 15 minutes at most.
MAX_DELAY_S = 900

Outcome = Literal["created", "found", "updated", "unchanged", "not_connected", "gone", "retry_later"]


@dataclass(frozen=True)
class Synced:
    outcome: Outcome
    connector: str | None = None
    case_id: str | None = None


@dataclass(frozen=True)
class SyncPorts:
    tickets: TicketStore
    helpdesk_for: HelpdeskFor
    retries: LaterQueue
    sends: SendLog | None = None


def sync_case(
    change: CaseChange,
    *,
    connectors: Connectors,
    organisation: Organisation | None,
    public_base_url: str,
    ports: SyncPorts,
) -> Synced:
    ticket = ports.tickets.get(change.ticket_id)
    if ticket is None:
        return Synced("gone")
    connector = connector_for(ticket, connectors, organisation)
    if connector is None:
        return Synced("not_connected")
    try:
        return _sync(change, ticket, connector, public_base_url=public_base_url, ports=ports)
    except RateLimited as limited:
        if change.throttled >= MAX_THROTTLED:
            raise
        later = change.model_copy(update={"throttled": change.throttled + 1})
        delay = min(max(limited.retry_after_s, 1), MAX_DELAY_S)
        ports.retries.send_later(
            later.model_dump(mode="json"), correlation_id=ticket.correlation_id, delay_s=delay
        )
        return Synced("retry_later", connector.name)


def _sync(
    change: CaseChange, ticket: Ticket, connector: Connector, *, public_base_url: str, ports: SyncPorts
) -> Synced:
    desk = ports.helpdesk_for(connector)
    case_id = desk.find_case(ticket.ticket_id)
    if case_id is None:
        created = desk.create_case(draft_for(ticket, connector, public_base_url=public_base_url))
        if change.change == "open":
            return Synced("created", connector.name, created)
        case_id = created
    if change.change == "open":
        return Synced("found", connector.name, case_id)
    entry_index = change.entry if change.entry is not None else len(ticket.history) - 1
    update = update_for(ticket, ticket.history[entry_index]) if entry_index < len(ticket.history) else None
    if update is None:
        return Synced("unchanged", connector.name, case_id)
    found_id: str = case_id
    send_once(
        ports.sends,
        f"case:{connector.name}:{ticket.ticket_id}:{entry_index}",
        Outbound(update),
        lambda change: desk.update_case(found_id, change),
        facts=lambda _: {"case_id": found_id},
        earlier=lambda _: None,
    )
    return Synced("updated", connector.name, case_id)
