"""Bulk intake, the webhook's batch form: POST /v1/events/batch.

One HMAC signature covers the whole raw body, as for a single event (docs/ARCHITECTURE.md,
The public contract). Then every item is validated and accepted on its own with exactly the
single event's semantics: the same parse_event rules and error details, idempotent on
(source, event_id), a repeat answering the interaction id it was first accepted under. One
item's failure never costs another item: invalid items are "rejected" with their field
problems, and an item a dependency failed on answers "retry" (the items accepted before and
after it stay accepted), so the ERP resends just those.

Limits: each event keeps the webhook's 256 KB; a batch holds 1 to 500 events in at most 5 MB
of body, half of API Gateway's 10 MB payload limit (500 events of ~10 KB each, twice the size
of a typical ERP event with attributes).

accept_all is shared with file imports: a few items at a time in parallel (DynamoDB and SQS
calls dominate, ~20 ms an item, so 500 items one by one would take ~10 s), each distinct
event once even when an extract repeats it.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from cxloop.domain.intake.capture_event import Accepted, SignedRequest
from cxloop.domain.kernel import signature
from cxloop.domain.kernel.errors import CxloopError, FieldProblem, InvalidInput, PayloadTooLarge, Unavailable
from cxloop.domain.kernel.events import InteractionEvent, interaction_id_for, parse_event

MAX_BATCH_EVENTS = 500
MAX_BATCH_BODY_BYTES = 5 * 1024 * 1024
# Parallel accepts per batch: enough to finish 500 events in a couple of seconds, few enough
# to stay far below DynamoDB's and SQS's per-partition and per-connection limits.
WORKERS = 8
# After this many dependency failures in one batch the rest is not attempted (answered
# "retry"): when DynamoDB or SQS is down, 500 timeouts would outlast the function.
GIVE_UP_AFTER_FAILURES = 5
# Items not started with less than this left before the function's timeout answer "retry".
TIME_MARGIN_S = 3.0

Status = Literal["accepted", "duplicate", "rejected", "retry"]
# Accept one valid event under a correlation id (capture.accept_valid_event with its ports).
Accept = Callable[[InteractionEvent, str], Accepted]
Outcome = Accepted | Unavailable


@dataclass(frozen=True)
class ItemResult:
    index: int
    status: Status
    interaction_id: str | None = None
    error: CxloopError | None = None

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"index": self.index, "status": self.status}
        if self.interaction_id:
            found["interaction_id"] = self.interaction_id
        if self.error is not None:
            found["error"] = error_json(self.error)
        return found


@dataclass(frozen=True)
class BatchOutcome:
    results: list[ItemResult]

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    def as_json(self) -> dict[str, Any]:
        return {
            "results": [r.as_json() for r in self.results],
            "accepted": self.count("accepted"),
            "duplicates": self.count("duplicate"),
            "rejected": self.count("rejected"),
            "retry": self.count("retry"),
        }


def error_json(error: CxloopError) -> dict[str, Any]:
    """The contract's error shape, as the single webhook answers it in its body."""
    found: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.details:
        found["details"] = [{"field": d.field, "problem": d.problem} for d in error.details]
    return found


def parse_batch(body: bytes) -> list[Any]:
    """The items of {"events": [...]}; refused whole when the envelope itself is wrong."""
    if len(body) > MAX_BATCH_BODY_BYTES:
        raise PayloadTooLarge(
            f"body exceeds {MAX_BATCH_BODY_BYTES} bytes", [FieldProblem("body", "too large")]
        )
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InvalidInput("body is not valid JSON", [FieldProblem("body", str(exc))]) from exc
    if not isinstance(data, dict) or set(data) != {"events"}:
        raise InvalidInput(
            'body must be {"events": [...]}', [FieldProblem("body", 'an object with only "events"')]
        )
    events = data["events"]
    if not isinstance(events, list) or not events:
        raise InvalidInput("events must be a non-empty list", [FieldProblem("events", "empty or not a list")])
    if len(events) > MAX_BATCH_EVENTS:
        raise PayloadTooLarge(
            f"a batch holds at most {MAX_BATCH_EVENTS} events",
            [FieldProblem("events", f"{len(events)} events; split into batches of {MAX_BATCH_EVENTS}")],
        )
    return events


def validate_item(item: Any) -> InteractionEvent:
    """The single webhook's rules, limits and error details, applied to one item."""
    return parse_event(json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def item_correlation_id(batch_correlation_id: str, index: int) -> str:
    """Each event follows its own customer: the batch's id (which the ERP may have set) and the
    item's position, within the 128 characters a correlation id may have."""
    return f"{batch_correlation_id[:120]}-{index}"


def accept_batch(
    request: SignedRequest,
    *,
    secrets: Iterable[str],
    now: datetime,
    accept: Accept,
    time_left_s: Callable[[], float] = lambda: math.inf,
    workers: int = WORKERS,
) -> BatchOutcome:
    """Verify the batch's signature, then validate and accept every item on its own."""
    signature.verify(
        timestamp=request.timestamp,
        signature=request.signature,
        body=request.body,
        secrets=secrets,
        now=now.timestamp(),
    )
    items = parse_batch(request.body)
    results: dict[int, ItemResult] = {}
    valid: list[tuple[int, InteractionEvent]] = []
    for index, item in enumerate(items):
        try:
            valid.append((index, validate_item(item)))
        except InvalidInput as exc:
            results[index] = ItemResult(index, "rejected", error=exc)
    outcomes = accept_all(
        [event for _, event in valid],
        [item_correlation_id(request.correlation_id, index) for index, _ in valid],
        accept,
        time_left_s=time_left_s,
        workers=workers,
    )
    for (index, event), outcome in zip(valid, outcomes, strict=True):
        results[index] = item_result(index, event, outcome)
    return BatchOutcome([results[i] for i in range(len(items))])


def item_result(index: int, event: InteractionEvent, outcome: Outcome) -> ItemResult:
    if isinstance(outcome, Unavailable):
        # Valid, so its id is known: the ERP can match the retry to the interaction.
        return ItemResult(index, "retry", interaction_id_for(event.source, event.event_id), error=outcome)
    return ItemResult(index, "accepted" if outcome.is_new else "duplicate", outcome.interaction_id)


def accept_all(
    events: Sequence[InteractionEvent],
    correlation_ids: Sequence[str],
    accept: Accept,
    *,
    time_left_s: Callable[[], float] = lambda: math.inf,
    workers: int = WORKERS,
) -> list[Outcome]:
    """Accept each event, a few in parallel; answers, in order, its Accepted or the Unavailable
    a dependency raised. An event repeated in the list is accepted once: its later copies answer
    the first one's interaction as a duplicate (accepting both at once could dispatch it twice).
    """
    keys = [interaction_id_for(e.source, e.event_id) for e in events]
    first_of: dict[str, int] = {}
    for position, key in enumerate(keys):
        first_of.setdefault(key, position)
    firsts = sorted(first_of.values())
    guard = _FailureGuard(time_left_s)

    def attempt(position: int) -> Outcome:
        refusal = guard.refusal()
        if refusal is not None:
            return refusal
        try:
            return accept(events[position], correlation_ids[position])
        except Unavailable as exc:
            guard.failed()
            return exc

    # Each attempt runs in a copy of the caller's context, as it would on the caller's thread:
    # what the invocation set there (cxloop.adapters.call_log's caller) follows the work.
    contexts = [copy_context() for _ in firsts]
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="accept") as pool:
        attempts = pool.map(lambda context, position: context.run(attempt, position), contexts, firsts)
        outcomes = dict(zip(firsts, attempts, strict=True))
    return [
        _repeat_of(outcomes[first_of[key]]) if p not in outcomes else outcomes[p]
        for p, key in enumerate(keys)
    ]


def _repeat_of(first: Outcome) -> Outcome:
    if isinstance(first, Unavailable):
        return first
    return Accepted(first.interaction_id, first.correlation_id, is_new=False)


class _FailureGuard:
    """Stops starting new accepts once dependencies keep failing or time runs out."""

    def __init__(self, time_left_s: Callable[[], float]) -> None:
        self._time_left_s = time_left_s
        self._failures = 0
        self._lock = threading.Lock()

    def failed(self) -> None:
        with self._lock:
            self._failures += 1

    def refusal(self) -> Unavailable | None:
        with self._lock:
            failures = self._failures
        if failures >= GIVE_UP_AFTER_FAILURES:
            return Unavailable(f"not attempted: {failures} dependency failures in this batch")
        if self._time_left_s() < TIME_MARGIN_S:
            return Unavailable("not attempted: the request ran out of time")
        return None
