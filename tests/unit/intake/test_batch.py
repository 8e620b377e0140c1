"""The batch webhook's domain (POST /v1/events/batch): one signature for the body, then every
item validated and accepted on its own, with one result each, in order."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from cxloop.domain.intake.batch import (
    GIVE_UP_AFTER_FAILURES,
    MAX_BATCH_BODY_BYTES,
    MAX_BATCH_EVENTS,
    accept_all,
    accept_batch,
    item_correlation_id,
    parse_batch,
)
from cxloop.domain.intake.capture_event import Accepted, SignedRequest, accept_valid_event
from cxloop.domain.kernel.errors import InvalidInput, PayloadTooLarge, Unauthorized, Unavailable
from cxloop.domain.kernel.events import Interaction, InteractionEvent, interaction_id_for, parse_event
from cxloop.domain.kernel.signature import sign
from tests.helpers import load_event

SECRET = "unit-batch-secret"
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
STAMP = str(int(NOW.timestamp()))


class MemoryInteractions:
    """The InteractionStore port in memory, safe for the accept threads."""

    def __init__(self) -> None:
        self.items: dict[str, Interaction] = {}
        self._lock = threading.Lock()

    def add(self, interaction: Interaction) -> bool:
        with self._lock:
            if interaction.interaction_id in self.items:
                return False
            self.items[interaction.interaction_id] = interaction
            return True

    def get(self, interaction_id: str) -> Interaction | None:
        return self.items.get(interaction_id)


class MemoryQueue:
    def __init__(self, fail_for: set[str] | None = None) -> None:
        self.sent: list[dict[str, Any]] = []
        self.fail_for = fail_for or set()
        self._lock = threading.Lock()

    def send(self, body: Any, *, correlation_id: str) -> None:
        if body["event"]["event_id"] in self.fail_for:
            raise Unavailable("sqs send_message failed: InternalError")
        with self._lock:
            self.sent.append(dict(body))


def event(event_id: str, **changes: Any) -> dict[str, Any]:
    document = load_event("erp/claim_reported")
    document["event_id"] = event_id
    document.update(changes)
    return document


def signed(body: bytes, secret: str = SECRET) -> SignedRequest:
    return SignedRequest(body, STAMP, sign(secret, STAMP, body), correlation_id="erp-batch-0001")


def batch_body(*items: Any) -> bytes:
    return json.dumps({"events": list(items)}).encode()


def run(
    body: bytes, store: MemoryInteractions, queue: MemoryQueue, *, secret: str = SECRET, **options: Any
) -> dict[str, Any]:
    def accept(item: InteractionEvent, correlation_id: str) -> Accepted:
        return accept_valid_event(
            item, correlation_id=correlation_id, now=NOW, interactions=store, dispatch=queue
        )

    outcome = accept_batch(signed(body, secret), secrets=[SECRET], now=NOW, accept=accept, **options)
    return outcome.as_json()


def test_each_item_gets_its_own_result_in_order_with_counts() -> None:
    store, queue = MemoryInteractions(), MemoryQueue()
    bad = event("b-2")
    bad["customer"]["email"] = "ana@"
    del bad["touchpoint"]["id"]
    answer = run(batch_body(event("b-1"), bad, event("b-3")), store, queue)

    assert [r["status"] for r in answer["results"]] == ["accepted", "rejected", "accepted"]
    assert [r["index"] for r in answer["results"]] == [0, 1, 2]
    assert answer["results"][0]["interaction_id"] == interaction_id_for("erp-claims", "b-1")
    rejected = answer["results"][1]
    assert "interaction_id" not in rejected
    assert rejected["error"]["code"] == "validation_error"
    assert {d["field"] for d in rejected["error"]["details"]} == {"customer.email", "touchpoint.id"}
    assert (answer["accepted"], answer["duplicates"], answer["rejected"], answer["retry"]) == (2, 0, 1, 0)
    assert sorted(m["event"]["event_id"] for m in queue.sent) == ["b-1", "b-3"]


def test_a_repeat_answers_duplicate_and_hands_on_the_stored_interaction_again() -> None:
    store, queue = MemoryInteractions(), MemoryQueue()
    run(batch_body(event("b-1")), store, queue)
    again = run(batch_body(event("b-1"), event("b-2")), store, queue)

    assert [r["status"] for r in again["results"]] == ["duplicate", "accepted"]
    assert again["results"][0]["interaction_id"] == interaction_id_for("erp-claims", "b-1")
    # No mark of the first hand-off: the repeat sends the stored interaction again, the same
    # message (send_survey is idempotent on the interaction).
    first, repeat = (m for m in queue.sent if m["event"]["event_id"] == "b-1")
    assert repeat == first and repeat["correlation_id"] == "erp-batch-0001-0"


def test_the_same_event_twice_in_one_batch_is_accepted_once() -> None:
    store, queue = MemoryInteractions(), MemoryQueue()
    answer = run(batch_body(*[event("twin")] * 4), store, queue)
    assert [r["status"] for r in answer["results"]] == ["accepted", "duplicate", "duplicate", "duplicate"]
    assert len({r["interaction_id"] for r in answer["results"]}) == 1
    assert len(queue.sent) == 1


def test_a_dependency_failure_on_one_item_answers_retry_and_keeps_the_others() -> None:
    store, queue = MemoryInteractions(), MemoryQueue(fail_for={"b-2"})
    answer = run(batch_body(event("b-1"), event("b-2"), event("b-3")), store, queue)

    assert [r["status"] for r in answer["results"]] == ["accepted", "retry", "accepted"]
    retry = answer["results"][1]
    assert retry["interaction_id"] == interaction_id_for("erp-claims", "b-2")
    assert retry["error"]["code"] == "unavailable"
    # The ERP resends just that one: stored before its hand-off failed, so the retry is a
    # duplicate that hands it on.
    queue.fail_for.clear()
    resent = run(batch_body(event("b-2")), store, queue)
    assert resent["results"][0]["status"] == "duplicate"
    assert sorted(m["event"]["event_id"] for m in queue.sent) == ["b-1", "b-2", "b-3"]


def test_items_correlation_ids_follow_the_batch_and_the_position() -> None:
    store, queue = MemoryInteractions(), MemoryQueue()
    run(batch_body(event("b-1"), event("b-2")), store, queue)
    correlations = {m["event"]["event_id"]: m["correlation_id"] for m in queue.sent}
    assert correlations == {"b-1": "erp-batch-0001-0", "b-2": "erp-batch-0001-1"}
    assert len(item_correlation_id("x" * 128, 499)) <= 128


def test_a_wrong_signature_refuses_the_whole_batch_before_anything_is_stored() -> None:
    store, queue = MemoryInteractions(), MemoryQueue()
    with pytest.raises(Unauthorized):
        run(batch_body(event("b-1")), store, queue, secret="not-the-secret")
    assert store.items == {} and queue.sent == []


@pytest.mark.parametrize(
    ("body", "error", "field"),
    [
        (b"{not json", InvalidInput, "body"),
        (b'[{"event_id": "x"}]', InvalidInput, "body"),
        (b'{"events": []}', InvalidInput, "events"),
        (b'{"events": {"event_id": "x"}}', InvalidInput, "events"),
        (b'{"events": [], "more": 1}', InvalidInput, "body"),
        (json.dumps({"events": [{}] * (MAX_BATCH_EVENTS + 1)}).encode(), PayloadTooLarge, "events"),
        (b'{"events": ["' + b"x" * MAX_BATCH_BODY_BYTES + b'"]}', PayloadTooLarge, "body"),
    ],
    ids=["not-json", "a-list", "empty", "not-a-list", "extra-key", "501-events", "over-5MB"],
)
def test_a_wrong_envelope_is_refused_whole(body: bytes, error: type[Exception], field: str) -> None:
    with pytest.raises(error) as refused:
        parse_batch(body)
    assert [d.field for d in refused.value.details] == [field]  # type: ignore[attr-defined]


def test_500_events_are_one_batch_and_an_item_keeps_the_single_events_size_limit() -> None:
    assert len(parse_batch(json.dumps({"events": [{}] * MAX_BATCH_EVENTS}).encode())) == MAX_BATCH_EVENTS
    store, queue = MemoryInteractions(), MemoryQueue()
    huge = event("big", attributes={"note": "x" * 200}) | {"customer": {"id": "C", "email": "a" * 300_000}}
    answer = run(batch_body(huge, "not an object"), store, queue)
    assert [r["status"] for r in answer["results"]] == ["rejected", "rejected"]
    assert answer["results"][0]["error"]["details"] == [{"field": "body", "problem": "too large"}]
    assert answer["results"][1]["error"]["details"][0]["field"] == "body"


def accepted_by(calls: list[str], fail: bool = False) -> Any:
    def accept(item: InteractionEvent, correlation_id: str) -> Accepted:
        calls.append(item.event_id)
        if fail:
            raise Unavailable("dynamodb put_item failed: ProvisionedThroughputExceededException")
        return Accepted(interaction_id_for(item.source, item.event_id), correlation_id, is_new=True)

    return accept


def parsed(*event_ids: str) -> list[InteractionEvent]:
    return [parse_event(json.dumps(event(e)).encode()) for e in event_ids]


def test_when_dependencies_keep_failing_the_rest_is_not_attempted() -> None:
    calls: list[str] = []
    ids = [f"e-{i}" for i in range(50)]
    outcomes = accept_all(parsed(*ids), ids, accepted_by(calls, fail=True), workers=1)
    assert all(isinstance(o, Unavailable) for o in outcomes)
    assert len(calls) == GIVE_UP_AFTER_FAILURES
    assert "not attempted" in str(outcomes[-1])


def test_items_not_started_when_time_runs_out_answer_retry() -> None:
    calls: list[str] = []
    left = iter([10.0, 10.0, 1.0, 1.0])
    outcomes = accept_all(
        parsed("a", "b", "c", "d"),
        ["1", "2", "3", "4"],
        accepted_by(calls),
        workers=1,
        time_left_s=lambda: next(left),
    )
    assert calls == ["a", "b"]
    assert [type(o).__name__ for o in outcomes] == ["Accepted", "Accepted", "Unavailable", "Unavailable"]
