"""POST /v1/events/batch against moto: good, bad and repeated items each get their result, and a
dependency failure on one item loses nothing."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cxloop.adapters.messaging import SqsQueue
from cxloop.domain.kernel.events import interaction_id_for
from cxloop.domain.kernel.signature import sign
from tests.conftest import LocalAws
from tests.helpers import load_event
from tests.integration.support import (
    NOW,
    SECRET,
    Ports,
    as_sqs,
    body_of,
    claim,
    emails,
    header_of,
    invoke,
    resolve,
    scan,
    signed_post,
    with_headers,
)

STAMP = int(NOW.timestamp())
BATCH_PATH = "/v1/events/batch"


def batch_request(
    items: list[Any], *, timestamp: int = STAMP, correlation_id: str | None = "erp-batch-7"
) -> dict[str, Any]:
    """POST /v1/events/batch as API Gateway hands it over, signed once over the raw body."""
    body = json.dumps({"events": items}, ensure_ascii=False).encode()
    event = signed_post(body, timestamp=timestamp, correlation_id=correlation_id)
    event["path"] = event["resource"] = BATCH_PATH
    event["requestContext"]["path"] = f"/prod{BATCH_PATH}"
    event["requestContext"]["resourcePath"] = BATCH_PATH
    return event


def item(event_id: str, **changes: Any) -> dict[str, Any]:
    document = load_event("erp/claim_reported")
    document["event_id"] = event_id
    document["customer"]["email"] = f"{event_id}@example.com"
    document.update(changes)
    return document


def dispatched_ids(aws: LocalAws) -> list[str]:
    return sorted(json.loads(m["Body"])["event"]["event_id"] for m in aws.drain("dispatch"))


def test_good_bad_and_repeated_items_each_get_their_result(ports: Ports) -> None:
    app = ports.capture_app()
    single = resolve(app, signed_post(claim(), timestamp=STAMP), "capture_event")
    assert single["statusCode"] == 202
    ports.aws.drain("dispatch")
    bad = item("b-bad")
    bad["customer"]["phone"] = "0991234567"
    bad["occurred_at"] = "2026-11-20"

    answer = resolve(
        app, batch_request([load_event("erp/claim_reported"), item("b-1"), bad, item("b-2")]), "capture_event"
    )

    assert answer["statusCode"] == 200
    assert header_of(answer, "X-Correlation-Id") == "erp-batch-7"
    found = body_of(answer)
    assert [r["status"] for r in found["results"]] == ["duplicate", "accepted", "rejected", "accepted"]
    assert found["results"][0]["interaction_id"] == body_of(single)["interaction_id"]
    assert found["results"][1]["interaction_id"] == interaction_id_for("erp-claims", "b-1")
    assert found["results"][2]["error"]["code"] == "validation_error"
    assert {d["field"] for d in found["results"][2]["error"]["details"]} == {"customer.phone", "occurred_at"}
    assert (found["accepted"], found["duplicates"], found["rejected"], found["retry"]) == (2, 1, 1, 0)
    # The duplicate is handed on again too (send_survey is idempotent on the interaction).
    assert dispatched_ids(ports.aws) == ["b-1", "b-2", "claim-2026-000123"]
    assert len(scan(ports.aws, "interactions")) == 3


def test_each_item_carries_its_own_correlation_id(ports: Ports) -> None:
    resolve(ports.capture_app(), batch_request([item("c-1"), item("c-2")]), "capture_event")
    messages = {
        json.loads(m["Body"])["event"]["event_id"]: m["MessageAttributes"]["correlation_id"]["StringValue"]
        for m in ports.aws.drain("dispatch")
    }
    assert messages == {"c-1": "erp-batch-7-0", "c-2": "erp-batch-7-1"}


class FlakySqs:
    """The real moto SQS client, except SendMessage throttles for one event."""

    def __init__(self, real: Any, failing_event_id: str) -> None:
        self.real = real
        self.failing_event_id = failing_event_id

    def send_message(self, **request: Any) -> Any:
        if json.loads(request["MessageBody"])["event"]["event_id"] == self.failing_event_id:
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "SendMessage"
            )
        return self.real.send_message(**request)


@pytest.mark.usefixtures("permissive_contact_policy")
def test_a_dependency_failure_on_one_item_answers_retry_and_loses_nothing(ports: Ports) -> None:
    flaky = SqsQueue(ports.aws.queue_url("dispatch"), FlakySqs(ports.aws.clients["sqs"], "f-2"))
    items = [item("f-1"), item("f-2"), item("f-3")]

    answer = body_of(resolve(ports.capture_app(dispatch=flaky), batch_request(items), "capture_event"))

    assert [r["status"] for r in answer["results"]] == ["accepted", "retry", "accepted"]
    assert answer["results"][1]["interaction_id"] == interaction_id_for("erp-claims", "f-2")
    assert answer["results"][1]["error"]["code"] == "unavailable"
    first = ports.aws.drain("dispatch")
    assert sorted(json.loads(m["Body"])["event"]["event_id"] for m in first) == ["f-1", "f-3"]
    # The ERP resends the whole batch: all three were stored the first time (f-2 before its
    # hand-off failed), so all are duplicates, and each is handed to dispatch again.
    again = body_of(resolve(ports.capture_app(), batch_request(items), "capture_event"))
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate", "duplicate"]
    second = ports.aws.drain("dispatch")
    assert sorted(json.loads(m["Body"])["event"]["event_id"] for m in second) == ["f-1", "f-2", "f-3"]
    # send_survey absorbs the second hand-offs: one survey per event, f-2's included.
    send = ports.consumer("send_survey", ports.send_step())
    assert send(as_sqs(*first, *second)) == {"batchItemFailures": []}
    assert sorted(to for e in emails() for to in e.destinations["ToAddresses"]) == [
        "f-1@example.com",
        "f-2@example.com",
        "f-3@example.com",
    ]


def test_through_the_lambda_handler_the_signature_and_the_limits_hold(lambda_env: LocalAws) -> None:
    now = int(time.time())  # the handler's own clock checks the 300 s window
    accepted = invoke("capture_event", batch_request([item("h-1")], timestamp=now))
    assert accepted["statusCode"] == 200 and body_of(accepted)["accepted"] == 1

    forged = batch_request([item("h-2")], timestamp=now)
    with_headers(forged, **{"X-Cx-Signature": sign("not-the-secret", now, forged["body"].encode())})
    refused = invoke("capture_event", forged)
    assert refused["statusCode"] == 401

    too_many = invoke("capture_event", batch_request([item(f"m-{i}") for i in range(501)], timestamp=now))
    assert too_many["statusCode"] == 413
    assert body_of(too_many)["error"]["details"][0]["field"] == "events"
    empty = invoke("capture_event", batch_request([], timestamp=now))
    assert empty["statusCode"] == 400
    assert dispatched_ids(lambda_env) == ["h-1"]


def test_a_full_batch_of_500_loses_nothing_even_when_time_runs_short(lambda_env: LocalAws) -> None:
    items = [item(f"full-{i}") for i in range(500)]
    found = body_of(invoke("capture_event", batch_request(items, timestamp=int(time.time()))))
    # Every item is accepted, or (on a slow machine, near the function's timeout) answered
    # "retry" without being attempted; resending those accepts them.
    assert found["accepted"] + found["retry"] == 500 and found["accepted"] > 0
    resend = [items[r["index"]] for r in found["results"] if r["status"] == "retry"]
    if resend:
        again = body_of(invoke("capture_event", batch_request(resend, timestamp=int(time.time()))))
        assert again["accepted"] + again["duplicates"] == len(resend)
    assert len(scan(lambda_env, "interactions")) == 500
    assert len(lambda_env.drain("dispatch")) == 500


def test_the_single_event_route_is_unchanged(ports: Ports) -> None:
    answer = resolve(ports.capture_app(), signed_post(claim(), timestamp=STAMP), "capture_event")
    assert answer["statusCode"] == 202 and body_of(answer)["status"] == "accepted"
    assert SECRET  # the batch and the single route share the secrets
