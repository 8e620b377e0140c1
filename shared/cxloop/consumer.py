"""SQS consumers: partial batch responses, per-record correlation ids, and
Powertools idempotency on the business key the producer set (docs/ARCHITECTURE.md, Rules every step keeps)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from cxloop.adapters.aws import client
from cxloop.observability import set_correlation_id

RecordHandler = Callable[[dict[str, Any]], object]


def correlation_id_of(record: SQSRecord) -> str | None:
    # The attributes' .get() hands back a raw dict (only indexing wraps it), so read the dict.
    attribute = record.raw_event.get("messageAttributes", {}).get("correlation_id") or {}
    return attribute.get("stringValue")


def consume(event: dict[str, Any], context: LambdaContext, handle: RecordHandler) -> dict[str, Any]:
    """Run `handle` on each message body (JSON); failed records are reported, not the batch."""
    return consume_bodies(event, context, lambda body: handle(json.loads(body)))


def consume_bodies(
    event: dict[str, Any], context: LambdaContext, handle: Callable[[str], object]
) -> dict[str, Any]:
    """`consume` on the raw bodies, for a step that judges a body that is not JSON itself."""

    def record_handler(record: SQSRecord) -> object:
        set_correlation_id(correlation_id_of(record))
        return handle(record.body)

    processor = BatchProcessor(event_type=EventType.SQS)
    outcome = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return {"batchItemFailures": list(outcome["batchItemFailures"])}


class IdempotentStep:
    """Wrap a step so one business key takes effect once, whatever SQS redelivers."""

    def __init__(
        self,
        step: Callable[..., Any],
        *,
        table_name: str,
        key: str,
        expires_after_s: int = 7 * 86400,
        dynamodb: Any | None = None,
    ):
        from aws_lambda_powertools.utilities.idempotency import (  # noqa: PLC0415 - only consumers pay for it
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        self.config = IdempotencyConfig(
            event_key_jmespath=key, raise_on_no_idempotency_key=True, expires_after_seconds=expires_after_s
        )
        persistence = DynamoDBPersistenceLayer(
            table_name=table_name, boto3_client=dynamodb or client("dynamodb")
        )
        self._run = idempotent_function(
            data_keyword_argument="message", persistence_store=persistence, config=self.config
        )(step)

    def __call__(self, message: dict[str, Any], context: LambdaContext) -> Any:
        self.config.register_lambda_context(context)
        return self._run(message=message)
