"""The erasures table: the audit of each customer erasure (cxloop.domain.privacy.erasure)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from cxloop.adapters.aws import translated
from cxloop.adapters.dynamo import DynamoTable, string_value
from cxloop.domain.privacy.erasure import ErasureAudit


class DynamoErasureLog:
    """The erasures table: one item per erasure (the ERP's customer id, when, by whom, the
    counts), never the personal data, never the pseudonym. Keyed `customer_id`, not
    `customer_key`: the audit is not one of the items an erasure finds and rewrites."""

    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table = DynamoTable(table_name, dynamodb)

    def record(self, audit: ErasureAudit) -> None:
        with translated(f"put {self.table.name}"):
            self.table.db.put_item(
                TableName=self.table.name,
                Item={
                    "customer_id": string_value(audit.customer_id),
                    "at": string_value(audit.at.astimezone(UTC).isoformat()),
                    "by": string_value(audit.by),
                    "doc": string_value(audit.model_dump_json()),
                },
            )

    def of_customer(self, customer_id: str) -> list[ErasureAudit]:
        with translated(f"query {self.table.name}"):
            pages = self.table.db.get_paginator("query").paginate(
                TableName=self.table.name,
                KeyConditionExpression="customer_id = :c",
                ExpressionAttributeValues={":c": string_value(customer_id)},
                ConsistentRead=True,
            )
            return [ErasureAudit.model_validate_json(i["doc"]["S"]) for page in pages for i in page["Items"]]
