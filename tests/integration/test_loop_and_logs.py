"""One customer through every real Lambda handler, event to alert, with SQS's
redeliveries; the Powertools logs of every step carry one correlation id and no
personal data (docs/ARCHITECTURE.md, Rules every step keeps)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import LocalAws
from tests.integration.support import (
    as_sqs,
    body_of,
    claim,
    emails,
    header_of,
    invoke,
    lapse_claims,
    notifications,
    one,
    redelivered,
    signed_post,
    survey_request,
    tickets_request,
    token_in,
)

# Not about the contact policy: the company published a permissive one (no quiet hours, no
# gap), so surveys go out at once whatever the hour (tests/integration/conftest.py).
pytestmark = pytest.mark.usefixtures("permissive_contact_policy")

CORRELATION_ID = "erp-claims-2026-11-23-0001"
STEPS = {
    "event accepted": "capture_event",
    "survey sent": "send_survey",
    "answers recorded": "survey_page",
    "response scored": "score_response",
    "ticket opened": "open_ticket",
    "alert published": "push_alert",
}
# What the sample event and the sample form post say about Ana.
PERSONAL = ("ana@example.com", "+593991234567", "Ana", "Pérez", "El ajustador nunca llegó", "ajustador")


def deliver_twice(function: str, message: dict[str, Any], queue: str, aws: LocalAws) -> None:
    """The message, then SQS's redelivery of it once its visibility timeout (a minute) passed."""
    assert invoke(function, as_sqs(message, queue=queue)) == {"batchItemFailures": []}
    lapse_claims(aws)
    assert invoke(function, as_sqs(redelivered(message), queue=queue)) == {"batchItemFailures": []}


def asked_twice(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """score_response and open_ticket keep no idempotency record: each delivery queues the same
    request again, and the next step takes effect once (its own key)."""
    first, again = messages
    assert json.loads(again["Body"]) == json.loads(first["Body"])
    return first


def test_one_customer_from_event_to_alert(
    lambda_env: LocalAws, json_logs: Callable[[], list[dict[str, Any]]]
) -> None:
    aws = lambda_env
    accepted = invoke("capture_event", signed_post(claim(), correlation_id=CORRELATION_ID))
    assert accepted["statusCode"] == 202

    deliver_twice("send_survey", one(aws.drain("dispatch")), "dispatch", aws)
    token = token_in(one(emails()).body)

    assert invoke("survey_page", survey_request(token))["statusCode"] == 200
    assert invoke("survey_page", survey_request(token, "apigw/survey_post"))["statusCode"] == 200
    deliver_twice("score_response", one(aws.drain("responses")), "responses", aws)
    deliver_twice("open_ticket", asked_twice(aws.drain("tickets")), "tickets", aws)
    deliver_twice("push_alert", asked_twice(aws.drain("alerts")), "alerts", aws)

    _, message, _, attributes, _ = one(notifications(aws))
    assert attributes["branch"]["Value"] == "quito-norte" and attributes["severity"]["Value"] == "critical"
    (ticket,) = body_of(invoke("tickets_api", tickets_request(branch="quito-norte")))["items"]
    assert ticket["ticket_id"] in message and ticket["correlation_id"] == CORRELATION_ID
    assert ticket["comment"] == "El ajustador nunca llegó"  # staff read it; logs and alerts never

    logs = json_logs()
    steps = {STEPS[line["message"]]: line for line in logs if line["message"] in STEPS}
    assert set(steps) == set(STEPS.values()), [line["message"] for line in logs]
    assert {line["correlation_id"] for line in steps.values()} == {CORRELATION_ID}
    text = json.dumps(logs, ensure_ascii=False)
    for personal in (*PERSONAL, token):
        assert personal not in text, f"{personal!r} leaked into the logs"
    assert all(line["service"] == "cxloop" for line in logs)


def test_without_a_caller_id_the_loop_starts_its_own(
    lambda_env: LocalAws, json_logs: Callable[[], list[dict[str, Any]]]
) -> None:
    answer = invoke("capture_event", signed_post(claim()))
    correlation_id = header_of(answer, "X-Correlation-Id")
    assert correlation_id
    deliver_twice("send_survey", one(lambda_env.drain("dispatch")), "dispatch", lambda_env)

    logs = [line for line in json_logs() if line["message"] in ("event accepted", "survey sent")]
    assert len(logs) == 2 and {line["correlation_id"] for line in logs} == {correlation_id}
