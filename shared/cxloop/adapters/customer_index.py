"""The customer index (`customer_key`, the `by_customer` index) that erasure reads
(cxloop.domain.privacy.erasure), shared by the three stores that keep a customer's documents:
interactions, invitations and responses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cxloop.adapters.aws import translated
from cxloop.adapters.dynamo import DynamoTable, conditional_write, string_value


def _items_of_customer(table: DynamoTable, customer_id: str) -> list[dict[str, Any]]:
    with translated(f"query {table.name}"):
        pages = table.db.get_paginator("query").paginate(
            TableName=table.name,
            IndexName="by_customer",
            KeyConditionExpression="customer_key = :c",
            ExpressionAttributeValues={":c": string_value(customer_id)},
        )
        return [item for page in pages for item in page["Items"]]


def erase_documents(
    table: DynamoTable, key_name: str, customer_id: str, alias: str, scrub: Callable[[str], Any]
) -> int:
    """Rewrite each of the customer's documents scrubbed, keyed on the pseudonym from then on
    (so a second erasure finds none). Each write is conditioned on the item still being the
    customer's: an item changed meanwhile by another erasure is not counted twice.

    The index is eventually consistent: an item stored a moment before may be missed, and the
    next erasure of the same customer finds it."""
    erased = 0
    for item in _items_of_customer(table, customer_id):
        update = {
            "TableName": table.name,
            "Key": {key_name: item[key_name]},
            "UpdateExpression": "SET doc = :doc, customer_key = :alias",
            "ConditionExpression": "customer_key = :c",
            "ExpressionAttributeValues": {
                ":doc": string_value(scrub(item["doc"]["S"]).model_dump_json()),
                ":alias": string_value(alias),
                ":c": string_value(customer_id),
            },
        }
        erased += _update_once(table, f"erase in {table.name}", update)
    return erased


def _update_once(table: DynamoTable, operation: str, update: dict[str, Any]) -> bool:
    return conditional_write(operation, lambda: table.db.update_item(**update))


def add_customer_keys(table: DynamoTable, key_name: str, keys_of: Callable[[str], dict[str, Any]]) -> int:
    """Add the index attributes to every document item without `customer_key`."""
    with translated(f"scan {table.name}"):
        pages = table.db.get_paginator("scan").paginate(
            TableName=table.name,
            FilterExpression="attribute_exists(doc) AND attribute_not_exists(customer_key)",
        )
        items = [item for page in pages for item in page["Items"]]
    added = 0
    for item in items:
        values = keys_of(item["doc"]["S"])
        update = {
            "TableName": table.name,
            "Key": {key_name: item[key_name]},
            "UpdateExpression": "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(values))),
            "ConditionExpression": "attribute_not_exists(customer_key)",
            "ExpressionAttributeNames": {f"#a{i}": name for i, name in enumerate(values)},
            "ExpressionAttributeValues": {f":a{i}": value for i, value in enumerate(values.values())},
        }
        added += _update_once(table, f"backfill {table.name}", update)
    return added
