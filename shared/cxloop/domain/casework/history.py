"""A ticket's audit history: every change recorded with who, when, and each changed field
before and after. Apart from the lifecycle's actions (casework/lifecycle.py) so that a step
that only records its own changes (sla_watcher's reminders and escalations) loads none of
the staff desk's action models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from cxloop.domain.casework.models import HistoryEntry, Ticket

# Lists that only grow are shown by their own entries, not copied into every history line.
_UNAUDITED = frozenset({"attempts", "pauses"})


def record(
    ticket: Ticket,
    changes: dict[str, Any],
    *,
    by: str,
    role: str,
    action: str,
    now: datetime,
    note: str | None = None,
) -> Ticket:
    """Apply `changes` and append who/when/what with each field's before and after."""
    audited = {
        name: (_plain(getattr(ticket, name)), _plain(value))
        for name, value in changes.items()
        if name not in _UNAUDITED and getattr(ticket, name) != value
    }
    entry = HistoryEntry(at=now, by=by, role=role, action=action, changes=audited, note=note)
    return ticket.model_copy(update={**changes, "history": (*ticket.history, entry), "updated_at": now})


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value
