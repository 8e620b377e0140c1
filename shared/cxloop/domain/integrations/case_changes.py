"""What open_ticket and tickets_api hand to sync_cases (the `cases` queue's messages), kept
apart from the sync itself so those functions load no helpdesk code to decide it."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from cxloop.domain.casework.models import Ticket
from cxloop.domain.integrations.connectors import Connector, Connectors
from cxloop.domain.kernel.modelling import DomainModel
from cxloop.domain.organisation.hierarchy import Organisation

# The changes made in cxloop a helpdesk hears of (cxloop.domain.integrations.cases.update_for):
# staff's, and the customer's follow-up answer (an unhappy one reopens the case); calls logged
# and call-backs scheduled stay in cxloop.
PUSHED = frozenset({"assign", "comment", "resolve", "reopen", "follow_up"})


class CaseChange(DomainModel):
    """One message of the `cases` queue."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ticket_id: str = Field(min_length=1, max_length=64)
    change: Literal["open", "update"]
    # The history entry an update pushes (its index in Ticket.history).
    entry: int | None = Field(default=None, ge=0)
    throttled: int = Field(default=0, ge=0)


def connector_for(
    ticket: Ticket, connectors: Connectors, organisation: Organisation | None
) -> Connector | None:
    return connectors.for_team(ticket.team, organisation)


def open_request(
    ticket: Ticket, connectors: Connectors, organisation: Organisation | None
) -> CaseChange | None:
    """What open_ticket hands to sync_cases for a newly opened ticket; None: not connected."""
    if connector_for(ticket, connectors, organisation) is None:
        return None
    return CaseChange(ticket_id=ticket.ticket_id, change="open")


def update_request(
    ticket: Ticket, connectors: Connectors, organisation: Organisation | None
) -> CaseChange | None:
    """What a change just made in cxloop (the ticket's last history entry) hands to sync_cases."""
    if not ticket.history or ticket.history[-1].action not in PUSHED:
        return None
    if connector_for(ticket, connectors, organisation) is None:
        return None
    return CaseChange(ticket_id=ticket.ticket_id, change="update", entry=len(ticket.history) - 1)
