"""The data lake's way in: Firehose delivery streams, one per dataset, as newline-delimited JSON.

Firehose concatenates the records it writes into one S3 object, so each record ends with a
newline itself (JSON lines, what Athena's JSON SerDe and DuckDB's read_json expect). A
PutRecordBatch call can succeed while some of its records fail (throttling, an internal
error): those, and only those, are sent again; what still fails after the retries raises
DeliveryFailed naming them, so the handler reports their stream records as failed and Lambda
retries them (rows already delivered may come twice: the queries dedupe on the business key).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import ConfigDict

from cxloop.adapters.aws import client, translated
from cxloop.domain.insights.lake import Archived
from cxloop.domain.kernel.errors import Unavailable
from cxloop.domain.kernel.modelling import DomainModel

# PutRecordBatch's own limits: 500 records and 4 MiB per call.
MAX_RECORDS_PER_CALL = 500
MAX_BYTES_PER_CALL = 4 * 1024 * 1024
ATTEMPTS = 3
BACKOFF_S = 0.2
_PREFIX, _SUFFIX = "FIREHOSE_", "_NAME"


class LakeSettings(DomainModel):
    """The delivery stream of each dataset, from FIREHOSE_<DATASET>_NAME (infra.pipeline's
    env_name_for), validated at cold start like cxloop.config's Settings."""

    model_config = ConfigDict(frozen=True)

    delivery_streams: dict[str, str]

    def stream_for(self, dataset: str) -> str:
        if dataset not in self.delivery_streams:
            raise RuntimeError(f"{_PREFIX}{dataset.upper()}{_SUFFIX} is not configured for this function")
        return self.delivery_streams[dataset]


def lake_settings_from(env: Mapping[str, str] | None = None) -> LakeSettings:
    env = os.environ if env is None else env
    return LakeSettings(
        delivery_streams={
            key.removeprefix(_PREFIX).removesuffix(_SUFFIX).lower(): value
            for key, value in env.items()
            if key.startswith(_PREFIX) and key.endswith(_SUFFIX) and value
        }
    )


class DeliveryFailed(Unavailable):
    """Some rows were still refused after the retries; `failed` holds their positions."""

    def __init__(self, message: str, failed: set[int]) -> None:
        super().__init__(message)
        self.failed = failed


def encode(item: Archived) -> bytes:
    return (
        json.dumps(item.row.model_dump(mode="json"), separators=(",", ":"), ensure_ascii=False) + "\n"
    ).encode()


def batches(records: Sequence[bytes]) -> list[list[int]]:
    """Positions of the records, split within PutRecordBatch's count and size limits."""
    found: list[list[int]] = []
    current: list[int] = []
    size = 0
    for position, record in enumerate(records):
        if current and (len(current) == MAX_RECORDS_PER_CALL or size + len(record) > MAX_BYTES_PER_CALL):
            found.append(current)
            current, size = [], 0
        current.append(position)
        size += len(record)
    if current:
        found.append(current)
    return found


class FirehoseLake:
    def __init__(
        self,
        settings: LakeSettings,
        firehose: Any | None = None,
        *,
        attempts: int = ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self._client = firehose
        self.attempts = attempts
        self.sleep = sleep

    def put(self, items: Sequence[Archived]) -> None:
        """Deliver every row to its dataset's stream; DeliveryFailed names the ones that weren't."""
        failed: set[int] = set()
        for dataset in sorted({item.dataset for item in items}):
            positions = [i for i, item in enumerate(items) if item.dataset == dataset]
            records = [encode(items[i]) for i in positions]
            stream = self.settings.stream_for(dataset)
            failed |= {positions[i] for i in self._deliver(stream, records)}
        if failed:
            raise DeliveryFailed(f"firehose refused {len(failed)} of {len(items)} rows", failed)

    def _deliver(self, stream: str, records: Sequence[bytes]) -> set[int]:
        failed: set[int] = set()
        for batch in batches(records):
            failed |= self._with_retries(stream, records, batch)
        return failed

    def _with_retries(self, stream: str, records: Sequence[bytes], batch: list[int]) -> set[int]:
        pending = batch
        for attempt in range(self.attempts):
            if attempt:
                self.sleep(BACKOFF_S * 2 ** (attempt - 1))
            pending = self._put_batch(stream, records, pending)
            if not pending:
                break
        return set(pending)

    def _put_batch(self, stream: str, records: Sequence[bytes], positions: list[int]) -> list[int]:
        """One PutRecordBatch; answers the positions Firehose reported failed."""
        with translated(f"firehose put_record_batch {stream}"):
            answer = (self._client or client("firehose")).put_record_batch(
                DeliveryStreamName=stream, Records=[{"Data": records[i]} for i in positions]
            )
        if not answer.get("FailedPutCount"):
            return []
        results = answer["RequestResponses"]
        return [i for i, result in zip(positions, results, strict=True) if result.get("ErrorCode")]
