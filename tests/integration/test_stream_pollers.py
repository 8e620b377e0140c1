"""The local stream poller behaves like Lambda's DynamoDB stream event source mapping: ordered
batches, a retry from the first reported failure, bisection when the handler raises, and a
batch given up (recorded as the on-failure destination would get it) after the retries."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from infra.local.stream_pollers import StreamPoller
from infra.pipeline import PIPELINE, StreamTrigger
from tests.conftest import LocalAws

ARCHIVE = PIPELINE.function("archive_to_lake")


class Recorder:
    """A handler that records the keys it was given, and fails the ones it is told to."""

    def __init__(self, fail: set[str] | None = None, raise_on: set[str] | None = None) -> None:
        self.batches: list[list[str]] = []
        self.fail = fail or set()
        self.raise_on = raise_on or set()

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        keys = [r["dynamodb"]["Keys"]["response_id"]["S"] for r in event["Records"]]
        self.batches.append(keys)
        if self.raise_on & set(keys):
            raise RuntimeError("the whole batch failed")
        failures = [
            {"itemIdentifier": r["dynamodb"]["SequenceNumber"]}
            for r in event["Records"]
            if r["dynamodb"]["Keys"]["response_id"]["S"] in self.fail
        ]
        self.fail -= set(keys)  # each failure happens once
        return {"batchItemFailures": failures}


def poller(aws: LocalAws, handler: Recorder, **trigger: Any) -> StreamPoller:
    for i in range(6):
        aws.clients["dynamodb"].put_item(
            TableName="responses", Item={"response_id": {"S": f"r{i}"}, "doc": {"S": "{}"}}
        )
    arn = aws.clients["dynamodb"].describe_table(TableName="responses")["Table"]["LatestStreamArn"]
    spec = replace(StreamTrigger("responses"), **trigger)
    return StreamPoller(
        ARCHIVE,
        spec,
        stream_arn=arn,
        streams=aws.clients["dynamodbstreams"],
        retry_delay_s=0,
        handler=handler,
    )


def drain(stream_poller: StreamPoller, polls: int = 20) -> None:
    for _ in range(polls):
        stream_poller.poll_once()


def test_batches_come_in_order_and_of_the_trigger_s_size(aws: LocalAws) -> None:
    handler = Recorder()
    drain(poller(aws, handler, batch_size=4))
    assert handler.batches == [["r0", "r1", "r2", "r3"], ["r4", "r5"]]


def test_a_reported_failure_retries_the_batch_from_that_record_on(aws: LocalAws) -> None:
    handler = Recorder(fail={"r2"})
    drain(poller(aws, handler, batch_size=4))
    assert handler.batches == [["r0", "r1", "r2", "r3"], ["r2", "r3"], ["r4", "r5"]]


def test_a_raising_handler_gets_the_batch_bisected_and_gives_up_on_the_poison_record(aws: LocalAws) -> None:
    handler = Recorder(raise_on={"r1"})
    stream_poller = poller(aws, handler, batch_size=4, retry_attempts=2)
    drain(stream_poller)
    # Halved down to r0, which succeeds; r1 alone keeps failing until its 2 retries are spent,
    # is given up, and the stream goes on after it.
    assert handler.batches == [
        ["r0", "r1", "r2", "r3"],
        ["r0", "r1"],
        ["r0"],
        ["r1", "r2", "r3"],
        ["r1"],
        ["r1"],
        ["r2", "r3"],
        ["r4", "r5"],
    ]
    (given_up,) = stream_poller.dead_letters
    assert (given_up["table"], given_up["size"]) == ("responses", 1)


class OneRecordAFetch:
    """The stream client, answering one record a read: records that arrive one at a time."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def get_records(self, **request: Any) -> Any:
        return self.real.get_records(**{**request, "Limit": 1})


def test_the_batching_window_gathers_records_that_arrive_within_it(aws: LocalAws) -> None:
    handler = Recorder()
    gathering = poller(aws, handler, batch_size=4, max_batching_window_s=2)
    gathering.streams = OneRecordAFetch(gathering.streams)
    gathering.gather_wait_s = 0.01
    while gathering.poll_once(gather=True):
        pass
    # A full batch before the window is over, then what arrived before it closed.
    assert handler.batches == [["r0", "r1", "r2", "r3"], ["r4", "r5"]]


def test_without_a_window_each_read_is_its_own_batch(aws: LocalAws) -> None:
    handler = Recorder()
    eager = poller(aws, handler, batch_size=4, max_batching_window_s=0)
    eager.streams = OneRecordAFetch(eager.streams)
    drain(eager)
    assert handler.batches == [["r0"], ["r1"], ["r2"], ["r3"], ["r4"], ["r5"]]
