"""The pipeline's queues as an operator sees them: depth, messages in flight, the age of the
oldest message, and the depth of each queue's dead-letter queue."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

Progress = Callable[[str], None]


@dataclass(frozen=True)
class QueuePair:
    """A pipeline queue and the dead-letter queue its failed messages end in."""

    name: str
    url: str
    dead_letter_url: str


@dataclass(frozen=True)
class QueueState:
    name: str
    depth: int
    in_flight: int
    oldest_age_s: float | None
    dead_letter_depth: int


class Target(Protocol):
    """Where the queues are (a deployed stack or the local runtime) and what differs there:
    how the oldest message's age is known and how a dead-letter queue is moved back."""

    @property
    def sqs(self) -> Any: ...

    @property
    def queues(self) -> Mapping[str, QueuePair]: ...

    def oldest_age_s(self, pair: QueuePair) -> float | None: ...

    def redrive(self, pair: QueuePair, progress: Progress) -> int: ...


def queue_output_name(queue: str, *, dead_letter: bool = False) -> str:
    """The stack output naming a pipeline queue's URL: dispatch -> DispatchQueueUrl, and
    DispatchDeadLetterQueueUrl for its dead-letter queue."""
    title = "".join(word.title() for word in queue.split("_"))
    return f"{title}{'DeadLetter' if dead_letter else ''}QueueUrl"


def counts(sqs: Any, url: str) -> tuple[int, int]:
    """(messages waiting, messages in flight) as SQS approximates them."""
    found = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(found["ApproximateNumberOfMessages"]), int(found["ApproximateNumberOfMessagesNotVisible"])


def queue_state(target: Target, pair: QueuePair) -> QueueState:
    depth, in_flight = counts(target.sqs, pair.url)
    waiting, failing = counts(target.sqs, pair.dead_letter_url)
    return QueueState(pair.name, depth, in_flight, target.oldest_age_s(pair), waiting + failing)


def status(target: Target) -> list[QueueState]:
    return [queue_state(target, target.queues[name]) for name in sorted(target.queues)]


def status_table(states: Sequence[QueueState]) -> str:
    rows = [("queue", "depth", "in flight", "oldest", "dead letters")]
    rows += [
        (s.name, str(s.depth), str(s.in_flight), _age(s.oldest_age_s), str(s.dead_letter_depth))
        for s in states
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    )


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def pair_named(target: Target, queue: str) -> QueuePair:
    if queue not in target.queues:
        raise LookupError(f"no queue {queue!r}: the pipeline's queues are {', '.join(sorted(target.queues))}")
    return target.queues[queue]


def redrive_every_queue(target: Target, progress: Progress) -> int:
    """Every pipeline queue's dead letters moved back; answers how many in all."""
    return sum(target.redrive(target.queues[name], progress) for name in sorted(target.queues))


def is_quiet(target: Target) -> bool:
    """No pipeline queue holds a message waiting or in flight."""
    return all(counts(target.sqs, pair.url) == (0, 0) for pair in target.queues.values())


def redrive_when_quiet(target: Target, progress: Progress, *, timeout_s: float = 120) -> int:
    """As an operator after an incident: wait until the pipeline is quiet (a message still
    retrying may yet end in a dead-letter queue; up to `timeout_s`), then redrive every queue."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not is_quiet(target):
        time.sleep(0.5)
    return redrive_every_queue(target, progress)
