"""deliver_webhook's schedule with in-memory stores and a receiver that keeps failing: waits past
SQS's 15-minute limit are served in parts, the webhook-id never changes, the last failure parks
the message in the dead-letter queue, and an endpoint failing for days is disabled."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from cxloop.domain.integrations.announcements import message_id_for
from cxloop.domain.integrations.deliver_webhook import Delivering, deliver_webhook
from cxloop.domain.integrations.destinations import Destination
from cxloop.domain.integrations.models import Announcement, Delivery, SigningSecrets, Subscription
from cxloop.domain.integrations.ports import Answer, SubscriptionChange
from cxloop.domain.integrations.signing import new_secret

START = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@dataclass
class Memory:
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    deliveries: dict[tuple[str, str], Delivery] = field(default_factory=dict)
    queued: list[tuple[dict[str, Any], int]] = field(default_factory=list)
    dead: list[dict[str, Any]] = field(default_factory=list)
    posted: list[dict[str, str]] = field(default_factory=list)
    status: int | None = 500
    now: datetime = START

    # subscriptions
    def add(self, subscription: Subscription) -> None:
        self.subscriptions[subscription.webhook_id] = subscription

    def get(self, webhook_id: str) -> Subscription | None:
        return self.subscriptions.get(webhook_id)

    def everything(self) -> list[Subscription]:
        return list(self.subscriptions.values())

    def change(self, webhook_id: str, change: SubscriptionChange) -> Subscription | None:
        current = self.subscriptions.get(webhook_id)
        if current is None:
            return None
        self.subscriptions[webhook_id] = change(current)
        return self.subscriptions[webhook_id]

    def delete(self, webhook_id: str) -> bool:
        return self.subscriptions.pop(webhook_id, None) is not None


class Deliveries:
    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    def add(self, delivery: Delivery) -> bool:
        key = (delivery.webhook_id, delivery.delivery_id)
        if key in self.memory.deliveries:
            return False
        self.memory.deliveries[key] = delivery
        return True

    def get(self, webhook_id: str, delivery_id: str) -> Delivery | None:
        return self.memory.deliveries.get((webhook_id, delivery_id))

    def save(self, delivery: Delivery) -> None:
        self.memory.deliveries[(delivery.webhook_id, delivery.delivery_id)] = delivery

    def of_subscription(self, webhook_id: str, *, limit: int) -> list[Delivery]:
        return [d for (w, _), d in self.memory.deliveries.items() if w == webhook_id][:limit]


class Secrets:
    def __init__(self) -> None:
        self.secret = SigningSecrets(current=new_secret())

    def get(self, webhook_id: str) -> SigningSecrets | None:
        return self.secret

    def save(self, webhook_id: str, secrets: SigningSecrets) -> None:
        self.secret = secrets

    def delete(self, webhook_id: str) -> None:
        pass


class Queue:
    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    def send(self, body: Mapping[str, object], *, correlation_id: str, delay_s: int = 0) -> None:
        self.memory.queued.append((dict(body), delay_s))


class DeadLetters:
    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    def send(self, body: Mapping[str, object], *, correlation_id: str) -> None:
        self.memory.dead.append(dict(body))


class Poster:
    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    def post(self, destination: Destination, *, headers: Mapping[str, str], body: str) -> Answer:
        self.memory.posted.append(dict(headers))
        return Answer(self.memory.status)


def wiring(memory: Memory) -> Delivering:
    return Delivering(
        subscriptions=memory,
        secrets=Secrets(),
        deliveries=Deliveries(memory),
        queue=Queue(memory),
        dead_letters=DeadLetters(memory),
        poster=Poster(memory),
        resolve=lambda host: ["93.184.216.34"],
        clock=lambda: memory.now,
        random=lambda: 0.5,
    )


def run_queue(memory: Memory, deps: Delivering) -> None:
    """Receive each queued message when its SQS delay is over, as the event source mapping would."""
    while memory.queued:
        message, delay_s = memory.queued.pop(0)
        memory.now += timedelta(seconds=delay_s)
        deliver_webhook(message, deps)


def subscribed(memory: Memory, failing_since: datetime | None = None) -> None:
    memory.add(
        Subscription(
            webhook_id="wh_1",
            url="https://hooks.example.com/in",
            events=("ticket.opened",),
            created_at=START,
            created_by="exec",
            failing_since=failing_since,
        )
    )


def announce(memory: Memory) -> None:
    event = Announcement(
        message_id=message_id_for("ticket.opened", "T-1"), type="ticket.opened", timestamp=START, data={}
    )
    memory.queued.append(({"kind": "event", "event": event.model_dump(mode="json")}, 0))


def test_a_receiver_that_keeps_failing_is_tried_for_over_a_day_then_dead_lettered() -> None:
    memory = Memory()
    subscribed(memory)
    announce(memory)
    run_queue(memory, wiring(memory))
    assert len(memory.posted) == 8
    assert {h["webhook-id"] for h in memory.posted} == {message_id_for("ticket.opened", "T-1")}
    assert memory.now - START > timedelta(hours=24)
    (delivery,) = memory.deliveries.values()
    assert delivery.status == "failed" and len(delivery.attempts) == 8 and delivery.next_try_at is None
    assert len(memory.dead) == 1
    # Failing for a day is not yet failing for days: the subscription stays on.
    assert memory.subscriptions["wh_1"].status == "active"
    assert memory.subscriptions["wh_1"].failing_since == START


def test_waits_longer_than_sqs_allows_are_served_in_parts() -> None:
    memory = Memory()
    subscribed(memory)
    announce(memory)
    deps = wiring(memory)
    delays: list[int] = []
    while memory.queued:
        message, delay_s = memory.queued.pop(0)
        delays.append(delay_s)
        memory.now += timedelta(seconds=delay_s)
        deliver_webhook(message, deps)
    assert max(delays) == 900
    assert delays.count(900) > 10


def test_an_endpoint_failing_for_days_is_disabled_when_a_delivery_gives_up() -> None:
    memory = Memory()
    subscribed(memory, failing_since=START - timedelta(days=5))
    announce(memory)
    run_queue(memory, wiring(memory))
    subscription = memory.subscriptions["wh_1"]
    assert subscription.status == "disabled" and "failing since" in (subscription.disabled_reason or "")


def test_success_clears_the_failing_mark_and_a_410_disables_at_once() -> None:
    memory = Memory(status=204)
    subscribed(memory, failing_since=START)
    announce(memory)
    run_queue(memory, wiring(memory))
    assert memory.subscriptions["wh_1"].failing_since is None
    memory.status = 410
    memory.now += timedelta(hours=1)
    event = Announcement(
        message_id=message_id_for("ticket.opened", "T-2"), type="ticket.opened", timestamp=START, data={}
    )
    memory.queued.append(({"kind": "event", "event": event.model_dump(mode="json")}, 0))
    run_queue(memory, wiring(memory))
    assert len(memory.posted) == 2
    assert memory.subscriptions["wh_1"].status == "disabled"


class RacingPoster(Poster):
    """While this delivery is out, another one settles: its endpoint answered 410."""

    def post(self, destination: Destination, *, headers: Mapping[str, str], body: str) -> Answer:
        current = self.memory.subscriptions["wh_1"]
        self.memory.subscriptions["wh_1"] = current.model_copy(
            update={"status": "disabled", "disabled_reason": "the endpoint answered 410 Gone"}
        )
        return super().post(destination, headers=headers, body=body)


def test_a_success_settling_after_a_410_does_not_re_enable_the_endpoint() -> None:
    memory = Memory(status=204)
    subscribed(memory, failing_since=START)
    announce(memory)
    deps = wiring(memory)
    run_queue(memory, replace(deps, poster=RacingPoster(memory)))
    subscription = memory.subscriptions["wh_1"]
    assert subscription.status == "disabled" and subscription.failing_since is None
