"""The suppressions table: addresses that bounced, complained or replied STOP.

Each item is keyed by `address_key`, an HMAC-SHA256 of "<channel>:<normalised address>"
under a secret key, never by the address itself: the table is personal data only to whoever
also holds the key, so a leaked table (or a backup) does not list customers' addresses,
and an address cannot be found in it by hashing guesses. The item keeps the channel, the
reason and what the channel said (detail), when it was first and last reported, and how
many distinct notifications reported it.

Idempotency: the notification's SNS MessageId (set by SNS, the producer; the same across
SNS's and SQS's redeliveries) goes into the item's `notifications` string set, and the
update is conditioned on the set not holding it yet. A repeat is refused by the condition
and changes nothing: `count` counts notifications, not deliveries. The set grows by one
per distinct report of one address, which stops once we stop writing to it (a handful).

The list is kept through a customer's erasure (cxloop.domain.privacy.erasure): a keyed hash is not
the address, and an erased customer's bounced address must stay suppressed.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from cxloop.adapters.dynamo import DynamoTable, batch_get, conditional_write, string_value
from cxloop.adapters.secrets import secret_value
from cxloop.config import Settings
from cxloop.domain.contact.record_suppression import Channel, SuppressedChannel, SuppressionEvent
from cxloop.domain.kernel.events import Customer

# The key never rotates on its own: a new key would orphan every entry (see SuppressionKey).
KEY_CACHE_S = 3600


def normalised(channel: Channel, address: str) -> str:
    """One spelling per address: email lower-cased whole (as cxloop.domain.contact.record_suppression reads
    bounces), a phone number as given in E.164 (both the ERP and End User Messaging use it)."""
    stripped = address.strip()
    return stripped.lower() if channel == "email" else stripped


def address_key(key: bytes, channel: Channel, address: str) -> str:
    """HMAC-SHA256(key, "<channel>:<normalised address>") in hex: the item's partition key."""
    message = f"{channel}:{normalised(channel, address)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def suppression_key(settings: Settings) -> bytes:
    """From Secrets Manager on AWS (cached an hour), from CXLOOP_SUPPRESSION_KEY locally."""
    if settings.suppression_key_arn:
        return str(secret_value(settings.suppression_key_arn, max_age=KEY_CACHE_S)).encode()
    if not settings.suppression_key:
        raise RuntimeError("the suppression list's key is not configured (SUPPRESSION_KEY_SECRET_ARN)")
    return settings.suppression_key.encode()


class DynamoSuppressionList:
    def __init__(self, table_name: str, key: Callable[[], bytes], dynamodb: Any | None = None) -> None:
        self.table = DynamoTable(table_name, dynamodb)
        self._key = key

    def record(self, event: SuppressionEvent, *, notification_id: str) -> bool:
        """Add or refresh the address's entry; False when this notification was recorded already."""
        at = event.at.isoformat()
        return conditional_write(
            f"update {self.table.name}",
            lambda: self.table.db.update_item(
                TableName=self.table.name,
                Key={"address_key": string_value(address_key(self._key(), event.channel, event.address))},
                UpdateExpression=(
                    "SET channel = :channel, reason = :reason, detail = :detail, last_at = :at, "
                    "first_at = if_not_exists(first_at, :at) ADD #count :one, notifications :ids"
                ),
                ConditionExpression="NOT contains(notifications, :id)",
                ExpressionAttributeNames={"#count": "count"},
                ExpressionAttributeValues={
                    ":channel": string_value(event.channel),
                    ":reason": string_value(event.reason),
                    ":detail": string_value(event.detail),
                    ":at": string_value(at),
                    ":one": {"N": "1"},
                    ":ids": {"SS": [notification_id]},
                    ":id": string_value(notification_id),
                },
            ),
        )

    def __call__(self, customer: Customer) -> frozenset[str]:
        """The customer's addresses (spelled as the customer's record has them) that are on
        the list: what the contact policy's memory.suppressed holds."""
        return frozenset(address for address, _ in self._found(customer))

    def channels_of(self, customer: Customer) -> tuple[SuppressedChannel, ...]:
        return tuple(
            SuppressedChannel(
                channel=item["channel"]["S"],
                reason=item["reason"]["S"],
                since=datetime.fromisoformat(item["first_at"]["S"]),
                detail=item.get("detail", {}).get("S", ""),
            )
            for _, item in self._found(customer)
        )

    def keys_of(self, customer: Customer) -> dict[str, str]:
        """The customer's addresses (spelled as the customer's record has them) by the key their
        entry would have; reads the list's key."""
        key = self._key()
        wanted: dict[str, str] = {}
        if customer.email:
            wanted[address_key(key, "email", customer.email)] = customer.email
        if customer.phone:
            wanted[address_key(key, "sms", customer.phone)] = customer.phone
        return wanted

    def lookup(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """This table's part of a BatchGetItem request for the entries of `keys` (a customer
        has two addresses, far below the request's 100 keys): strongly consistent, so a bounce
        recorded a moment ago is seen."""
        return {
            self.table.name: {
                "Keys": [{"address_key": string_value(k)} for k in keys],
                "ConsistentRead": True,
            }
        }

    def listed(
        self, wanted: dict[str, str], found: dict[str, list[dict[str, Any]]]
    ) -> list[tuple[str, dict[str, Any]]]:
        """(address, item) for each entry of a batch's answer, `wanted` being keys_of's."""
        return [(wanted[item["address_key"]["S"]], item) for item in found.get(self.table.name, [])]

    def _found(self, customer: Customer) -> list[tuple[str, dict[str, Any]]]:
        """(address, item) for each of the customer's addresses on the list: one BatchGetItem."""
        wanted = self.keys_of(customer)
        if not wanted:
            return []
        return self.listed(wanted, batch_get(self.table.db, self.lookup(wanted)))


def suppression_list(settings: Settings) -> DynamoSuppressionList:
    """The deployment's list: its table, and its key read when first needed (not at cold start)."""
    return DynamoSuppressionList(settings.table("suppressions"), key=lambda: suppression_key(settings))
