"""The events cxloop announces to webhook subscribers, built from each context's own records,
and the announcer producers call: one SendMessage, only when someone subscribes to the type.

Each event's webhook-id comes from its business key (the ticket and what happened to it, the
response...), so a step that runs twice announces the same message twice and receivers, who
deduplicate on webhook-id as Standard Webhooks asks, see it once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cxloop.domain.integrations.models import Announcement, Subscription
from cxloop.domain.kernel.queues import MessageQueue

if TYPE_CHECKING:  # types only: the webhooks API and deliveries need not load events or surveys
    from cxloop.domain.kernel.events import Customer, Touchpoint
    from cxloop.domain.surveys.scoring import Score


def message_id_for(event_type: str, key: str) -> str:
    return "msg_" + hashlib.sha256(f"{event_type}:{key}".encode()).hexdigest()[:32]


def place_of(touchpoint: Touchpoint) -> dict[str, Any]:
    return touchpoint.model_dump(mode="json", exclude_none=True)


def scores_of(score: Score | None) -> dict[str, Any]:
    if score is None:
        return {}
    return score.model_dump(mode="json", exclude={"has_comment"})


def contact_of(customer: Customer) -> dict[str, Any]:
    """Names, addresses and phones: only for subscriptions that include personal data."""
    found = {"name": customer.name, "email": customer.email, "phone": customer.phone}
    return {k: v for k, v in found.items() if v}


def body_for(announcement: Announcement, subscription: Subscription) -> dict[str, Any]:
    """The delivered body: {"type", "timestamp", "data"}, personal data merged in when chosen."""
    data = dict(announcement.data)
    if subscription.include_personal_data:
        for key, value in announcement.personal.items():
            data[key] = {**data[key], **value} if isinstance(data.get(key), dict) else value
    return {"type": announcement.type, "timestamp": announcement.timestamp.isoformat(), "data": data}


class Announcer:
    """What producers call. It keeps the subscribed event types for `ttl_s` (read from the
    subscriptions table, never the secrets), so most steps pay no lookup, and sends one message
    to the webhooks queue only when a subscription wants the event: deliver_webhook fans it out."""

    def __init__(
        self,
        subscriptions: Callable[[], list[Subscription]],
        queue: MessageQueue,
        *,
        ttl_s: float,
        monotonic: Callable[[], float],
    ) -> None:
        self._subscriptions = subscriptions
        self._queue = queue
        self._ttl_s = ttl_s
        self._monotonic = monotonic
        self._wanted: frozenset[str] = frozenset()
        self._read_at: float | None = None

    def wanted(self) -> frozenset[str]:
        now = self._monotonic()
        if self._read_at is None or now - self._read_at >= self._ttl_s:
            self._wanted = frozenset(
                event for s in self._subscriptions() if s.status == "active" for event in s.events
            )
            self._read_at = now
        return self._wanted

    def announce(self, announcement: Announcement, *, correlation_id: str) -> bool:
        """True when the event was queued for delivery (someone subscribes to its type)."""
        if announcement.type not in self.wanted():
            return False
        self._queue.send(
            {
                "kind": "event",
                "event": announcement.model_dump(mode="json"),
                "correlation_id": correlation_id,
            },
            correlation_id=correlation_id,
        )
        return True
