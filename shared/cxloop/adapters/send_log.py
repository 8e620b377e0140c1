"""The send log (cxloop.domain.kernel.sends) in the idempotency table, beside the steps'
idempotency records: `id` = "sent#" + the send's key, its facts as a map, `expiration` its TTL
(as long as the step's own idempotency record lives)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from cxloop.adapters.aws import translated
from cxloop.adapters.dynamo import DynamoTable, epoch_seconds, number_value, string_value
from cxloop.domain.kernel.errors import Unavailable
from cxloop.domain.kernel.sends import Facts

# The record is all that stands between a retried step and a second message to a customer:
# try it a few more times than the SDK does (about 1.5 s in all) before the step fails.
RECORD_ATTEMPTS = 6
FIRST_PAUSE_S = 0.05


class DynamoSendLog:
    def __init__(
        self,
        table_name: str,
        dynamodb: Any | None = None,
        *,
        keep_for: timedelta = timedelta(days=7),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        self.table = DynamoTable(table_name, dynamodb)
        self.keep_for = keep_for
        self.clock = clock
        self.pause = pause

    def recorded(self, key: str) -> Facts | None:
        item = self.table.get({"id": string_value(_record_id(key))})
        if item is None:
            return None
        return {name: value["S"] for name, value in item.get("facts", {}).get("M", {}).items()}

    def record(self, key: str, facts: Facts) -> None:
        item = {
            "id": string_value(_record_id(key)),
            "facts": {"M": {name: string_value(value) for name, value in facts.items()}},
            "expiration": number_value(epoch_seconds(self.clock() + self.keep_for)),
        }
        for attempt in range(RECORD_ATTEMPTS):
            try:
                with translated("record a send"):
                    self.table.db.put_item(TableName=self.table.name, Item=item)
                return
            except Unavailable:
                if attempt == RECORD_ATTEMPTS - 1:
                    raise
                self.pause(FIRST_PAUSE_S * 2**attempt)


def _record_id(key: str) -> str:
    return f"sent#{key}"
