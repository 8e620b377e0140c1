"""What casework needs: the ticket store (optimistic concurrency) and the alert publisher."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from cxloop.domain.casework.models import Alert, Ticket


class TicketStore(Protocol):
    def add(self, ticket: Ticket) -> bool: ...

    def get(self, ticket_id: str) -> Ticket | None: ...

    def save(self, ticket: Ticket, *, expected_version: int) -> Ticket:
        """Store a changed ticket; raises Conflict when another change landed first."""

    def find(self, *, partition: tuple[str, str] | None, status: str | None = None) -> list[Ticket]:
        """Every ticket of one (attribute, value) partition, or of one status, or all."""

    def open_tickets(self) -> list[Ticket]: ...


class AlertPublisher(Protocol):
    def publish(self, alert: Alert) -> str: ...
