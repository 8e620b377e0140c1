"""Claims on metric alerts in the idempotency table (functions/metric_alerts): the dedupe that
lets each drop be alerted once per scope and day, since SNS deduplicates only on FIFO topics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cxloop.adapters.aws import translated
from cxloop.adapters.dynamo import DynamoTable, conditional_write, epoch_seconds, number_value, string_value


class DynamoAlertClaims:
    """Claims in the idempotency table: `id` = the alert id, `expiration` its TTL."""

    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table = DynamoTable(table_name, dynamodb)

    def claim(self, alert_id: str, *, until: datetime) -> bool:
        item = {"id": string_value(alert_id), "expiration": number_value(epoch_seconds(until))}
        return conditional_write(
            "claim alert",
            lambda: self.table.db.put_item(
                TableName=self.table.name, Item=item, ConditionExpression="attribute_not_exists(id)"
            ),
        )

    def release(self, alert_id: str) -> None:
        with translated("release alert claim"):
            self.table.db.delete_item(TableName=self.table.name, Key={"id": string_value(alert_id)})
