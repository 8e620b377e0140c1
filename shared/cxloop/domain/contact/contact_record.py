"""A customer's contact record as staff read it (GET /v1/customers/{id}/contact): whether they
opted out, what was sent, what waits, every decision the contact policy took, and which of
their channels are on the suppression list.

Addresses are personal data: the record says how many are suppressed and on which channels,
never which address. The contact record itself keeps no address; the customer's latest decided
event names them (cxloop.domain.contact.manners keeps the decisions, the interactions store the
events until they expire or are erased).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cxloop.domain.contact.manners import ContactState, ContactStore
from cxloop.domain.contact.record_suppression import SuppressedChannel
from cxloop.domain.kernel.errors import NotFound
from cxloop.domain.kernel.events import Customer, Interaction

SuppressionsOf = Callable[[Customer], tuple[SuppressedChannel, ...]]
InteractionById = Callable[[str], Interaction | None]


def latest_customer(state: ContactState, interaction: InteractionById) -> Customer | None:
    """The customer as their latest decided event names them, or None when no event is left."""
    for record in reversed(state.decisions):
        if not record.interaction_id:  # an opt-out through a link belongs to no event
            continue
        found = interaction(record.interaction_id)
        if found is not None:
            return found.event.customer
    return None


def suppressed_channels(
    state: ContactState, interaction: InteractionById, suppressions: SuppressionsOf
) -> tuple[SuppressedChannel, ...]:
    """The suppression list's entries for the customer's addresses; none once they are erased."""
    customer = latest_customer(state, interaction)
    return suppressions(customer) if customer is not None and not customer.erased else ()


def contact_view(
    customer_id: str,
    contacts: ContactStore,
    suppressed: Callable[[ContactState], tuple[SuppressedChannel, ...]] = lambda _state: (),
) -> dict[str, Any]:
    """The record's JSON; NotFound (404) when cxloop never decided anything for the customer."""
    state = contacts.load(customer_id)
    if state.version == 0:
        raise NotFound(f"no contact record for customer {customer_id}")
    memory = state.memory
    return {
        "customer_id": customer_id,
        "opted_out": memory.opted_out,
        "suppressed_addresses": len(memory.suppressed),
        "suppressed_channels": [s.as_json() for s in suppressed(state)],
        "sent": [s.model_dump(mode="json") for s in memory.sent],
        "pending": [
            {
                "interaction_id": p.interaction.interaction_id,
                "kind": p.kind,
                "due_at": p.due_at.isoformat(),
                "reason": p.reason,
            }
            for p in state.pending
        ],
        "decisions": [d.model_dump(mode="json") for d in reversed(state.decisions)],
    }
