"""archive_to_lake: reads the responses and tickets streams; each scored response and each
ticket change goes to the data lake (Firehose) as a row without personal data.

The whole batch goes out in as few PutRecordBatch calls as the limits allow; then Powertools'
BatchProcessor reports, per stream record, what failed (an unreadable image, or a row Firehose
still refused after its retries), so Lambda retries from the first failure on, bisects a
failing batch and finally hands the records to the on-failure destination.
"""

from __future__ import annotations

from cxloop.startup import built_once

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from cxloop.adapters.lake import DeliveryFailed, FirehoseLake, lake_settings_from
from cxloop.domain.insights.lake import Archived, archived
from cxloop.domain.kernel.errors import Unavailable
from cxloop.observability import MetricUnit, logger, metrics

Put = Callable[[list[Archived]], None]


def rows_of(records: list[DynamoDBRecord]) -> tuple[dict[str, Archived], dict[str, Exception]]:
    """The lake row of each stream record (by sequence number), and why some have none."""
    rows: dict[str, Archived] = {}
    problems: dict[str, Exception] = {}
    for record in records:
        sequence = str(record.dynamodb.sequence_number if record.dynamodb else "")
        image = record.dynamodb.new_image if record.dynamodb else None
        if not image:
            continue  # a deletion (TTL) has no new image: nothing happened worth archiving
        try:
            row = archived(image)
        except ValueError as exc:  # pydantic's ValidationError, UnknownImage
            problems[sequence] = exc
            continue
        if row is not None:
            rows[sequence] = row
    return rows, problems


def deliver(rows: dict[str, Archived], put: Put) -> dict[str, Exception]:
    """Put every row; answers the sequence numbers whose row was not delivered, and why."""
    sequences = list(rows)
    try:
        put([rows[s] for s in sequences])
    except DeliveryFailed as exc:
        return {sequences[i]: exc for i in exc.failed}
    except Unavailable as exc:
        return dict.fromkeys(sequences, exc)
    return {}


def archive(event: dict[str, Any], context: Any, put: Put) -> dict[str, Any]:
    records = [DynamoDBRecord(raw) for raw in event.get("Records", [])]
    rows, problems = rows_of(records)
    problems |= deliver(rows, put)

    def settle(record: DynamoDBRecord) -> None:
        sequence = str(record.dynamodb.sequence_number if record.dynamodb else "")
        if sequence in problems:
            raise problems[sequence]

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
    outcome = process_partial_response(
        event=event, record_handler=settle, processor=processor, context=context
    )
    delivered = len(rows) - len(problems.keys() & rows.keys())
    metrics.add_metric(name="LakeRows", unit=MetricUnit.Count, value=delivered)
    # Counts only: the rows hold no personal data, but the log has no need of them either.
    logger.info(
        "archived to the lake",
        extra={"records": len(records), "rows": delivered, "failed": len(problems)},
    )
    return {"batchItemFailures": list(outcome["batchItemFailures"])}


@built_once
def _deps() -> FirehoseLake:
    """Built once per process (named like the other handlers' caches, which tests clear)."""
    return FirehoseLake(lake_settings_from())


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return archive(event, context, _deps().put)
