"""Queue pollers that behave like Lambda's SQS event source mapping: receive a
batch, invoke the handler with an SQS event, delete what succeeded, leave the
reported failures for redelivery; SQS's maxReceiveCount moves poison messages to
the DLQ. The only deviation: a failed message becomes visible again sooner than the full
visibility timeout, so local retries are quick: after `retry_delay_s`, doubling with each
receive. The last two retries before the dead-letter queue wait the function's whole timeout, as
every retry does on AWS (visibility timeout >= 6 x the function's, infra/pipeline.py): an
idempotency record an interrupted attempt left in progress (cxloop.consumer.IdempotentStep),
or a send it claimed (cxloop.adapters.send_log, CLAIM_FOR), expires with that timeout, so the
last tries find it expired instead of dead-lettering a message that would now succeed.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cxloop.adapters.call_log import acting_as
from infra.local.context import LocalLambdaContext, invoke
from infra.local.gateway import Handler, load_handler
from infra.pipeline import Function, QueueTrigger

log = logging.getLogger("cxloop.local.pollers")
WAIT_TIME_S = 1


class QueuePoller:
    def __init__(
        self,
        function: Function,
        trigger: QueueTrigger,
        *,
        queue_url: str,
        queue_arn: str,
        sqs: Any,
        region: str,
        retry_delay_s: int = 1,
        max_receive_count: int = 5,
        handler: Handler | None = None,
    ) -> None:
        self.function = function
        self.trigger = trigger
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.sqs = sqs
        self.region = region
        self.retry_delay_s = retry_delay_s
        self.max_receive_count = max_receive_count
        self.handler = handler or load_handler(function)
        self.invocations = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"poller-{trigger.queue}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self) -> None:
        self._thread.join(timeout=WAIT_TIME_S + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with acting_as(self.function.name):  # Lambda polls with the function's role
                    self.poll_once()
            except (BotoCoreError, ClientError):
                if not self._stop.is_set():
                    log.exception("polling %s failed; retrying", self.trigger.queue)
                    self._stop.wait(1)

    def poll_once(self) -> int:
        """One receive-invoke-delete cycle; answers how many messages it handled."""
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(self.trigger.batch_size, 10),
            WaitTimeSeconds=WAIT_TIME_S,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        failed = self._invoke(messages)
        self._settle(messages, failed)
        return len(messages)

    def _invoke(self, messages: list[dict[str, Any]]) -> set[str]:
        event = {"Records": [sqs_record(m, self.queue_arn, self.region) for m in messages]}
        context = LocalLambdaContext(self.function.name, self.function.timeout_s, self.function.memory_mb)
        self.invocations += 1
        try:
            result = invoke(self.handler, event, context) or {}
        except Exception as exc:
            # Powertools raises when every record failed: Lambda would retry the batch.
            log.warning(
                "%s failed on a whole batch of %d: %s", self.function.name, len(messages), str(exc)[:500]
            )
            return {m["MessageId"] for m in messages}
        return {failure["itemIdentifier"] for failure in result.get("batchItemFailures", [])}

    def _settle(self, messages: list[dict[str, Any]], failed: set[str]) -> None:
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        for message in messages:
            if message["MessageId"] in failed:
                self.sqs.change_message_visibility(
                    QueueUrl=self.queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=self.retry_delay_after(receives_of(message)),
                )

    def retry_delay_after(self, receives: int) -> int:
        """How long a message that failed its `receives`-th receive stays hidden: the last two
        retries wait the function's timeout, so two attempts come after a claim the first left
        live (a send made before the step failed) has lapsed, and a fault on one of them does
        not send the message to the dead-letter queue."""
        if receives >= self.max_receive_count - 2:
            return max(self.retry_delay_s, self.function.timeout_s)
        return int(self.retry_delay_s * 2 ** max(0, receives - 1))


def receives_of(message: dict[str, Any]) -> int:
    return int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))


def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """An SQS message as Lambda presents it in event.Records."""
    attributes = {
        name: {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value["DataType"],
        }
        for name, value in message.get("MessageAttributes", {}).items()
    }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": attributes,
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
