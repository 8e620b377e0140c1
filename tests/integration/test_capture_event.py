"""capture_event (POST /v1/events, docs/ARCHITECTURE.md, The public contract) against moto:
through `create_app` with real adapters on explicit clients, and through the Lambda
`handler` with the API Gateway sample event."""

from __future__ import annotations

import base64
import inspect
import json
from datetime import timedelta
from typing import Any

import pytest

from cxloop.adapters.send_log import DynamoSendLog
from cxloop.domain.intake.capture_event import REPEATS_HANDED_ON_FOR
from cxloop.domain.kernel.events import MAX_BODY_BYTES, interaction_id_for
from cxloop.domain.kernel.signature import sign
from cxloop.domain.privacy.erasure import scrubbed_interaction
from functions.send_survey import handler as send_survey_handler
from tests.conftest import LocalAws
from tests.helpers import load_event
from tests.integration.support import (
    NOW,
    PREVIOUS_SECRET,
    SECRET,
    Ports,
    body_of,
    claim,
    header_of,
    invoke,
    one,
    resolve,
    scan,
    signed_post,
    with_headers,
)

STAMP = int(NOW.timestamp())
CLAIM_ID = interaction_id_for("erp-claims", "claim-2026-000123")


def post(ports: Ports, event: dict[str, Any]) -> dict[str, Any]:
    return resolve(ports.capture_app(), event, "capture_event")


def assert_nothing_stored_or_queued(aws: LocalAws) -> None:
    assert scan(aws, "interactions") == []
    assert aws.drain("dispatch") == []


def test_a_new_event_is_accepted_then_a_repeat_answers_200_with_the_same_id(ports: Ports) -> None:
    first = post(ports, signed_post(claim(), timestamp=STAMP))
    again = post(ports, signed_post(claim(), timestamp=STAMP + 60))

    assert first["statusCode"] == 202
    assert body_of(first) == {"interaction_id": CLAIM_ID, "status": "accepted"}
    assert again["statusCode"] == 200
    assert body_of(again) == body_of(first)
    assert header_of(first, "Content-Type") == "application/json"
    stored = one(scan(ports.aws, "interactions"))
    assert stored["interaction_id"]["S"] == CLAIM_ID
    # The repeat hands the stored interaction on again (send_survey absorbs it): same message.
    message = one({m["Body"]: m for m in ports.aws.drain("dispatch")}.values())
    dispatched = json.loads(message["Body"])
    assert dispatched["interaction_id"] == CLAIM_ID
    assert dispatched["event"]["customer"]["email"] == "ana@example.com"
    assert dispatched["received_at"] == "2026-11-23T09:30:00Z"


def test_the_callers_correlation_id_follows_the_event_and_a_repeat_keeps_the_first(ports: Ports) -> None:
    first = post(ports, signed_post(claim(), timestamp=STAMP, correlation_id="erp-batch-0001"))
    again = post(ports, signed_post(claim(), timestamp=STAMP, correlation_id="erp-batch-0002"))

    assert header_of(first, "X-Correlation-Id") == "erp-batch-0001"
    assert header_of(again, "X-Correlation-Id") == "erp-batch-0001"
    # The repeat hands on the stored interaction, with the first request's correlation id.
    messages = ports.aws.drain("dispatch")
    assert len(messages) == 2
    for message in messages:
        assert message["MessageAttributes"]["correlation_id"]["StringValue"] == "erp-batch-0001"
        assert json.loads(message["Body"])["correlation_id"] == "erp-batch-0001"


def test_a_repeat_a_week_on_hands_nothing_on(ports: Ports) -> None:
    post(ports, signed_post(claim(), timestamp=STAMP))
    first = one(ports.aws.drain("dispatch"))
    day = timedelta(days=1)

    def repeat_after(wait: timedelta) -> dict[str, Any]:
        app = ports.capture_app(clock=lambda: NOW + wait)
        signed = signed_post(claim(), timestamp=STAMP + int(wait.total_seconds()))
        return resolve(app, signed, "capture_event")

    # Within the send log's week, send_survey's records absorb a second hand-off.
    assert repeat_after(REPEATS_HANDED_ON_FOR - day)["statusCode"] == 200
    assert one(ports.aws.drain("dispatch"))["Body"] == first["Body"]
    # After it, an old event dropped again (a months-old extract) is taken as handed on.
    late = repeat_after(REPEATS_HANDED_ON_FOR)
    assert late["statusCode"] == 200 and body_of(late)["interaction_id"] == CLAIM_ID
    assert ports.aws.drain("dispatch") == []


def test_repeats_are_handed_on_as_long_as_send_survey_keeps_its_send_records() -> None:
    # send_survey's handler keeps the send log's default lifetime (it passes no keep_for).
    keep_for = inspect.signature(DynamoSendLog).parameters["keep_for"].default
    assert keep_for == REPEATS_HANDED_ON_FOR
    assert "keep_for" not in inspect.getsource(send_survey_handler._step)


def test_a_repeat_of_an_erased_customers_event_hands_nothing_on(ports: Ports) -> None:
    post(ports, signed_post(claim(), timestamp=STAMP))
    ports.aws.drain("dispatch")
    assert ports.interactions().erase_customer("C-1042", "erased-abc", scrubbed_interaction) == 1

    again = post(ports, signed_post(claim(), timestamp=STAMP + 60))
    # Still the same interaction for the ERP, but no contact is left to survey.
    assert again["statusCode"] == 200 and body_of(again)["interaction_id"] == CLAIM_ID
    assert ports.aws.drain("dispatch") == []


def test_the_same_event_id_from_another_source_is_another_interaction(ports: Ports) -> None:
    post(ports, signed_post(claim(), timestamp=STAMP))
    other = post(ports, signed_post(claim(source="contact-center"), timestamp=STAMP))
    assert other["statusCode"] == 202
    assert body_of(other)["interaction_id"] == interaction_id_for("contact-center", "claim-2026-000123")
    assert len(scan(ports.aws, "interactions")) == 2 and len(ports.aws.drain("dispatch")) == 2


def test_the_previous_secret_is_accepted_during_rotation(ports: Ports) -> None:
    answer = post(ports, signed_post(claim(), secret=PREVIOUS_SECRET, timestamp=STAMP))
    assert answer["statusCode"] == 202
    one(ports.aws.drain("dispatch"))


def test_headers_are_read_whatever_their_casing(ports: Ports) -> None:
    event = signed_post(claim(), timestamp=STAMP)
    stamp, signature = event["headers"]["X-Cx-Timestamp"], event["headers"]["X-Cx-Signature"]
    with_headers(event, **{"X-Cx-Timestamp": None, "X-Cx-Signature": None})
    with_headers(event, **{"x-cx-timestamp": stamp, "x-cx-signature": signature})
    assert post(ports, event)["statusCode"] == 202


def test_a_base64_encoded_body_is_verified_on_its_bytes(ports: Ports) -> None:
    event = signed_post(claim(), timestamp=STAMP)
    event["body"] = base64.b64encode(claim()).decode()
    event["isBase64Encoded"] = True
    assert post(ports, event)["statusCode"] == 202


def _missing_signature(event: dict[str, Any]) -> None:
    with_headers(event, **{"X-Cx-Signature": None})


def _missing_timestamp(event: dict[str, Any]) -> None:
    with_headers(event, **{"X-Cx-Timestamp": None})


def _wrong_secret(event: dict[str, Any]) -> None:
    with_headers(event, **{"X-Cx-Signature": sign("not-the-secret", STAMP, claim())})


def _resigned_at(stamp: int | str) -> Any:
    """Correctly signed for its own timestamp, so only the timestamp check can refuse it."""

    def change(event: dict[str, Any]) -> None:
        with_headers(event, **{"X-Cx-Timestamp": str(stamp), "X-Cx-Signature": sign(SECRET, stamp, claim())})

    return change


def _tampered(event: dict[str, Any]) -> None:
    event["body"] = event["body"].replace("C-1042", "C-9999")


@pytest.mark.parametrize(
    "spoil",
    [
        _missing_signature,
        _missing_timestamp,
        _wrong_secret,
        _resigned_at(STAMP - 301),
        _resigned_at(STAMP + 301),
        _tampered,
        _resigned_at("²"),
    ],
    ids=[
        "no-signature",
        "no-timestamp",
        "wrong-secret",
        "301s-old",
        "301s-future",
        "tampered",
        "odd-timestamp",
    ],
)
def test_a_bad_signature_is_401_with_nothing_stored_or_queued(ports: Ports, spoil: Any) -> None:
    event = signed_post(claim(), timestamp=STAMP)
    spoil(event)
    answer = post(ports, event)
    assert answer["statusCode"] == 401
    assert body_of(answer)["error"]["code"] == "unauthorized"
    assert header_of(answer, "WWW-Authenticate") == "Bearer"
    assert_nothing_stored_or_queued(ports.aws)


def _drop(*path: str) -> Any:
    def change(event: dict[str, Any]) -> None:
        target = event
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


def _set(*path: str, value: Any) -> Any:
    def change(event: dict[str, Any]) -> None:
        target = event
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        (_drop("customer", "id"), ["customer.id"]),
        (_drop("touchpoint", "id"), ["touchpoint.id"]),
        (_drop("occurred_at"), ["occurred_at"]),
        (_drop("event_id"), ["event_id"]),
        (_set("customer", "email", value="ana@"), ["customer.email"]),
        (_set("customer", "phone", value="0991234567"), ["customer.phone"]),
        (_set("customer", "timezone", value="Mars/Olympus"), ["customer.timezone"]),
        (_set("occurred_at", value="2026-11-20T10:15:00"), ["occurred_at"]),
        (_set("unexpected", value=1), ["unexpected"]),
    ],
    ids=[
        "customer.id",
        "touchpoint.id",
        "occurred_at",
        "event_id",
        "email",
        "phone",
        "timezone",
        "naive",
        "extra",
    ],
)
def test_an_invalid_event_is_400_naming_the_field_with_nothing_stored(
    ports: Ports, change: Any, fields: list[str]
) -> None:
    document = load_event("erp/claim_reported")
    change(document)
    body = json.dumps(document).encode()
    answer = post(ports, signed_post(body, timestamp=STAMP))
    assert answer["statusCode"] == 400
    error = body_of(answer)["error"]
    assert error["code"] == "validation_error" and error["message"]
    assert [d["field"] for d in error["details"]] == fields
    assert all(d["problem"] for d in error["details"])
    assert_nothing_stored_or_queued(ports.aws)


def test_no_contact_at_all_is_400_naming_customer(ports: Ports) -> None:
    document = load_event("erp/claim_reported")
    del document["customer"]["email"], document["customer"]["phone"]
    answer = post(ports, signed_post(json.dumps(document).encode(), timestamp=STAMP))
    assert answer["statusCode"] == 400
    assert [d["field"] for d in body_of(answer)["error"]["details"]] == ["customer"]


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b"", b"[" * 50_000],
    ids=["malformed", "not-an-object", "empty", "deeply-nested"],
)
def test_a_body_that_is_not_an_event_object_is_400_naming_body(ports: Ports, body: bytes) -> None:
    answer = post(ports, signed_post(body, timestamp=STAMP))
    assert answer["statusCode"] == 400
    error = body_of(answer)["error"]
    assert error["code"] == "validation_error"
    assert [d["field"] for d in error["details"]] == ["body"]
    assert_nothing_stored_or_queued(ports.aws)


def test_a_body_over_256_kb_is_413_before_anything_else(ports: Ports) -> None:
    document = load_event("erp/claim_reported")
    document["attributes"] = {"notes": "x" * MAX_BODY_BYTES}
    body = json.dumps(document).encode()
    answer = post(ports, signed_post(body, timestamp=STAMP))  # correctly signed
    assert answer["statusCode"] == 413
    assert body_of(answer)["error"]["code"] == "payload_too_large"
    assert_nothing_stored_or_queued(ports.aws)


# --- the real Lambda handler -------------------------------------------------------------


def test_handler_accepts_once_and_answers_repeats_with_the_same_id(lambda_env: LocalAws) -> None:
    first = invoke("capture_event", signed_post(claim()))
    again = invoke("capture_event", signed_post(claim()))

    assert (first["statusCode"], again["statusCode"]) == (202, 200)
    assert body_of(first) == body_of(again) == {"interaction_id": CLAIM_ID, "status": "accepted"}
    one(scan(lambda_env, "interactions"))
    message = one({m["Body"] for m in lambda_env.drain("dispatch")})
    assert json.loads(message)["event"]["event_id"] == "claim-2026-000123"


def test_handler_reads_the_rotating_secrets_from_its_environment(lambda_env: LocalAws) -> None:
    assert invoke("capture_event", signed_post(claim(), secret=PREVIOUS_SECRET))["statusCode"] == 202
    assert invoke("capture_event", signed_post(claim(event_id="e-2"), secret="stranger"))["statusCode"] == 401


def test_handler_refuses_bad_input_without_a_5xx(lambda_env: LocalAws) -> None:
    unsigned = with_headers(signed_post(claim()), **{"X-Cx-Signature": None})
    assert invoke("capture_event", unsigned)["statusCode"] == 401
    invalid = invoke("capture_event", signed_post(claim(occurred_at=12345)))
    assert invalid["statusCode"] == 400
    assert body_of(invalid)["error"]["details"][0]["field"] == "occurred_at"
    too_big = invoke("capture_event", signed_post(claim(attributes={"n": "x" * MAX_BODY_BYTES})))
    assert too_big["statusCode"] == 413
    assert_nothing_stored_or_queued(lambda_env)
