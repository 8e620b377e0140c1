"""A webhook subscription, the event types it may ask for, an announced event and each delivery of it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict

from cxloop.domain.kernel.modelling import DomainModel

EventType = Literal[
    "response.recorded",
    "ticket.opened",
    "ticket.updated",
    "ticket.resolved",
    "ticket.reopened",
    "ticket.escalated",
    "alert.published",
    "customer.opted_out",
    "customer.erased",
]
EVENT_TYPES: tuple[str, ...] = EventType.__args__  # type: ignore[attr-defined]

SubscriptionStatus = Literal["active", "disabled"]
DeliveryStatus = Literal["pending", "retrying", "delivered", "failed", "cancelled"]


class Subscription(DomainModel):
    """Never holds the signing secret: producers read subscriptions, only delivery reads secrets."""

    model_config = ConfigDict(frozen=True)

    webhook_id: str
    url: str
    events: tuple[str, ...]
    description: str | None = None
    include_personal_data: bool = False
    status: SubscriptionStatus = "active"
    created_at: datetime
    created_by: str
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    # The first failure since the last success: an endpoint failing for days is disabled.
    failing_since: datetime | None = None

    def wants(self, event_type: str) -> bool:
        return self.status == "active" and event_type in self.events

    def public(self) -> dict[str, Any]:
        """What the API shows (never the secret, which lives elsewhere)."""
        return {
            "id": self.webhook_id,
            **self.model_dump(mode="json", exclude={"webhook_id"}),
        }


class SigningSecrets(DomainModel):
    """The current secret, and the previous one for a day after a rotation (both sign)."""

    model_config = ConfigDict(frozen=True)

    current: str
    previous: str | None = None
    previous_until: datetime | None = None

    def signing(self, now: datetime) -> tuple[str, ...]:
        if self.previous and self.previous_until and now < self.previous_until:
            return (self.current, self.previous)
        return (self.current,)


class Announcement(DomainModel):
    """One event as a producer announces it: `data` goes to every subscriber, `personal` (names,
    addresses, phones, comments) only to those whose subscription includes personal data."""

    model_config = ConfigDict(frozen=True)

    message_id: str
    type: EventType
    timestamp: datetime
    data: dict[str, Any]
    personal: dict[str, Any] = {}


class Attempt(DomainModel):
    model_config = ConfigDict(frozen=True)

    number: int
    at: datetime
    status_code: int | None = None
    # Why it failed without an answer: a timeout, a refused connection, an unsafe address.
    error: str | None = None


class Delivery(DomainModel):
    """One message to one subscription: its body is fixed at creation, its webhook-id never changes."""

    model_config = ConfigDict(frozen=True)

    webhook_id: str
    delivery_id: str
    message_id: str
    event_type: str
    body: str
    status: DeliveryStatus = "pending"
    created_at: datetime
    attempts: tuple[Attempt, ...] = ()
    next_try_at: datetime | None = None

    def public(self) -> dict[str, Any]:
        last = self.attempts[-1] if self.attempts else None
        return {
            "id": self.delivery_id,
            "webhook_id": self.webhook_id,
            "message_id": self.message_id,
            "event_type": self.event_type,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "attempt_count": len(self.attempts),
            "last_status_code": last.status_code if last else None,
            "last_attempt_at": last.at.isoformat() if last else None,
            "next_try_at": self.next_try_at.isoformat() if self.next_try_at else None,
            "attempts": [a.model_dump(mode="json") for a in self.attempts],
        }
