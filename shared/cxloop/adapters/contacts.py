"""The contacts table: each customer's contact record (memory, pending sends, decisions),
changed only on the version read; a sparse index finds the records with a send due. Given the
suppression list, the store reads a customer's record and their entries on the list in one
BatchGetItem (`standing`, what send_survey's dispatch decides on).

Beside each record, a customer who ever had a case opened has a case mark (cxloop.adapters.
case_marks), read in the same request: a customer without one cannot have an open complaint, so
dispatch skips the tickets index query for them, which most customers never need."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from cxloop.adapters.aws import translated
from cxloop.adapters.case_marks import case_mark_key
from cxloop.adapters.dynamo import DynamoTable, batch_get, conditional_write, number_value, string_value
from cxloop.domain.contact.manners import ContactState, Standing
from cxloop.domain.contact.policy import ContactMemory
from cxloop.domain.kernel.errors import Conflict
from cxloop.domain.kernel.events import Customer

if TYPE_CHECKING:  # only its type: the functions that never read the list do not load its module
    from cxloop.adapters.suppressions import DynamoSuppressionList

# The value every record with a pending send carries in the index's partition key.
HAS_PENDING = "pending"
OPEN_CASES = ("new", "assigned", "in_progress", "waiting_customer")


class DynamoContactStore:
    def __init__(
        self,
        table_name: str,
        dynamodb: Any | None = None,
        *,
        suppressions: DynamoSuppressionList | None = None,
    ) -> None:
        self.table = DynamoTable(table_name, dynamodb)
        # Read with the record by `standing`; None: no address counts as suppressed.
        self.suppressions = suppressions

    def load(self, customer_id: str) -> ContactState:
        return _state(customer_id, self.table.get(_key(customer_id)))

    def standing(self, customer: Customer) -> Standing:
        """The record, whether the customer ever had a case (their case mark), and their
        entries on the suppression list, all strongly consistent (as `load` and the list's own
        reads are), in one BatchGetItem."""
        if self.suppressions is None:
            return Standing(self.load(customer.id))
        wanted = self.suppressions.keys_of(customer)
        keys = [_key(customer.id), _key(case_mark_key(customer.id))]
        request: dict[str, dict[str, Any]] = {self.table.name: {"Keys": keys, "ConsistentRead": True}}
        if wanted:
            request |= self.suppressions.lookup(wanted)
        found = batch_get(self.table.db, request)
        items = {item["customer_key"]["S"]: item for item in found[self.table.name]}
        listed = self.suppressions.listed(wanted, found)
        return Standing(
            _state(customer.id, items.get(customer.id)),
            frozenset(address for address, _ in listed),
            had_cases=case_mark_key(customer.id) in items,
        )

    def save(self, customer_id: str, state: ContactState, *, expected_version: int) -> None:
        item: dict[str, Any] = {
            **_key(customer_id),
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


def _key(customer_id: str) -> dict[str, Any]:
    return {"customer_key": string_value(customer_id)}


def _state(customer_id: str, item: dict[str, Any] | None) -> ContactState:
    """The record as stored, its version the one a save is conditioned on; a new one if none."""
    if item is None:
        return ContactState(memory=ContactMemory(customer_id=customer_id))
    state = ContactState.model_validate_json(item["doc"]["S"])
    return state.model_copy(update={"version": int(item["version"]["N"])})


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
