"""Faults injected on purpose: a queue that fails once must lose nothing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cxloop.adapters.dynamo import DynamoInvitationStore, DynamoResponseStore
from cxloop.adapters.messaging import SqsQueue
from cxloop.domain.dispatch import SendSettings, send_survey
from cxloop.domain.errors import Unavailable
from cxloop.domain.events import Interaction, interaction_id_for, parse_event
from functions.survey_page.handler import Deps, create_app
from infra.local.context import LocalLambdaContext
from tests.conftest import LocalAws
from tests.helpers import event_bytes

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CONTEXT: Any = LocalLambdaContext("survey_page", 10, 512)


class FailsOnce:
    """A queue whose first send fails the way SQS can (throttling, network)."""

    def __init__(self, real: SqsQueue) -> None:
        self.real = real
        self.failures_left = 1

    def send(self, body: Mapping[str, object], *, correlation_id: str) -> None:
        if self.failures_left:
            self.failures_left -= 1
            raise Unavailable("sqs send failed: ThrottlingException")
        self.real.send(body, correlation_id=correlation_id)


class Outbox:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, **message: object) -> str:
        self.sent.append(json.dumps(message, default=str))
        return "id"


def invite(aws: LocalAws) -> str:
    """A real invitation in moto; answers its token."""
    event = parse_event(event_bytes("erp/claim_reported"))
    interaction = Interaction(
        interaction_id=interaction_id_for(event.source, event.event_id),
        correlation_id="corr-nothing-lost",
        received_at=NOW,
        event=event,
    )
    sent = send_survey(
        interaction,
        now=NOW,
        settings=SendSettings("http://cx.test", "surveys@cxloop.local", 14),
        invitations=DynamoInvitationStore(aws.table("invitations"), aws.clients["dynamodb"]),
        email=Outbox(),
        sms=Outbox(),
    )
    return sent.token


def form_post(token: str) -> dict[str, object]:
    return {
        "httpMethod": "POST",
        "path": f"/s/{token}",
        "resource": "/s/{token}",
        "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        "pathParameters": {"token": token},
        "requestContext": {"stage": "test", "requestId": "r-1"},
        "body": "nps=2&comment=Nadie+me+llam%C3%B3",
        "isBase64Encoded": False,
    }


def test_a_failed_enqueue_shows_a_retry_page_and_the_resubmission_requeues(aws: LocalAws) -> None:
    token = invite(aws)
    scoring = FailsOnce(SqsQueue(aws.queue_url("responses"), aws.clients["sqs"]))
    app = create_app(
        Deps(
            invitations=DynamoInvitationStore(aws.table("invitations"), aws.clients["dynamodb"]),
            responses=DynamoResponseStore(
                aws.table("responses"), aws.table("invitations"), aws.clients["dynamodb"]
            ),
            scoring=scoring,
            clock=lambda: NOW,
        )
    )

    first = app.resolve(form_post(token), CONTEXT)
    assert first["statusCode"] == 503
    assert "text/html" in first["multiValueHeaders"]["Content-Type"][0]
    assert "Intente de nuevo" in first["body"]
    assert aws.drain("responses") == []

    again = app.resolve(form_post(token), CONTEXT)
    assert again["statusCode"] == 409
    queued = aws.drain("responses")
    assert len(queued) == 1
    assert json.loads(queued[0]["Body"])["answers"] == {"nps": 2, "comment": "Nadie me llamó"}

    third = app.resolve(form_post(token), CONTEXT)
    assert third["statusCode"] == 409
    assert aws.drain("responses") == [], "once queued, a resubmission queues nothing more"
