"""The local pollers retry quickly, but the last two retries before the dead-letter queue wait
the function's timeout, as every retry does on AWS, so an idempotency record left in progress by
an interrupted attempt, or a send's claim left live, has expired by then (infra/local/pollers.py)."""

from __future__ import annotations

from infra.local.pollers import QueuePoller, receives_of
from infra.pipeline import PIPELINE, QueueTrigger

PUSH_ALERT = PIPELINE.function("push_alert")


def poller(retry_delay_s: int = 1, max_receive_count: int = 5) -> QueuePoller:
    return QueuePoller(
        PUSH_ALERT,
        QueueTrigger("alerts"),
        queue_url="http://unused",
        queue_arn="arn:aws:sqs:us-east-1:000000000000:alerts",
        sqs=None,
        region="us-east-1",
        retry_delay_s=retry_delay_s,
        max_receive_count=max_receive_count,
        handler=lambda event, context: {},
    )


def test_early_retries_double_from_the_retry_delay() -> None:
    assert [poller(max_receive_count=6).retry_delay_after(n) for n in (1, 2, 3)] == [1, 2, 4]


def test_the_last_two_retries_before_the_dead_letter_queue_outwait_an_in_progress_record() -> None:
    waits = [poller().retry_delay_after(n) for n in (1, 2, 3, 4)]
    assert waits == [1, 2, PUSH_ALERT.timeout_s, PUSH_ALERT.timeout_s]
    # Whichever early attempt left its record in progress or its claim live, the last two
    # start after it expired: a fault on one of them leaves the other.
    assert sum(waits[:-1]) >= PUSH_ALERT.timeout_s > max(waits[:2])


def test_a_queue_that_dead_letters_sooner_waits_sooner() -> None:
    assert poller(max_receive_count=2).retry_delay_after(1) == PUSH_ALERT.timeout_s


def test_receive_counts_come_from_the_message_attributes() -> None:
    assert receives_of({"Attributes": {"ApproximateReceiveCount": "3"}}) == 3
    assert receives_of({}) == 1
