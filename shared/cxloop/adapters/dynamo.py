"""The DynamoDB vocabulary every store adapter shares: attribute values as the low-level client
takes them, a table by name, and conditional writes that answer False instead of raising when
their condition refuses them (the step already happened). Each store has a module of its own
(interactions, invitations, responses, aggregates, tickets, erasures, contacts, config_store...)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from cxloop.adapters.aws import client, error_code, translated


def string_value(value: str) -> dict[str, str]:
    """A string attribute value, as the low-level client takes it."""
    return {"S": value}


def number_value(value: int) -> dict[str, str]:
    """A number attribute value, as the low-level client takes it."""
    return {"N": str(value)}


def epoch_seconds(moment: datetime) -> int:
    """Seconds since the epoch: what DynamoDB's time to live reads."""
    return int(moment.timestamp())


def _is_conditional_failure(exc: ClientError) -> bool:
    if error_code(exc) == "ConditionalCheckFailedException":
        return True
    reasons = exc.response.get("CancellationReasons") or []
    return error_code(exc) == "TransactionCanceledException" and any(
        r.get("Code") == "ConditionalCheckFailed" for r in reasons
    )


def conditional_write(operation: str, write: Callable[[], object]) -> bool:
    """Run a conditional write; False when its condition refused it (already done)."""
    with translated(operation):
        try:
            write()
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
    return True


def transact(db: Any, items: list[dict[str, Any]]) -> object:
    """One transaction, with a request token of its own. The SDK retries a write whose answer
    was lost (a dropped connection) with the same token, and DynamoDB answers that retry as the
    first attempt's success instead of failing its conditions against the write's own effect:
    without it, a customer's first answer could come back "already answered"."""
    return db.transact_write_items(TransactItems=items, ClientRequestToken=uuid.uuid4().hex)


class DynamoTable:
    """One table by name, and the client to reach it (the process's own unless given)."""

    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.name = table_name
        self._client = dynamodb

    @property
    def db(self) -> Any:
        return self._client or client("dynamodb")

    def put_new(self, key: str, item: dict[str, Any]) -> bool:
        """Put unless the key exists; False when it does (the step already happened)."""
        return conditional_write(
            f"put {self.name}",
            lambda: self.db.put_item(
                TableName=self.name, Item=item, ConditionExpression=f"attribute_not_exists({key})"
            ),
        )

    def get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        with translated(f"get {self.name}"):
            found = self.db.get_item(TableName=self.name, Key=key, ConsistentRead=True)
        return found.get("Item")
