"""The interactions table: each event received from the ERP, as its JSON document (`doc`), kept
INTERACTION_RETENTION. Written once: its hand-off to dispatch is not recorded here (a repeat hands
it on again; cxloop.domain.intake.capture_event says why that is safe)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from cxloop.adapters.aws import translated
from cxloop.adapters.customer_index import add_customer_keys, erase_documents
from cxloop.adapters.dynamo import DynamoTable, epoch_seconds, number_value, string_value
from cxloop.domain.kernel.events import Interaction

INTERACTION_RETENTION = timedelta(days=400)


class DynamoInteractionStore:
    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table = DynamoTable(table_name, dynamodb)

    def add(self, interaction: Interaction) -> bool:
        item = {
            "interaction_id": string_value(interaction.interaction_id),
            "doc": string_value(interaction.model_dump_json()),
            "expires_at": number_value(epoch_seconds(interaction.received_at + INTERACTION_RETENTION)),
            **_interaction_keys(interaction),
        }
        return self.table.put_new("interaction_id", item)

    def erase_customer(
        self, customer_id: str, alias: str, scrub: Callable[[Interaction, str], Interaction]
    ) -> int:
        return erase_documents(
            self.table,
            "interaction_id",
            customer_id,
            alias,
            lambda doc: scrub(Interaction.model_validate_json(doc), alias),
        )

    def backfill_customer_keys(self) -> int:
        """One-off, for items stored before `customer_key` was written: erasure finds a
        customer's items through the `by_customer` index only, so run this once after deploying."""
        return add_customer_keys(
            self.table, "interaction_id", lambda doc: _interaction_keys(Interaction.model_validate_json(doc))
        )

    def get(self, interaction_id: str) -> Interaction | None:
        item = self.table.get({"interaction_id": string_value(interaction_id)})
        return Interaction.model_validate_json(item["doc"]["S"]) if item else None

    def received_between(self, start: datetime, end: datetime) -> list[Interaction]:
        """Every interaction received in [start, end): a full scan, for policy simulations
        (an analyst's occasional question, not a request path)."""
        found: list[Interaction] = []
        with translated(f"scan {self.table.name}"):
            for page in self.table.db.get_paginator("scan").paginate(TableName=self.table.name):
                for item in page["Items"]:
                    interaction = Interaction.model_validate_json(item["doc"]["S"])
                    if start <= interaction.received_at < end:
                        found.append(interaction)
        return found


def _interaction_keys(interaction: Interaction) -> dict[str, Any]:
    return {
        "customer_key": string_value(interaction.event.customer.id),
        "received_at": string_value(interaction.received_at.astimezone(UTC).isoformat()),
    }
