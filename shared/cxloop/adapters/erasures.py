"""The erasures table (the audit of each customer erasure) and the erasure over every table that
holds a customer (cxloop.domain.privacy.erasure's ErasureStores)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import Any

from cxloop.adapters.aws import translated
from cxloop.adapters.dynamo import DynamoTable, string_value
from cxloop.adapters.interactions import DynamoInteractionStore
from cxloop.adapters.invitations import DynamoInvitationStore
from cxloop.adapters.optouts import DynamoOptOutLinkStore
from cxloop.adapters.responses import DynamoResponseStore
from cxloop.adapters.tickets import DynamoTicketStore
from cxloop.domain.contact.manners import ContactStore
from cxloop.domain.privacy.erasure import (
    ErasureAudit,
    needs_scrubbing,
    scrubbed_contact_state,
    scrubbed_interaction,
    scrubbed_invitation,
    scrubbed_response,
    scrubbed_ticket,
)


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


@dataclass(frozen=True)
class TableErasure:
    """cxloop.domain.privacy.erasure.ErasureStores over the real tables."""

    interaction_store: DynamoInteractionStore
    invitation_store: DynamoInvitationStore
    response_store: DynamoResponseStore
    ticket_store: DynamoTicketStore
    contact_store: ContactStore
    link_store: DynamoOptOutLinkStore
    log: DynamoErasureLog

    def interactions(self, customer_id: str, alias: str) -> int:
        return self.interaction_store.erase_customer(customer_id, alias, scrubbed_interaction)

    def invitations(self, customer_id: str, alias: str) -> int:
        return self.invitation_store.erase_customer(customer_id, alias, scrubbed_invitation)

    def responses(self, customer_id: str, alias: str) -> int:
        return self.response_store.erase_customer(customer_id, alias, scrubbed_response)

    def tickets(self, customer_id: str, alias: str) -> int:
        # Saved on the version read: someone working the ticket at that moment makes this a 409,
        # and the repeated DELETE finishes the job.
        found = self.ticket_store.of_customer(customer_id)
        for ticket in found:
            self.ticket_store.save(scrubbed_ticket(ticket, alias), expected_version=ticket.version)
        return len(found)

    def contacts(self, customer_id: str) -> int:
        state = self.contact_store.load(customer_id)
        if state.version == 0 or not needs_scrubbing(state):
            return 0
        self.contact_store.save(customer_id, scrubbed_contact_state(state), expected_version=state.version)
        return 1

    def optouts(self, customer_id: str) -> int:
        return self.link_store.delete_of(customer_id)

    def record(self, audit: ErasureAudit) -> None:
        self.log.record(audit)
