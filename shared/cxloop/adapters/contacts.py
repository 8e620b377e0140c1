"""The contacts table: each customer's contact record (memory, pending sends, decisions),
changed only on the version read; a sparse index finds the records with a send due."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cxloop.adapters.aws import translated
from cxloop.adapters.dynamo import DynamoTable, conditional_write, number_value, string_value
from cxloop.domain.contact.manners import ContactState
from cxloop.domain.contact.policy import ContactMemory
from cxloop.domain.kernel.errors import Conflict

# The value every record with a pending send carries in the index's partition key.
HAS_PENDING = "pending"
OPEN_CASES = ("new", "assigned", "in_progress", "waiting_customer")


class DynamoContactStore:
    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table = DynamoTable(table_name, dynamodb)

    def load(self, customer_id: str) -> ContactState:
        item = self.table.get({"customer_key": string_value(customer_id)})
        if item is None:
            return ContactState(memory=ContactMemory(customer_id=customer_id))
        state = ContactState.model_validate_json(item["doc"]["S"])
        return state.model_copy(update={"version": int(item["version"]["N"])})

    def save(self, customer_id: str, state: ContactState, *, expected_version: int) -> None:
        item: dict[str, Any] = {
            "customer_key": string_value(customer_id),
            "version": number_value(expected_version + 1),
            "doc": string_value(state.model_dump_json(exclude={"version"})),
        }
        if state.next_due is not None:
            item |= {
                "has_pending": string_value(HAS_PENDING),
                "next_due": string_value(state.next_due.isoformat()),
            }
        stored = conditional_write(
            f"update {self.table.name}",
            lambda: self.table.db.put_item(
                TableName=self.table.name,
                Item=item,
                ConditionExpression="attribute_not_exists(customer_key) OR #v = :expected",
                ExpressionAttributeNames={"#v": "version"},
                ExpressionAttributeValues={":expected": number_value(expected_version)},
            ),
        )
        if not stored:
            raise Conflict(f"the contact record of {customer_id} changed meanwhile")

    def due(self, now: datetime) -> list[str]:
        with translated(f"query {self.table.name}"):
            pages = self.table.db.get_paginator("query").paginate(
                TableName=self.table.name,
                IndexName="by_due",
                KeyConditionExpression="has_pending = :p AND next_due <= :now",
                ExpressionAttributeValues={
                    ":p": string_value(HAS_PENDING),
                    ":now": string_value(now.isoformat()),
                },
            )
            return [item["customer_key"]["S"] for page in pages for item in page["Items"]]


class DynamoOpenComplaints:
    """A customer's open complaints and claims, from the tickets table's customer index."""

    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table = DynamoTable(table_name, dynamodb)

    def __call__(self, customer_id: str) -> tuple[str, ...]:
        # Here, not at the top: only send_survey reads cases, the other contact functions never load casework.
        from cxloop.domain.casework.models import Ticket  # noqa: PLC0415

        with translated(f"query {self.table.name}"):
            pages = self.table.db.get_paginator("query").paginate(
                TableName=self.table.name,
                IndexName="by_customer",
                KeyConditionExpression="customer_key = :c",
                ExpressionAttributeValues={":c": string_value(customer_id)},
            )
            tickets = [Ticket.model_validate_json(i["doc"]["S"]) for page in pages for i in page["Items"]]
        return tuple(
            t.ticket_id for t in tickets if t.status in OPEN_CASES and t.ticket_type in ("complaint", "claim")
        )
