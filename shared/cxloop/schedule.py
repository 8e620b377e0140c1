"""What every scheduled function shares: the instant it runs as."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def scheduled_time(event: dict[str, Any]) -> datetime:
    """EventBridge stamps each scheduled event with its time; that instant is `now`, so a
    delayed or replayed run judges the tickets as of when it was due. An event without a
    usable time (a manual invoke) runs as of the clock."""
    stamp = event.get("time")
    if isinstance(stamp, str):
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            return datetime.now(UTC)
        if moment.tzinfo is not None:
            return moment
    return datetime.now(UTC)
