"""Subscriptions change by compare-and-set against DynamoDB (moto): two deliveries settling at
once do not undo each other (cxloop.adapters.webhooks.DynamoSubscriptionStore.change)."""

from __future__ import annotations

from datetime import UTC, datetime

from cxloop.adapters.webhooks import DynamoSubscriptionStore
from cxloop.domain.integrations.deliver_webhook import disabled, recovered
from cxloop.domain.integrations.models import Subscription
from tests.conftest import LocalAws

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def store(aws: LocalAws) -> DynamoSubscriptionStore:
    return DynamoSubscriptionStore(aws.table("webhooks"), aws.clients["dynamodb"])


def subscription() -> Subscription:
    return Subscription(
        webhook_id="wh_1",
        url="https://hooks.example.com/in",
        events=("ticket.opened",),
        created_at=START,
        created_by="exec",
        failing_since=START,
    )


def test_a_change_written_meanwhile_is_kept_and_the_late_change_applies_over_it(aws: LocalAws) -> None:
    subscriptions = store(aws)
    subscriptions.add(subscription())
    # Another delivery's 410 disables the endpoint between this delivery's read and its write.
    interleaved = {"done": False}

    def success_racing_a_gone(current: Subscription) -> Subscription:
        if not interleaved["done"]:
            interleaved["done"] = True
            store(aws).change("wh_1", disabled("the endpoint answered 410 Gone", START))
        return recovered(current)

    result = subscriptions.change("wh_1", success_racing_a_gone)

    stored = subscriptions.get("wh_1")
    assert stored == result
    assert stored is not None and stored.status == "disabled" and stored.failing_since is None


def test_a_deleted_subscription_is_not_brought_back(aws: LocalAws) -> None:
    subscriptions = store(aws)
    subscriptions.add(subscription())
    assert subscriptions.delete("wh_1")

    assert subscriptions.change("wh_1", recovered) is None
    assert subscriptions.get("wh_1") is None


def test_disabling_twice_keeps_the_first_reason(aws: LocalAws) -> None:
    subscriptions = store(aws)
    subscriptions.add(subscription())

    subscriptions.change("wh_1", disabled("the endpoint answered 410 Gone", START))
    subscriptions.change("wh_1", disabled("failing since yesterday", START))

    stored = subscriptions.get("wh_1")
    assert stored is not None and stored.disabled_reason == "the endpoint answered 410 Gone"
