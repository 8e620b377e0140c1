"""The tickets table: each ticket with its history as one JSON document (`doc`), beside the
attributes its indexes are keyed on (status, branch, region, country, owner, customer)."""

from __future__ import annotations

from typing import Any

from cxloop.adapters.aws import translated
from cxloop.adapters.case_marks import case_mark_put
from cxloop.adapters.dynamo import DynamoTable, conditional_write, number_value, string_value, transact
from cxloop.domain.casework.models import OPEN_STATUSES, Ticket
from cxloop.domain.kernel.errors import Conflict


class DynamoTicketStore:
    """Tickets with their history in one document; every change is conditioned on the
    version read, so two people acting at once never overwrite each other."""

    # A list reads at most this many tickets of the caller's partition before filtering.
    MAX_READ = 5000

    def __init__(
        self, table_name: str, dynamodb: Any | None = None, *, case_marks: str | None = None
    ) -> None:
        self.table = DynamoTable(table_name, dynamodb)
        # The contacts table, where a new ticket marks its customer as having had a case
        # (cxloop.adapters.contacts, `case_mark_put`); None for the stores that never add one.
        self.case_marks = case_marks

    def add(self, ticket: Ticket) -> bool:
        """Store a new ticket (False when it exists); with `case_marks`, its customer's case
        mark in the same transaction, so no ticket is ever stored without it."""
        customer = ticket.customer
        if self.case_marks is None or customer.anonymous or customer.erased:
            return self.table.put_new("ticket_id", _ticket_item(ticket))
        put = self.table.staged_put_new("ticket_id", _ticket_item(ticket)).request()
        mark = case_mark_put(self.case_marks, customer.id, ticket.opened_at)
        return conditional_write(f"put {self.table.name}", lambda: transact(self.table.db, [put, mark]))

    def get(self, ticket_id: str) -> Ticket | None:
        item = self.table.get({"ticket_id": string_value(ticket_id)})
        return Ticket.model_validate_json(item["doc"]["S"]) if item else None

    def save(self, ticket: Ticket, *, expected_version: int) -> Ticket:
        """Store the changed ticket as version expected+1; Conflict if someone saved first."""
        saved = ticket.model_copy(update={"version": expected_version + 1})
        stored = conditional_write(
            f"update {self.table.name}",
            lambda: self.table.db.put_item(
                TableName=self.table.name,
                Item=_ticket_item(saved),
                ConditionExpression="#v = :expected",
                ExpressionAttributeNames={"#v": "version"},
                ExpressionAttributeValues={":expected": number_value(expected_version)},
            ),
        )
        if not stored:
            raise Conflict(f"ticket {ticket.ticket_id} changed meanwhile; read it again and retry")
        return saved

    def find(self, *, partition: tuple[str, str] | None, status: str | None = None) -> list[Ticket]:
        """Every ticket of one partition (owner, branch, region or country), or of one
        status, or all; newest first, at most MAX_READ."""
        request: dict[str, Any] = {"TableName": self.table.name}
        if partition is not None:
            attribute, value = partition
            request |= _index_query(attribute, value)
        elif status is not None:
            request |= _index_query("status", status)
        operation = "query" if "IndexName" in request else "scan"
        items = self._collect(request, operation=operation, limit=self.MAX_READ)
        return [Ticket.model_validate_json(item["doc"]["S"]) for item in items]

    def of_customer(self, customer_id: str) -> list[Ticket]:
        """Every ticket of one customer (the `by_customer` index), newest first."""
        request = {"TableName": self.table.name} | _index_query("customer_key", customer_id)
        return [
            Ticket.model_validate_json(item["doc"]["S"])
            for item in self._collect(request, operation="query", limit=self.MAX_READ)
        ]

    def open_tickets(self) -> list[Ticket]:
        """Every ticket still being worked, for the SLA watcher and the digest: all of them,
        not the newest MAX_READ, since the oldest are the likeliest to be overdue."""
        found: list[Ticket] = []
        for status in OPEN_STATUSES:
            request = {"TableName": self.table.name} | _index_query("status", status)
            items = self._collect(request, operation="query", limit=None)
            found.extend(Ticket.model_validate_json(item["doc"]["S"]) for item in items)
        return found

    def _collect(self, request: dict[str, Any], *, operation: str, limit: int | None) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        with translated(f"{operation} {self.table.name}"):
            for page in self.table.db.get_paginator(operation).paginate(**request):
                items.extend(page["Items"])
                if limit is not None and len(items) >= limit:
                    return items[:limit]
        return items


# The ticket attributes each index is keyed on; the sort key is always opened_at.
TICKET_INDEXES = {
    "status": "by_status",
    "branch": "by_branch",
    "region": "by_region",
    "country": "by_country",
    "owner": "by_owner",
    "customer_key": "by_customer",
}


def _index_query(attribute: str, value: str) -> dict[str, Any]:
    return {
        "IndexName": TICKET_INDEXES[attribute],
        "KeyConditionExpression": "#k = :v",
        "ExpressionAttributeNames": {"#k": attribute},
        "ExpressionAttributeValues": {":v": string_value(value)},
        "ScanIndexForward": False,
    }


def _ticket_item(ticket: Ticket) -> dict[str, Any]:
    item = {
        "ticket_id": string_value(ticket.ticket_id),
        "status": string_value(ticket.status),
        "branch": string_value(ticket.branch),
        "owner": string_value(ticket.owner),
        "opened_at": string_value(ticket.opened_at.isoformat()),
        "version": number_value(ticket.version),
        # The customer's id (the ERP's, pseudonymous): the contact policy asks for open complaints.
        "customer_key": string_value(ticket.customer.id),
        "doc": string_value(ticket.model_dump_json()),
    }
    # Sparse indexes: a ticket without a country or region is simply not in those.
    for name, value in (("country", ticket.country), ("region", ticket.region)):
        if value:
            item[name] = string_value(value)
    return item
