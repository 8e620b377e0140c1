"""deliver_webhook: fan an announced event out to its subscribers, then send each delivery, signed,
and retry what fails on a schedule over more than a day, keeping the message's webhook-id.

Messages on the webhooks queue are of two kinds: {"kind": "event"} (from the Announcer) becomes one
delivery per subscription wanting it, each stored with its body, then one {"kind": "attempt"}
message per delivery. An attempt that fails is queued again with the schedule's delay; SQS delays
stop at 15 minutes, so a message whose `due_at` is still ahead is put back with the rest of its
wait. After the last attempt the delivery is failed and its message goes to the dead-letter queue.

A 410 Gone disables the subscription at once; an endpoint still failing `disable_after` after its
first failure is disabled when a delivery gives up on it. Sending is at least once: the outcome is
recorded right after the POST, so a crash between the two sends the same webhook-id again, which
receivers deduplicate (Standard Webhooks asks them to).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cxloop.domain.integrations.announcements import body_for
from cxloop.domain.integrations.destinations import Resolver, check_destination
from cxloop.domain.integrations.models import Announcement, Attempt, Delivery, Subscription
from cxloop.domain.integrations.ports import (
    Answer,
    DelayedQueue,
    DeliveryStore,
    Poster,
    SecretStore,
    SubscriptionChange,
    SubscriptionStore,
)
from cxloop.domain.integrations.signing import webhook_headers
from cxloop.domain.kernel.errors import InvalidInput
from cxloop.domain.kernel.queues import MessageQueue

# The wait after each failed attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: eight attempts
# over about 27.6 hours, the schedule Standard Webhooks' reference implementation uses.
DEFAULT_RETRY_DELAYS_S: tuple[int, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)
MAX_QUEUE_DELAY_S = 900
GONE = 410


@dataclass(frozen=True)
class RetryPolicy:
    delays_s: tuple[int, ...] = DEFAULT_RETRY_DELAYS_S
    # Each wait is spread by up to ±20 % so endpoints that failed together are not retried together.
    jitter: float = 0.2
    disable_after: timedelta = timedelta(days=5)

    def delay_after(self, attempt: int, random: Callable[[], float]) -> float | None:
        """Seconds to wait after automatic attempt `attempt` (1-based) failed; None: give up."""
        if attempt > len(self.delays_s):
            return None
        base = self.delays_s[attempt - 1]
        return max(1.0, base * (1 + self.jitter * (2 * random() - 1)))


@dataclass(frozen=True)
class Delivering:
    subscriptions: SubscriptionStore
    secrets: SecretStore
    deliveries: DeliveryStore
    queue: DelayedQueue
    dead_letters: MessageQueue
    poster: Poster
    resolve: Resolver
    clock: Callable[[], datetime]
    random: Callable[[], float]
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    # The local runtime: http://127.0.0.1 and http://localhost are allowed destinations.
    local: bool = False


def deliver_webhook(message: Mapping[str, Any], deps: Delivering) -> dict[str, Any]:
    """The correlation id rides in each message, so every attempt's log lines follow the customer."""
    correlation_id = str(message.get("correlation_id") or message.get("delivery_id") or "webhook")
    if message.get("kind") == "event":
        return fan_out(Announcement.model_validate(message["event"]), deps, correlation_id=correlation_id)
    return attempt(message, deps, correlation_id=correlation_id)


def attempt_message(
    delivery: Delivery, number: int, due_at: datetime, *, correlation_id: str, replay: bool = False
) -> dict[str, Any]:
    return {
        "correlation_id": correlation_id,
        "kind": "attempt",
        "webhook_id": delivery.webhook_id,
        "delivery_id": delivery.delivery_id,
        "attempt": number,
        "due_at": due_at.isoformat(),
        "replay": replay,
    }


def fan_out(announcement: Announcement, deps: Delivering, *, correlation_id: str) -> dict[str, Any]:
    now = deps.clock()
    queued = 0
    for subscription in deps.subscriptions.everything():
        if not subscription.wants(announcement.type):
            continue
        delivery = new_delivery(announcement, subscription, now)
        if not deps.deliveries.add(delivery):
            # Fanned out before: queue it again only if that run stopped before its first attempt.
            found = deps.deliveries.get(delivery.webhook_id, delivery.delivery_id)
            if found is None or found.attempts or found.status != "pending":
                continue
        deps.queue.send(
            attempt_message(delivery, 1, now, correlation_id=correlation_id), correlation_id=correlation_id
        )
        queued += 1
    return {"message_id": announcement.message_id, "deliveries": queued}


def new_delivery(announcement: Announcement, subscription: Subscription, now: datetime) -> Delivery:
    body = json.dumps(body_for(announcement, subscription), separators=(",", ":"), ensure_ascii=False)
    return Delivery(
        webhook_id=subscription.webhook_id,
        delivery_id=announcement.message_id,
        message_id=announcement.message_id,
        event_type=announcement.type,
        body=body,
        created_at=now,
    )


def attempt(message: Mapping[str, Any], deps: Delivering, *, correlation_id: str) -> dict[str, Any]:
    now = deps.clock()
    due_at = datetime.fromisoformat(str(message["due_at"]))
    if due_at > now:
        wait = min(MAX_QUEUE_DELAY_S, math.ceil((due_at - now).total_seconds()))
        deps.queue.send(dict(message), correlation_id=correlation_id, delay_s=wait)
        return {"status": "waiting", "wait_s": wait}
    subscription = deps.subscriptions.get(str(message["webhook_id"]))
    delivery = deps.deliveries.get(str(message["webhook_id"]), str(message["delivery_id"]))
    if delivery is None:
        return {"status": "unknown"}
    replay = bool(message.get("replay"))
    if subscription is None or subscription.status != "active":
        if delivery.status in ("pending", "retrying"):
            deps.deliveries.save(delivery.model_copy(update={"status": "cancelled", "next_try_at": None}))
        return {"status": "cancelled", "delivery_id": delivery.delivery_id}
    if delivery.status in ("delivered", "failed", "cancelled") and not replay:
        return {"status": delivery.status, "delivery_id": delivery.delivery_id}
    answer = send(subscription, delivery, deps, now)
    return settle(
        subscription, delivery, answer, message=message, deps=deps, now=now, correlation_id=correlation_id
    )


def send(subscription: Subscription, delivery: Delivery, deps: Delivering, now: datetime) -> Answer:
    """One POST, to an address checked now (a name may point elsewhere since the subscription)."""
    secrets = deps.secrets.get(subscription.webhook_id)
    if secrets is None:
        return Answer(None, "no signing secret")
    try:
        destination = check_destination(subscription.url, resolve=deps.resolve, local=deps.local)
    except InvalidInput as refused:
        return Answer(None, "refused destination: " + "; ".join(d.problem for d in refused.details))
    headers = webhook_headers(
        secrets.signing(now),
        message_id=delivery.message_id,
        timestamp=int(now.timestamp()),
        body=delivery.body,
    )
    return deps.poster.post(destination, headers=headers, body=delivery.body)


def settle(
    subscription: Subscription,
    delivery: Delivery,
    answer: Answer,
    *,
    message: Mapping[str, Any],
    deps: Delivering,
    now: datetime,
    correlation_id: str,
) -> dict[str, Any]:
    attempts = (*delivery.attempts, Attempt(number=len(delivery.attempts) + 1, at=now, **_answer(answer)))
    outcome: dict[str, Any] = {"delivery_id": delivery.delivery_id, "status_code": answer.status_code}
    if answer.ok:
        deps.deliveries.save(
            delivery.model_copy(update={"status": "delivered", "attempts": attempts, "next_try_at": None})
        )
        if subscription.failing_since:
            deps.subscriptions.change(subscription.webhook_id, recovered)
        return {**outcome, "status": "delivered"}
    failing = subscription.failing_since or now
    if answer.status_code == GONE:
        deps.subscriptions.change(subscription.webhook_id, disabled("the endpoint answered 410 Gone", now))
        deps.deliveries.save(
            delivery.model_copy(update={"status": "failed", "attempts": attempts, "next_try_at": None})
        )
        return {**outcome, "status": "failed", "disabled": "gone"}
    if subscription.failing_since is None:
        deps.subscriptions.change(subscription.webhook_id, failing_from(now))
    number = int(message.get("attempt", 1))
    delay = None if message.get("replay") else deps.policy.delay_after(number, deps.random)
    if delay is not None:
        next_try = now + timedelta(seconds=delay)
        deps.deliveries.save(
            delivery.model_copy(update={"status": "retrying", "attempts": attempts, "next_try_at": next_try})
        )
        deps.queue.send(
            attempt_message(delivery, number + 1, next_try, correlation_id=correlation_id),
            correlation_id=correlation_id,
            delay_s=min(MAX_QUEUE_DELAY_S, math.ceil(delay)),
        )
        return {**outcome, "status": "retrying", "next_try_at": next_try.isoformat()}
    deps.deliveries.save(
        delivery.model_copy(update={"status": "failed", "attempts": attempts, "next_try_at": None})
    )
    if not message.get("replay"):
        deps.dead_letters.send(dict(message), correlation_id=correlation_id)
    if now - failing >= deps.policy.disable_after:
        deps.subscriptions.change(
            subscription.webhook_id, disabled(f"failing since {failing.isoformat()}", now)
        )
        return {**outcome, "status": "failed", "disabled": "failing"}
    return {**outcome, "status": "failed"}


def disabled(reason: str, now: datetime) -> SubscriptionChange:
    def disabling(current: Subscription) -> Subscription:
        if current.status == "disabled":  # the first reason stays
            return current
        return current.model_copy(
            update={"status": "disabled", "disabled_at": now, "disabled_reason": reason}
        )

    return disabling


def recovered(current: Subscription) -> Subscription:
    """A success ends the failing streak; it never re-enables a disabled endpoint."""
    return current.model_copy(update={"failing_since": None})


def failing_from(now: datetime) -> SubscriptionChange:
    def failing(current: Subscription) -> Subscription:
        # The streak's first failure stays its start, whichever delivery settles last.
        return current if current.failing_since else current.model_copy(update={"failing_since": now})

    return failing


def _answer(answer: Answer) -> dict[str, Any]:
    return {"status_code": answer.status_code, "error": answer.error}
