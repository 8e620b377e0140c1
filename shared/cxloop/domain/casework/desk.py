"""The staff desk: find, read and work tickets within the caller's scope."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from cxloop.domain.casework.deadlines import with_current_due
from cxloop.domain.casework.lifecycle import apply_action
from cxloop.domain.casework.models import OPEN_STATUSES, Ticket
from cxloop.domain.casework.ports import TicketStore
from cxloop.domain.casework.sla import SlaSettings
from cxloop.domain.casework.ticket_list import Page, SortOrder, TicketFilter, paginate
from cxloop.domain.kernel.errors import NotFound
from cxloop.domain.kernel.events import Interaction, InteractionEvent
from cxloop.domain.kernel.queues import MessageQueue
from cxloop.domain.organisation.access import Caller, can_see, partition_for
from cxloop.domain.organisation.hierarchy import Organisation, scope_contains
from cxloop.domain.surveys.names import CASE_RESOLVED


def visible_ticket(ticket_id: str, caller: Caller, tickets: TicketStore) -> Ticket:
    """The ticket, or NotFound both when it does not exist and when it is outside the
    caller's scope: the answer must not reveal which ids are real."""
    ticket = tickets.get(ticket_id)
    if ticket is None or not can_see(caller, ticket):
        raise NotFound(f"no ticket {ticket_id}")
    return ticket


def find_tickets(
    caller: Caller,
    wanted: TicketFilter,
    *,
    sort: SortOrder,
    limit: int,
    cursor: str | None,
    now: datetime,
    tickets: TicketStore,
) -> Page:
    found = _read(caller, wanted, tickets)
    # Visibility is checked on every ticket, whatever partition was read.
    admitted = (t for t in found if can_see(caller, t) and wanted.admits(t, now=now))
    return paginate(admitted, sort=sort, limit=limit, cursor=cursor)


def _read(caller: Caller, wanted: TicketFilter, tickets: TicketStore) -> Iterable[Ticket]:
    """A partition's read stops at its newest MAX_READ tickets, which over the years would
    hide an old ticket still open, the one a desk most needs. A filter that only admits open
    tickets reads every open ticket instead: as many as the workload, not as the years."""
    if _wants_only_open(wanted):
        return tickets.open_tickets()
    return tickets.find(partition=_narrowest(caller, wanted), status=wanted.status)


def _wants_only_open(wanted: TicketFilter) -> bool:
    if wanted.status is not None:
        return wanted.status in OPEN_STATUSES
    return wanted.overdue is True  # overdue means open and past due


def _narrowest(caller: Caller, wanted: TicketFilter) -> tuple[str, str] | None:
    if wanted.owner:
        return ("owner", wanted.owner)
    if wanted.branch:
        return ("branch", wanted.branch)
    return partition_for(caller)


def act(
    ticket_id: str,
    action: Any,
    *,
    caller: Caller,
    now: datetime,
    tickets: TicketStore,
    sla: SlaSettings,
    organisation: Organisation | None,
    follow_ups: MessageQueue,
) -> Ticket:
    """Apply one action and store it, conditioned on the version read; a resolution sends
    the customer the "was it solved?" survey."""
    ticket = visible_ticket(ticket_id, caller, tickets)
    changed = apply_action(
        ticket,
        action,
        by=caller.user,
        role=caller.role,
        now=now,
        is_assignable=lambda person: may_own(organisation, person, ticket),
    )
    saved = tickets.save(with_current_due(changed, sla), expected_version=ticket.version)
    # An anonymous answer's case (a QR code) has nobody to ask "was it solved?".
    if saved.status == "resolved" and ticket.status != "resolved" and not saved.customer.anonymous:
        follow_ups.send(follow_up_interaction(saved, now=now), correlation_id=saved.correlation_id)
    return saved


def follow_up_interaction(ticket: Ticket, *, now: datetime) -> dict[str, Any]:
    """The event cxloop raises for itself when a ticket is resolved: send_survey sends its
    follow-up survey like any other. One per resolution (a reopened case asks again)."""
    event = InteractionEvent.model_validate(
        {
            "event_id": f"{ticket.ticket_id}:resolved:{ticket.reopen_count}",
            "source": "cxloop",
            "event_type": CASE_RESOLVED,
            "occurred_at": now.isoformat(),
            "customer": ticket.customer,
            "touchpoint": ticket.touchpoint,
            "attributes": {"ticket_id": ticket.ticket_id},
        }
    )
    interaction = Interaction(
        interaction_id=f"{ticket.ticket_id}-resolved-{ticket.reopen_count}",
        correlation_id=ticket.correlation_id,
        received_at=now,
        event=event,
    )
    return interaction.model_dump(mode="json")


def may_own(organisation: Organisation | None, person_id: str, ticket: Ticket) -> bool:
    """Without an organisation any id goes; with one, the person must sit where the ticket is."""
    if organisation is None:
        return bool(person_id.strip())
    person = organisation.person(person_id)
    if person is None:
        return False
    if person.team is not None:
        place = organisation.place_of_team(person.team)
        return place is not None and place.branch.id == ticket.branch
    return scope_contains(
        organisation.scope_of(person), country=ticket.country, region=ticket.region, branch=ticket.branch
    )
