"""Listing tickets: filters, sort orders and opaque keyset cursors.

A cursor names the last ticket of the page by its sort value and id, so a page is
stable while new tickets arrive (an offset would skip or repeat them).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from cxloop.domain.casework.models import Ticket, TicketStatus, is_overdue
from cxloop.domain.casework.ticket_types import TicketType
from cxloop.domain.feedback.models import Priority
from cxloop.domain.kernel.errors import FieldProblem, InvalidInput

SortOrder = Literal["-opened_at", "opened_at", "due_at", "-due_at", "-priority", "priority"]
SORT_ORDERS: tuple[SortOrder, ...] = ("-opened_at", "opened_at", "due_at", "-due_at", "-priority", "priority")
PRIORITY_RANK: dict[str, int] = {"low": 0, "medium": 1, "high": 2, "urgent": 3}
# Tickets with no due time (the clock waits on the customer) sort after every real time.
_NO_DUE = "9999-12-31T23:59:59+00:00"
SortValue = str | int
_BAD_CURSOR = FieldProblem("cursor", "not a cursor of this list and sort order")


@dataclass(frozen=True)
class TicketFilter:
    status: TicketStatus | None = None
    ticket_type: TicketType | None = None
    priority: Priority | None = None
    branch: str | None = None
    owner: str | None = None
    overdue: bool | None = None

    def admits(self, ticket: Ticket, *, now: datetime) -> bool:
        wanted = (
            (self.status, ticket.status),
            (self.ticket_type, ticket.ticket_type),
            (self.priority, ticket.priority),
            (self.branch, ticket.branch),
            (self.owner, ticket.owner),
        )
        if any(want is not None and want != have for want, have in wanted):
            return False
        return self.overdue is None or is_overdue(ticket, now=now) == self.overdue


@dataclass(frozen=True)
class Page:
    items: list[Ticket]
    next_cursor: str | None


def paginate(tickets: Iterable[Ticket], *, sort: SortOrder, limit: int, cursor: str | None) -> Page:
    """One page of `tickets` in `sort` order, after the ticket the cursor names."""
    key = _sort_key(sort)
    descending = sort.startswith("-")
    ordered = sorted(tickets, key=key, reverse=descending)
    if cursor is not None:
        after = decode_cursor(cursor)
        if ordered and type(after[0]) is not type(key(ordered[0])[0]):
            raise InvalidInput(
                "the cursor belongs to another sort order", [FieldProblem("cursor", "invalid")]
            )
        ordered = [t for t in ordered if (key(t) < after if descending else key(t) > after)]
    items = ordered[:limit]
    more = len(ordered) > limit
    return Page(items, encode_cursor(key(items[-1])) if more and items else None)


def _sort_key(sort: SortOrder) -> Callable[[Ticket], tuple[SortValue, str]]:
    field = sort.lstrip("-")
    if field == "priority":
        return lambda t: (PRIORITY_RANK[t.priority], t.ticket_id)
    if field == "due_at":
        return lambda t: (_utc_text(t.due_at) if t.due_at else _NO_DUE, t.ticket_id)
    return lambda t: (_utc_text(t.opened_at), t.ticket_id)


def _utc_text(moment: datetime) -> str:
    # One zone and one format, so the text sorts as the instants do.
    return moment.astimezone(UTC).isoformat()


def encode_cursor(key: tuple[SortValue, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[SortValue, str]:
    try:
        value, ticket_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidInput(
            "the cursor is not one this API gave", [FieldProblem("cursor", "invalid")]
        ) from exc
    if not isinstance(value, str | int) or not isinstance(ticket_id, str):
        raise InvalidInput("the cursor is not one this API gave", [_BAD_CURSOR])
    return value, ticket_id
