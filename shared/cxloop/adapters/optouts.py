"""The optouts table: one item per opt-out link sent (its token's hash, the customer it
is bound to, the language of the page), expiring with the link; the `by_customer` index
finds a customer's links when their personal data is erased."""

from __future__ import annotations

from typing import Any

from cxloop.adapters.aws import translated
from cxloop.adapters.dynamo import DynamoTable, StagedPut, epoch_seconds, number_value, string_value
from cxloop.domain.contact.opt_out_links import OptOutLink


class DynamoOptOutLinkStore:
    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table = DynamoTable(table_name, dynamodb)

    def add(self, link: OptOutLink) -> None:
        self.staged_add(link).apply()

    def staged_add(self, link: OptOutLink) -> StagedPut:
        """The link's put, made with its message's send claim (cxloop.adapters.send_log)."""
        item = {
            "link_hash": string_value(link.token_hash),
            "customer_key": string_value(link.customer_id),
            "created_at": string_value(link.created_at.isoformat()),
            "doc": string_value(link.model_dump_json()),
            "expires_at": number_value(epoch_seconds(link.expires_at)),
        }
        return self.table.staged_put_new("link_hash", item)

    def get(self, token_hash: str) -> OptOutLink | None:
        item = self.table.get({"link_hash": string_value(token_hash)})
        return OptOutLink.model_validate_json(item["doc"]["S"]) if item else None

    def hashes_of(self, customer_id: str) -> list[str]:
        """The token hashes of every link sent to this customer."""
        with translated(f"query {self.table.name}"):
            pages = self.table.db.get_paginator("query").paginate(
                TableName=self.table.name,
                IndexName="by_customer",
                KeyConditionExpression="customer_key = :c",
                ExpressionAttributeValues={":c": string_value(customer_id)},
            )
            return [item["link_hash"]["S"] for page in pages for item in page["Items"]]

    def delete_of(self, customer_id: str) -> int:
        """Delete every link sent to this customer (their erasure); answers how many went."""
        deleted = 0
        for token_hash in self.hashes_of(customer_id):
            with translated(f"delete {self.table.name}"):
                self.table.db.delete_item(
                    TableName=self.table.name, Key={"link_hash": string_value(token_hash)}
                )
            deleted += 1
        return deleted
