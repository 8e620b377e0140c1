"""What outbound webhooks need from the outside world (the helpdesk connectors' needs are in
helpdesk_ports.py, so a webhook step loads nothing of casework)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cxloop.domain.integrations.destinations import Destination
from cxloop.domain.integrations.models import Delivery, SigningSecrets, Subscription

SubscriptionChange = Callable[[Subscription], Subscription]


class SubscriptionStore(Protocol):
    def add(self, subscription: Subscription) -> None: ...

    def get(self, webhook_id: str) -> Subscription | None: ...

    def everything(self) -> list[Subscription]: ...

    def change(self, webhook_id: str, change: SubscriptionChange) -> Subscription | None:
        """Apply `change` to the subscription as it is stored now, and store the result only if
        nobody changed it meanwhile (else read again and reapply): two deliveries settling at once
        must not undo each other (a success must not re-enable what a 410 just disabled). None
        when the subscription was deleted; a delivery must not bring it back."""
        ...

    def delete(self, webhook_id: str) -> bool: ...


class SecretStore(Protocol):
    def get(self, webhook_id: str) -> SigningSecrets | None: ...

    def save(self, webhook_id: str, secrets: SigningSecrets) -> None: ...

    def delete(self, webhook_id: str) -> None: ...


class DeliveryStore(Protocol):
    def add(self, delivery: Delivery) -> bool:
        """False when this delivery already exists (the event was fanned out before)."""
        ...

    def get(self, webhook_id: str, delivery_id: str) -> Delivery | None: ...

    def save(self, delivery: Delivery) -> None: ...

    def of_subscription(self, webhook_id: str, *, limit: int) -> list[Delivery]: ...


@dataclass(frozen=True)
class Answer:
    """What the receiver answered: its status code, or why there was none."""

    status_code: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Poster(Protocol):
    def post(self, destination: Destination, *, headers: Mapping[str, str], body: str) -> Answer: ...


class DelayedQueue(Protocol):
    """A queue whose messages may wait before they are seen (SQS DelaySeconds, at most 900 s)."""

    def send(self, body: Mapping[str, object], *, correlation_id: str, delay_s: int = 0) -> None: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...
