"""DynamoDB stream pollers that behave like Lambda's stream event source mapping, and the
one piece of Firehose moto leaves out (dynamic partitioning).

StreamPoller reads a table's stream in order, from the oldest record (TRIM_HORIZON), in
batches of the trigger's size, and invokes the handler with the event Lambda would send.
Like the mapping with ReportBatchItemFailures:
- the batch succeeds: the next batch starts after it;
- the handler reports failures: the batch is retried from the lowest failed sequence number
  (records before it are done), after `retry_delay_s`;
- the handler raises: the batch is retried, halved each time (bisect on error);
- a batch that still fails after the trigger's retry_attempts is given up and recorded in
  `dead_letters` (the on-failure destination on AWS gets the same: which records, why).

DynamicPartitioner: moto delivers Firehose records into the bucket synchronously but writes
the prefix as configured, expressions and all (responses/dt=!{partitionKeyFromQuery:dt}/
2026/11/23/10/<object>). Firehose on AWS evaluates the expression per record: it groups the
records by their `dt` and writes responses/dt=2026-11-23/<object>. The partitioner rewrites
what moto wrote into that layout, so local files look like the ones Athena reads.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cxloop.adapters.call_log import acting_as
from infra.local.context import LocalLambdaContext, invoke
from infra.local.gateway import Handler, load_handler
from infra.local.persistence import RemoteKept
from infra.pipeline import DeliveryStream, Function, StreamTrigger

log = logging.getLogger("cxloop.local.streams")
IDLE_WAIT_S = 0.25
# How often the batching window looks for more records (the mapping polls a shard about four
# times a second).
GATHER_WAIT_S = 0.25
UNEVALUATED = "!{partitionKeyFromQuery:dt}"


class DynamicPartitioner:
    """Rewrites moto's Firehose objects into the dt= layout Firehose itself produces."""

    def __init__(self, s3: Any, bucket: str, streams: Sequence[DeliveryStream]) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.streams = tuple(streams)
        self._lock = threading.Lock()

    def run_once(self) -> int:
        """Partition every object moto delivered since the last run; answers how many."""
        moved = 0
        with self._lock:
            for stream in self.streams:
                for key in self._unpartitioned(stream):
                    self._partition(stream, key)
                    moved += 1
        return moved

    def _unpartitioned(self, stream: DeliveryStream) -> list[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=stream.prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def _partition(self, stream: DeliveryStream, key: str) -> None:
        body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read().decode("utf-8")
        name = key.rsplit("/", 1)[-1]
        groups, failed = split_by_partition(body)
        for dt, lines in sorted(groups.items()):
            partitioned = stream.prefix.replace(UNEVALUATED, dt) + name
            self.s3.put_object(Bucket=self.bucket, Key=partitioned, Body="".join(lines).encode())
        if failed:
            # Where Firehose puts records it could not extract the partition key from.
            errors = error_prefix(stream, "partitioning-failed", datetime.now(UTC)) + name
            self.s3.put_object(Bucket=self.bucket, Key=errors, Body="".join(failed).encode())
        self.s3.delete_object(Bucket=self.bucket, Key=key)


def split_by_partition(body: str) -> tuple[dict[str, list[str]], list[str]]:
    """The JSON lines grouped by their `dt`, and the lines that have none."""
    groups: dict[str, list[str]] = defaultdict(list)
    failed: list[str] = []
    for line in body.splitlines(keepends=True):
        if not line.strip():
            continue
        try:
            dt = json.loads(line).get("dt")
        except (ValueError, AttributeError):
            dt = None
        if isinstance(dt, str) and dt:
            groups[dt].append(line)
        else:
            failed.append(line)
    return groups, failed


def error_prefix(stream: DeliveryStream, output_type: str, at: datetime) -> str:
    return stream.error_prefix.replace("!{firehose:error-output-type}", output_type).replace(
        "!{timestamp:yyyy/MM/dd}", at.strftime("%Y/%m/%d")
    )


def lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record as Lambda presents it in event.Records."""
    change = dict(record["dynamodb"])
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**record, "dynamodb": change, "eventSourceARN": stream_arn}


class StreamPoller:
    def __init__(
        self,
        function: Function,
        trigger: StreamTrigger,
        *,
        stream_arn: str,
        streams: Any,
        retry_delay_s: float = 1,
        handler: Handler | None = None,
        after_batch: Callable[[], object] = lambda: None,
        kept: RemoteKept | None = None,
    ) -> None:
        self.function = function
        self.trigger = trigger
        self.stream_arn = stream_arn
        self.streams = streams
        self.retry_delay_s = retry_delay_s
        self.gather_wait_s = GATHER_WAIT_S
        self.handler = handler or load_handler(function)
        self.after_batch = after_batch
        # With a data directory, where it got to, kept with the stand-in's state: a restart
        # goes on after the last record done instead of reading the stream from its start.
        self.kept = kept
        self.invocations = 0
        self.dead_letters: list[dict[str, Any]] = []
        self._pending: list[dict[str, Any]] = []
        self._window = trigger.batch_size
        self._attempts = 0
        self._iterator: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"stream-{trigger.table}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self) -> None:
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                handled = self.poll_once(gather=True)
            except (BotoCoreError, ClientError):
                log.exception("reading the %s stream failed; retrying", self.trigger.table)
                handled = 0
            if not handled:
                self._stop.wait(IDLE_WAIT_S)

    def poll_once(self, *, gather: bool = False) -> int:
        """Fetch (when nothing is pending) and invoke one batch; answers how many records it
        offered the handler. With `gather`, the trigger's batching window first."""
        if not self._pending:
            with acting_as(self.function.name):  # Lambda reads the stream with the function's role
                self._pending = self._fetch()
                if gather:
                    self._gather()
        if not self._pending:
            return 0
        batch = self._pending[: min(self._window, self.trigger.batch_size)]
        done = self._invoke(batch)
        self.after_batch()
        self._settle(batch, done)
        return len(batch)

    def _gather(self) -> None:
        """The mapping's batching window (MaximumBatchingWindowInSeconds): once a record is
        there, the records that follow within the window join its batch, up to the batch size,
        before the function is invoked. Without it, a burst of writes is archived a record or
        two per invocation, each a Firehose request, where Lambda would send one batch."""
        window = self.trigger.max_batching_window_s
        if not self._pending or window <= 0:
            return
        deadline = time.monotonic() + window
        while len(self._pending) < self.trigger.batch_size:
            left = deadline - time.monotonic()
            if left <= 0 or self._stop.wait(min(self.gather_wait_s, left)):
                return
            self._pending += self._fetch()

    def _fetch(self) -> list[dict[str, Any]]:
        if self._iterator is None:
            shard = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"][0]
            done = self.kept.get(self._kept_name) if self.kept else None
            where = (
                {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": done}
                if done
                else {"ShardIteratorType": "TRIM_HORIZON"}
            )
            self._iterator = self.streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard["ShardId"], **where
            )["ShardIterator"]
        answer = self.streams.get_records(ShardIterator=self._iterator, Limit=self.trigger.batch_size)
        self._iterator = answer["NextShardIterator"]
        return [lambda_record(r, self.stream_arn) for r in answer.get("Records", [])]

    def _invoke(self, batch: list[dict[str, Any]]) -> int | None:
        """How many records of the batch are done: all, those before the first reported
        failure, or None when the handler raised (the whole batch failed)."""
        context = LocalLambdaContext(self.function.name, self.function.timeout_s, self.function.memory_mb)
        self.invocations += 1
        try:
            result = invoke(self.handler, {"Records": batch}, context) or {}
        except Exception as exc:
            log.warning("%s failed on a batch of %d: %s", self.function.name, len(batch), str(exc)[:500])
            return None
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        sequences = [r["dynamodb"]["SequenceNumber"] for r in batch]
        return next((i for i, s in enumerate(sequences) if s in failed), len(batch))

    def _settle(self, batch: list[dict[str, Any]], done: int | None) -> None:
        if done == len(batch):
            self._advance(len(batch))
            return
        self._attempts += 1
        if done is None:
            # Bisect on error: retry with half the batch, down to the one record at fault.
            self._window = max(1, len(batch) // 2)
        else:
            self._advance(done, keep_attempts=True)
        if self._attempts > self.trigger.retry_attempts:
            self._give_up(batch[done or 0 :])
            return
        self._stop.wait(self.retry_delay_s)

    @property
    def _kept_name(self) -> str:
        return f"stream-{self.trigger.table}"

    def _advance(self, count: int, *, keep_attempts: bool = False) -> None:
        if self.kept and count:
            self.kept.put(self._kept_name, self._pending[count - 1]["dynamodb"]["SequenceNumber"])
        self._pending = self._pending[count:]
        if not keep_attempts:
            self._attempts = 0
            self._window = self.trigger.batch_size

    def _give_up(self, records: list[dict[str, Any]]) -> None:
        first, last = records[0]["dynamodb"]["SequenceNumber"], records[-1]["dynamodb"]["SequenceNumber"]
        log.error(
            "%s gave up on %d %s stream records (%s..%s) after %d retries",
            self.function.name,
            len(records),
            self.trigger.table,
            first,
            last,
            self.trigger.retry_attempts,
        )
        self.dead_letters.append(
            {
                "table": self.trigger.table,
                "first_sequence": first,
                "last_sequence": last,
                "size": len(records),
            }
        )
        skipped = {r["dynamodb"]["SequenceNumber"] for r in records}
        self._pending = [r for r in self._pending if r["dynamodb"]["SequenceNumber"] not in skipped]
        self._attempts = 0
        self._window = self.trigger.batch_size
