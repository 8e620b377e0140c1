"""The webhook tables: subscriptions (what producers may read), their signing secrets (a table of
their own, which only the webhooks API and deliver_webhook may read, encrypted at rest like every
table), and each subscription's deliveries, kept 30 days."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from cxloop.adapters.aws import translated
from cxloop.adapters.dynamo import DynamoTable, conditional_write, epoch_seconds, number_value, string_value
from cxloop.adapters.messaging import SqsQueue
from cxloop.domain.integrations.announcements import Announcer
from cxloop.domain.integrations.models import Delivery, SigningSecrets, Subscription
from cxloop.domain.kernel.errors import Unavailable

if TYPE_CHECKING:  # a type only: producers that announce need not load the destination rules
    from cxloop.domain.integrations.ports import SubscriptionChange

DELIVERIES_KEPT = timedelta(days=30)
# A handful of deliveries settle at once at most: a few rereads always win the race.
CHANGE_ATTEMPTS = 5


class DynamoSubscriptionStore:
    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table = DynamoTable(table_name, dynamodb)

    def add(self, subscription: Subscription) -> None:
        self.table.put_new("webhook_id", _subscription_item(subscription))

    def change(self, webhook_id: str, change: SubscriptionChange) -> Subscription | None:
        """Read, apply, and write conditioned on the stored document being the one read: a
        compare-and-set on the whole item, so no field written meanwhile is lost."""
        for _ in range(CHANGE_ATTEMPTS):
            item = self.table.get({"webhook_id": string_value(webhook_id)})
            if item is None:
                return None
            current = Subscription.model_validate_json(item["doc"]["S"])
            changed = change(current)
            if changed == current:
                return current
            if self._replace(item["doc"]["S"], changed):
                return changed
        raise Unavailable(f"subscription {webhook_id} kept changing; try again")

    def _replace(self, read_doc: str, subscription: Subscription) -> bool:
        return conditional_write(
            f"update {self.table.name}",
            lambda: self.table.db.put_item(
                TableName=self.table.name,
                Item=_subscription_item(subscription),
                ConditionExpression="#doc = :read",
                ExpressionAttributeNames={"#doc": "doc"},
                ExpressionAttributeValues={":read": string_value(read_doc)},
            ),
        )

    def get(self, webhook_id: str) -> Subscription | None:
        item = self.table.get({"webhook_id": string_value(webhook_id)})
        return Subscription.model_validate_json(item["doc"]["S"]) if item else None

    def everything(self) -> list[Subscription]:
        """A company has a handful of subscriptions: one scan of small items."""
        with translated(f"scan {self.table.name}"):
            pages = self.table.db.get_paginator("scan").paginate(TableName=self.table.name)
            return [Subscription.model_validate_json(i["doc"]["S"]) for page in pages for i in page["Items"]]

    def delete(self, webhook_id: str) -> bool:
        with translated(f"delete {self.table.name}"):
            found = self.table.db.delete_item(
                TableName=self.table.name,
                Key={"webhook_id": string_value(webhook_id)},
                ReturnValues="ALL_OLD",
            )
        return "Attributes" in found


def _subscription_item(subscription: Subscription) -> dict[str, Any]:
    return {
        "webhook_id": string_value(subscription.webhook_id),
        "doc": string_value(subscription.model_dump_json()),
    }


class DynamoSecretStore:
    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table = DynamoTable(table_name, dynamodb)

    def get(self, webhook_id: str) -> SigningSecrets | None:
        item = self.table.get({"secret_of": string_value(webhook_id)})
        return SigningSecrets.model_validate_json(item["doc"]["S"]) if item else None

    def save(self, webhook_id: str, secrets: SigningSecrets) -> None:
        with translated(f"put {self.table.name}"):
            self.table.db.put_item(
                TableName=self.table.name,
                Item={"secret_of": string_value(webhook_id), "doc": string_value(secrets.model_dump_json())},
            )

    def delete(self, webhook_id: str) -> None:
        with translated(f"delete {self.table.name}"):
            self.table.db.delete_item(TableName=self.table.name, Key={"secret_of": string_value(webhook_id)})


class DynamoDeliveryStore:
    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table = DynamoTable(table_name, dynamodb)

    def add(self, delivery: Delivery) -> bool:
        return conditional_write(
            f"put {self.table.name}",
            lambda: self.table.db.put_item(
                TableName=self.table.name,
                Item=_delivery_item(delivery),
                ConditionExpression="attribute_not_exists(delivery_id)",
            ),
        )

    def save(self, delivery: Delivery) -> None:
        with translated(f"put {self.table.name}"):
            self.table.db.put_item(TableName=self.table.name, Item=_delivery_item(delivery))

    def get(self, webhook_id: str, delivery_id: str) -> Delivery | None:
        item = self.table.get(
            {"delivery_of": string_value(webhook_id), "delivery_id": string_value(delivery_id)}
        )
        return Delivery.model_validate_json(item["doc"]["S"]) if item else None

    def of_subscription(self, webhook_id: str, *, limit: int) -> list[Delivery]:
        """The newest `limit` deliveries (a subscription keeps 30 days of them)."""
        with translated(f"query {self.table.name}"):
            pages = self.table.db.get_paginator("query").paginate(
                TableName=self.table.name,
                KeyConditionExpression="delivery_of = :w",
                ExpressionAttributeValues={":w": string_value(webhook_id)},
            )
            found = [Delivery.model_validate_json(i["doc"]["S"]) for page in pages for i in page["Items"]]
        return sorted(found, key=lambda d: d.created_at, reverse=True)[:limit]


def _delivery_item(delivery: Delivery) -> dict[str, Any]:
    return {
        "delivery_of": string_value(delivery.webhook_id),
        "delivery_id": string_value(delivery.delivery_id),
        "created_at": string_value(delivery.created_at.isoformat()),
        "expires_at": number_value(epoch_seconds(delivery.created_at + DELIVERIES_KEPT)),
        "doc": string_value(delivery.model_dump_json()),
    }


def announcer_for(subscriptions_table: str, queue_url: str, *, ttl_s: float) -> Announcer:
    """What a producer step builds once: it reads the subscriptions table (never the secrets)."""
    return Announcer(
        DynamoSubscriptionStore(subscriptions_table).everything,
        SqsQueue(queue_url),
        ttl_s=ttl_s,
        monotonic=time.monotonic,
    )
