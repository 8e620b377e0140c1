"""Looking into a dead-letter queue without reading anyone's personal data, and moving its
messages back to the queue they failed on.

A message body may carry a customer (name, email, phone), a comment or a survey link; `show`
prints only what names the work: the SQS message id and times, and the body's id and type
fields. Moving messages back is safe because every step is idempotent on its business key
(docs/ARCHITECTURE.md, Rules every step keeps): a message that did take effect before it
failed takes none the second time.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from infra.ops.queues import Progress, QueuePair

# Fields that name work, never a person: ids the producer set and the kind of message.
TYPE_FIELDS = frozenset({"kind", "type", "event_type", "source", "survey_id", "level", "audience"})
MAX_SHOWN_VALUE = 128
MAX_BATCH = 10


def described(message: Mapping[str, Any]) -> dict[str, Any]:
    """What `dlq show` prints of one received message."""
    attributes = message.get("Attributes", {})
    sent_ms = int(attributes.get("SentTimestamp", 0))
    return {
        "message_id": message["MessageId"],
        "sent_at": datetime.fromtimestamp(sent_ms / 1000, UTC).isoformat(timespec="seconds")
        if sent_ms
        else None,
        "receive_count": int(attributes.get("ApproximateReceiveCount", 0)),
        "fields": dict(_work_fields(_json_or_none(message.get("Body", "")))),
    }


def _json_or_none(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _work_fields(value: Any, path: str = "") -> Iterator[tuple[str, object]]:
    """Ids (keys ending in `_id`) and types, by dotted path; nothing else of the body."""
    if not isinstance(value, Mapping):
        return
    for key, item in value.items():
        dotted = f"{path}{key}"
        if isinstance(item, Mapping):
            if key not in ("customer", "answers", "attributes"):
                yield from _work_fields(item, f"{dotted}.")
        elif _names_work(str(key)) and isinstance(item, str | int) and len(str(item)) <= MAX_SHOWN_VALUE:
            yield dotted, item


def _names_work(key: str) -> bool:
    return key in TYPE_FIELDS or (key.endswith("_id") and key != "customer_id")


def peek(sqs: Any, pair: QueuePair, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` (at most 10) messages of the dead-letter queue, left in it: received with
    no visibility timeout, so they are visible again at once (a dead-letter queue has no
    receive limit of its own, so looking costs nothing)."""
    answer = sqs.receive_message(
        QueueUrl=pair.dead_letter_url,
        MaxNumberOfMessages=max(1, min(limit, MAX_BATCH)),
        VisibilityTimeout=0,
        WaitTimeSeconds=1,
        AttributeNames=["SentTimestamp", "ApproximateReceiveCount"],
    )
    return [described(message) for message in answer.get("Messages", [])]


def move_back(sqs: Any, pair: QueuePair, progress: Progress, *, idle_polls: int = 2) -> int:
    """Move every message of the dead-letter queue back to its queue, ten at a time: each is
    sent again, then deleted from the dead-letter queue. A crash between the two leaves a copy
    in both, which errs towards a repeat that the idempotent step absorbs, never a loss."""
    moved = empty = 0
    while empty < idle_polls:
        batch = sqs.receive_message(
            QueueUrl=pair.dead_letter_url,
            MaxNumberOfMessages=MAX_BATCH,
            VisibilityTimeout=60,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            empty += 1
            continue
        empty = 0
        moved += _resend(sqs, pair, batch)
        progress(f"{pair.name}: {moved} message(s) moved back")
    return moved


def _resend(sqs: Any, pair: QueuePair, batch: list[dict[str, Any]]) -> int:
    entries = [
        {"Id": str(i), "MessageBody": m["Body"], "MessageAttributes": m.get("MessageAttributes", {})}
        for i, m in enumerate(batch)
    ]
    sent = sqs.send_message_batch(QueueUrl=pair.url, Entries=entries)
    resent = {int(entry["Id"]) for entry in sent.get("Successful", [])}
    if resent:
        sqs.delete_message_batch(
            QueueUrl=pair.dead_letter_url,
            Entries=[{"Id": str(i), "ReceiptHandle": batch[i]["ReceiptHandle"]} for i in sorted(resent)],
        )
    return len(resent)


def move_task(
    sqs: Any,
    pair: QueuePair,
    progress: Progress,
    *,
    poll_s: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """SQS's own redrive (StartMessageMoveTask) from the dead-letter queue back to its queue,
    followed until it ends; answers how many messages it moved."""
    source, destination = _arn(sqs, pair.dead_letter_url), _arn(sqs, pair.url)
    sqs.start_message_move_task(SourceArn=source, DestinationArn=destination)
    while True:
        task = sqs.list_message_move_tasks(SourceArn=source, MaxResults=1)["Results"][0]
        moved = int(task.get("ApproximateNumberOfMessagesMoved", 0))
        total = task.get("ApproximateNumberOfMessagesToMove")
        progress(f"{pair.name}: {moved}{f' of {total}' if total is not None else ''} message(s) moved back")
        if task["Status"] == "COMPLETED":
            return moved
        if task["Status"] in ("FAILED", "CANCELLED", "CANCELLING"):
            raise RuntimeError(
                f"the move task {task['Status'].lower()}: {task.get('FailureReason', 'no reason given')}"
            )
        sleep(poll_s)


def _arn(sqs: Any, url: str) -> str:
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])
