"""Each Lambda's real `handler` against moto, fed real-shaped API Gateway and SQS
events from events/, chained step to step, with SQS's redeliveries."""

from __future__ import annotations

import importlib
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from moto.backends import get_backend

from cxloop.adapters import aws as aws_clients
from cxloop.adapters.dynamo import DynamoAggregateStore
from cxloop.config import settings
from cxloop.domain.signature import sign
from infra.local.context import LocalLambdaContext
from infra.local.defaults import ACCOUNT_ID, REGION, SENDER_ADDRESS
from infra.pipeline import PIPELINE
from tests.conftest import LocalAws
from tests.helpers import event_bytes, load_event

SECRET = "integration-secret"
HANDLERS = {f.name: importlib.import_module(f.handler_module) for f in PIPELINE.functions}


def clear_caches() -> None:
    """Handlers build their ports once per cold start; each test is a new cold start."""
    settings.cache_clear()
    aws_clients.client.cache_clear()
    for module in HANDLERS.values():
        for name in ("_app", "_step"):
            if hasattr(module, name):
                getattr(module, name).cache_clear()


@pytest.fixture
def lambda_env(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalAws]:
    for name, value in aws.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint)
    monkeypatch.setenv("CXLOOP_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://cx.segurosandinos.example")
    monkeypatch.setenv("SENDER_ADDRESS", SENDER_ADDRESS)
    clear_caches()
    yield aws
    clear_caches()


def invoke(function: str, event: dict[str, Any]) -> dict[str, Any]:
    spec = PIPELINE.function(function)
    context = LocalLambdaContext(spec.name, spec.timeout_s, spec.memory_mb)
    return dict(HANDLERS[function].handler(event, context))


def webhook(body: bytes) -> dict[str, Any]:
    event = load_event("apigw/post_event")
    stamp = str(int(time.time()))
    event["headers"] |= {"X-Cx-Timestamp": stamp, "X-Cx-Signature": sign(SECRET, stamp, body)}
    event["body"] = body.decode()
    return event


def as_sqs(*messages: dict[str, Any]) -> dict[str, Any]:
    """Messages drained from a queue, presented as the event source mapping would."""
    template = load_event("sqs/one_record")["Records"][0]
    records = []
    for message in messages:
        record = json.loads(json.dumps(template))
        record["messageId"] = message["MessageId"]
        record["body"] = message["Body"]
        record["messageAttributes"]["correlation_id"]["stringValue"] = message["MessageAttributes"][
            "correlation_id"
        ]["StringValue"]
        records.append(record)
    return {"Records": records}


def emails() -> list[Any]:
    return list(get_backend("ses")[ACCOUNT_ID][REGION].sent_messages)


def notifications(aws: LocalAws) -> list[Any]:
    return list(get_backend("sns")[ACCOUNT_ID][REGION].topics[aws.topic_arn("alerts")].sent_notifications)


def test_the_loop_through_every_handler_with_redeliveries(lambda_env: LocalAws) -> None:
    aws = lambda_env
    accepted = invoke("capture_event", webhook(event_bytes("erp/claim_reported")))
    assert accepted["statusCode"] == 202
    (dispatch,) = aws.drain("dispatch")

    assert invoke("send_survey", as_sqs(dispatch)) == {"batchItemFailures": []}
    assert invoke("send_survey", as_sqs(dispatch)) == {"batchItemFailures": []}  # SQS redelivers
    (email,) = emails()
    assert email.destinations["ToAddresses"] == ["ana@example.com"]
    token = re.search(r"/s/([A-Za-z0-9_-]{43})", email.body).group(1)  # type: ignore[union-attr]
    assert token not in json.dumps(aws.clients["dynamodb"].scan(TableName=aws.table("invitations"))["Items"])

    survey = load_event("apigw/survey_post")
    survey["path"] = f"/s/{token}"
    survey["pathParameters"] = {"token": token}
    assert invoke("survey_page", survey)["statusCode"] == 200
    (scored,) = aws.drain("responses")

    for _ in range(2):
        assert invoke("score_response", as_sqs(scored)) == {"batchItemFailures": []}
    branch = DynamoAggregateStore(aws.table("aggregates"), aws.clients["dynamodb"]).read("branch:quito-norte")
    assert (branch.responses, branch.detractors, branch.csat_answers) == (1, 1, 1)
    (ticket_request,) = aws.drain("tickets")

    for _ in range(2):
        assert invoke("open_ticket", as_sqs(ticket_request)) == {"batchItemFailures": []}
    tickets = aws.clients["dynamodb"].scan(TableName=aws.table("tickets"))["Items"]
    assert len(tickets) == 1
    alert_requests = aws.drain("alerts")
    assert alert_requests

    for request in alert_requests:
        assert invoke("push_alert", as_sqs(request)) == {"batchItemFailures": []}
    (alert,) = notifications(aws)
    _, message, subject, attributes, _ = alert
    assert attributes["branch"]["Value"] == "quito-norte" and attributes["severity"]["Value"] == "critical"
    assert "Ana" not in message + subject and "ajustador" not in message

    listed = invoke("tickets_api", load_event("apigw/tickets_list"))
    items = json.loads(listed["body"])["items"]
    assert [t["ticket_id"] for t in items] == [tickets[0]["ticket_id"]["S"]]
    assert items[0]["comment"] == "El ajustador nunca llegó"


def test_a_poison_record_fails_alone(lambda_env: LocalAws) -> None:
    aws = lambda_env
    invoke("capture_event", webhook(event_bytes("erp/branch_visit_sms")))
    (good,) = aws.drain("dispatch")
    poison = dict(good, MessageId="poison-1", Body='{"interaction_id": "no event here"}')
    answer = invoke("send_survey", as_sqs(poison, good))
    assert answer == {"batchItemFailures": [{"itemIdentifier": "poison-1"}]}
    sms = get_backend("sns")[ACCOUNT_ID][REGION].sms_messages
    assert [phone for phone, _ in sms.values()] == ["+12025550143"]


def test_the_staff_api_refuses_a_request_without_claims(lambda_env: LocalAws) -> None:
    request = load_event("apigw/tickets_list")
    request["requestContext"].pop("authorizer")
    answer = invoke("tickets_api", request)
    assert answer["statusCode"] == 401
    assert json.loads(answer["body"])["error"]["code"] == "unauthorized"


def test_unknown_ticket_is_a_json_404(lambda_env: LocalAws) -> None:
    request = load_event("apigw/tickets_list") | {
        "resource": "/v1/tickets/{ticket_id}",
        "path": "/v1/tickets/CX-NOSUCHCASE",
        "pathParameters": {"ticket_id": "CX-NOSUCHCASE"},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
    }
    answer = invoke("tickets_api", request)
    assert answer["statusCode"] == 404
    assert json.loads(answer["body"])["error"]["code"] == "not_found"


def test_the_webhook_handler_refuses_before_storing(lambda_env: LocalAws) -> None:
    aws = lambda_env
    forged = webhook(event_bytes("erp/claim_reported"))
    forged["headers"]["X-Cx-Signature"] = "v1=" + "0" * 64
    assert invoke("capture_event", forged)["statusCode"] == 401
    assert aws.clients["dynamodb"].scan(TableName=aws.table("interactions"))["Count"] == 0
    assert aws.drain("dispatch") == []
