"""The local pollers retry quickly, but the last retry before the dead-letter queue waits the
function's timeout, as every retry does on AWS, so an idempotency record left in progress by
an interrupted attempt has expired by then (infra/local/pollers.py)."""

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
    assert [poller().retry_delay_after(n) for n in (1, 2, 3)] == [1, 2, 4]


def test_the_last_retry_before_the_dead_letter_queue_outwaits_an_in_progress_record() -> None:
    waits = [poller().retry_delay_after(n) for n in (1, 2, 3, 4)]
    assert waits[-1] == PUSH_ALERT.timeout_s
    # Whichever attempt left its record in progress, the last one starts after it expired.
    assert waits[-1] >= PUSH_ALERT.timeout_s > max(waits[:-1])


def test_a_queue_that_dead_letters_sooner_waits_sooner() -> None:
    assert poller(max_receive_count=2).retry_delay_after(1) == PUSH_ALERT.timeout_s


def test_receive_counts_come_from_the_message_attributes() -> None:
    assert receives_of({"Attributes": {"ApproximateReceiveCount": "3"}}) == 3
    assert receives_of({}) == 1
