"""The local queue pollers behave like Lambda's SQS event source mapping, which works on
several batches of one queue at once: `cxloop serve --pollers-per-queue`."""

from __future__ import annotations

import json
import threading
from typing import Any

from infra.local.defaults import REGION
from infra.local.pollers import QueuePoller
from infra.pipeline import PIPELINE, QueueTrigger
from tests.conftest import LocalAws

SCORE = PIPELINE.function("score_response")
ONE_AT_A_TIME = QueueTrigger("responses", batch_size=1)


class Rendezvous:
    """A handler whose batches each wait (up to a few seconds) for a second batch to be in
    flight at the same time, and fail if none comes: it passes only when batches overlap."""

    def __init__(self, timeout_s: float) -> None:
        self.barrier = threading.Barrier(2, timeout=timeout_s)
        self.met: list[str] = []
        self.alone: list[str] = []

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        record = event["Records"][0]
        body = json.loads(record["body"])["n"]
        try:
            self.barrier.wait()
        except threading.BrokenBarrierError:
            self.alone.append(body)
            return {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
        self.met.append(body)
        return {"batchItemFailures": []}


def pollers(aws: LocalAws, handler: Rendezvous, count: int) -> list[QueuePoller]:
    url = aws.queue_url(ONE_AT_A_TIME.queue)
    arn = aws.clients["sqs"].get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return [
        QueuePoller(
            SCORE,
            ONE_AT_A_TIME,
            queue_url=url,
            queue_arn=arn["QueueArn"],
            sqs=aws.clients["sqs"],
            region=REGION,
            handler=handler,
        )
        for _ in range(count)
    ]


def send_two(aws: LocalAws) -> None:
    url = aws.queue_url(ONE_AT_A_TIME.queue)
    for n in ("first", "second"):
        aws.clients["sqs"].send_message(QueueUrl=url, MessageBody=json.dumps({"n": n}))


def test_two_pollers_work_on_two_batches_of_one_queue_at_once(aws: LocalAws) -> None:
    handler = Rendezvous(timeout_s=10)
    send_two(aws)
    workers = [threading.Thread(target=p.poll_once) for p in pollers(aws, handler, 2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=15)
    assert sorted(handler.met) == ["first", "second"]
    assert handler.alone == []
    assert aws.drain(ONE_AT_A_TIME.queue) == []  # both done and deleted


def test_one_poller_works_on_one_batch_at_a_time(aws: LocalAws) -> None:
    handler = Rendezvous(timeout_s=1)
    send_two(aws)
    (only,) = pollers(aws, handler, 1)
    only.poll_once()
    assert handler.met == []
    assert len(handler.alone) == 1  # waited in vain: nothing else was in flight
