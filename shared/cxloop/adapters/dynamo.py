"""The DynamoDB vocabulary every store adapter shares: attribute values as the low-level client
takes them, a table by name, and conditional writes that answer False instead of raising when
their condition refuses them (the step already happened). Each store has a module of its own
(interactions, invitations, responses, aggregates, tickets, erasures, contacts, config_store...)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from cxloop.adapters.aws import client, error_code, translated
from cxloop.domain.kernel.errors import Unavailable

# A batch's keys left unprocessed (throttled, or over the answer's size) are asked again a few
# times (the SDK's retries pace it), then the step fails and its message is retried.
BATCH_ATTEMPTS = 3


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


def batch_get(db: Any, request: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """One BatchGetItem over the tables of `request` ({table: {"Keys": [...], options}}): the
    items found, by table. Keys left unprocessed are asked again with their table's own options
    (ConsistentRead is per table), so a strongly consistent read stays one on the retry."""
    found: dict[str, list[dict[str, Any]]] = {table: [] for table in request}
    left = request
    for _ in range(BATCH_ATTEMPTS):
        with translated(f"batch get {', '.join(sorted(left))}"):
            answer = db.batch_get_item(RequestItems=left)
        for table, items in answer.get("Responses", {}).items():
            found[table].extend(items)
        unprocessed = answer.get("UnprocessedKeys") or {}
        left = {table: request[table] | {"Keys": entry["Keys"]} for table, entry in unprocessed.items()}
        if not left:
            return found
    raise Unavailable(f"batch get {', '.join(sorted(left))} left keys unprocessed")


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

    def staged_put_new(self, key: str, item: dict[str, Any]) -> StagedPut:
        """`put_new`, prepared and not made: the send log makes it with its claim."""
        return StagedPut(self, key, item)

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


@dataclass(frozen=True)
class StagedPut:
    """A put of a new item (refused when `key` exists), prepared by a store and made later: in
    a transaction with a send's claim (cxloop.adapters.send_log, `request`), or on its own
    (`apply`, cxloop.domain.kernel.sends's StagedWrite) where the step keeps no send log."""

    table: DynamoTable
    key: str
    item: dict[str, Any]

    def request(self) -> dict[str, Any]:
        """The transaction's item for this put."""
        return {
            "Put": {
                "TableName": self.table.name,
                "Item": self.item,
                "ConditionExpression": f"attribute_not_exists({self.key})",
            }
        }

    def apply(self) -> None:
        if not self.table.put_new(self.key, self.item):
            raise RuntimeError(f"{self.key} collision: refusing to overwrite an item of {self.table.name}")
