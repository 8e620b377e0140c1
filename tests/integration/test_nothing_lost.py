"""Faults injected on purpose: a dependency that fails once must lose nothing.

Each fake wraps the real moto-backed adapter and fails its first call the way AWS
can (throttling, a network blip); everything else is real."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from cxloop.adapters.messaging import SesEmailSender, SqsQueue
from cxloop.domain.contact.messages import EmailMessage
from cxloop.domain.kernel.errors import Unavailable
from cxloop.domain.kernel.events import interaction_id_for
from tests.integration.support import (
    NOW,
    Ports,
    as_sqs,
    body_of,
    claim,
    emails,
    header_of,
    one,
    resolve,
    scan,
    seed_invitation,
    signed_post,
    survey_request,
)

# Not about the contact policy: the company published a permissive one (no quiet hours, no
# gap), so surveys go out at once whatever the hour (tests/integration/conftest.py).
pytestmark = pytest.mark.usefixtures("permissive_contact_policy")

STAMP = int(NOW.timestamp())


class QueueFailingOnce:
    """A queue whose first send fails as SQS can (throttling, network)."""

    def __init__(self, real: SqsQueue) -> None:
        self.real = real
        self.failures_left = 1

    def send(self, body: Mapping[str, object], *, correlation_id: str) -> None:
        if self.failures_left:
            self.failures_left -= 1
            raise Unavailable("sqs send failed: ThrottlingException")
        self.real.send(body, correlation_id=correlation_id)


class EmailFailingOnce:
    """SES refusing the first send (a throttle); later sends go through to moto."""

    def __init__(self, real: SesEmailSender) -> None:
        self.real = real
        self.failures_left = 1

    def send(self, *, sender: str, to: str, message: EmailMessage) -> str:
        if self.failures_left:
            self.failures_left -= 1
            raise Unavailable("ses send_email failed: TooManyRequestsException")
        return self.real.send(sender=sender, to=to, message=message)


def test_a_dispatch_failure_answers_503_and_the_erps_retry_dispatches(ports: Ports) -> None:
    app = ports.capture_app(dispatch=QueueFailingOnce(ports.queue("dispatch")))

    failed = resolve(app, signed_post(claim(), timestamp=STAMP), "capture_event")
    assert failed["statusCode"] == 503
    assert body_of(failed)["error"]["code"] == "unavailable"
    assert ports.aws.drain("dispatch") == []
    # Stored, with no mark of its hand-off: a repeat hands the stored interaction on again.
    assert set(one(scan(ports.aws, "interactions"))) == {
        "interaction_id",
        "doc",
        "expires_at",
        "customer_key",
        "received_at",
    }

    retried = resolve(app, signed_post(claim(), timestamp=STAMP + 30), "capture_event")
    # The first attempt kept the event, so this is a repeat for the ERP (a success either way).
    assert retried["statusCode"] == 200
    assert body_of(retried)["interaction_id"] == interaction_id_for("erp-claims", "claim-2026-000123")
    message = one(ports.aws.drain("dispatch"))
    assert json.loads(message["Body"])["event"]["event_id"] == "claim-2026-000123"

    repeat = resolve(app, signed_post(claim(), timestamp=STAMP + 60), "capture_event")
    assert repeat["statusCode"] == 200
    again = one(ports.aws.drain("dispatch"))
    assert again["Body"] == message["Body"], "every repeat hands on the same stored interaction"
    # send_survey is idempotent on the interaction: the second message sends nothing.
    send = ports.consumer("send_survey", ports.send_step())
    assert send(as_sqs(message, again)) == {"batchItemFailures": []}
    assert send(as_sqs(again)) == {"batchItemFailures": []}
    assert one(emails()).destinations["ToAddresses"] == ["ana@example.com"]


def test_a_failed_send_is_retried_by_sqs_and_then_sent_once(ports: Ports) -> None:
    resolve(ports.capture_app(), signed_post(claim(), timestamp=STAMP), "capture_event")
    message = one(ports.aws.drain("dispatch"))
    email = EmailFailingOnce(SesEmailSender(ports.aws.clients["sesv2"]))
    send = ports.consumer("send_survey", ports.send_step(email=email))

    # A batch whose every record failed fails the invocation: SQS makes it visible again.
    with pytest.raises(BatchProcessingError):
        send(as_sqs(message))
    assert emails() == []
    # Powertools released the key on failure, so SQS's retry is not taken for a duplicate.
    assert send(as_sqs(message)) == {"batchItemFailures": []}
    assert send(as_sqs(message)) == {"batchItemFailures": []}
    assert one(emails()).destinations["ToAddresses"] == ["ana@example.com"]


def test_a_failed_enqueue_shows_a_retry_page_and_the_resubmission_queues_it(ports: Ports) -> None:
    token = seed_invitation(ports)
    app = ports.survey_app(scoring=QueueFailingOnce(ports.queue("responses")))
    form = survey_request(token, "apigw/survey_post", "nps=2&comment=Nadie+me+llam%C3%B3")

    first = resolve(app, form, "survey_page")
    assert first["statusCode"] == 503
    assert header_of(first, "Content-Type") == "text/html; charset=utf-8"
    assert "Intente de nuevo" in first["body"]
    assert ports.aws.drain("responses") == []

    again = resolve(app, form, "survey_page")
    assert again["statusCode"] == 409
    queued = one(ports.aws.drain("responses"))
    assert json.loads(queued["Body"])["answers"] == {"nps": 2, "comment": "Nadie me llamó"}

    # Still unscored, so a third post hands it on again; once scored, nothing more.
    third = resolve(app, form, "survey_page")
    assert third["statusCode"] == 409
    assert one(ports.aws.drain("responses"))["Body"] == queued["Body"]
    ports.score_step()(json.loads(queued["Body"]))
    assert resolve(app, form, "survey_page")["statusCode"] == 409
    assert ports.aws.drain("responses") == [], "once scored, a resubmission queues nothing more"


def test_a_failed_enqueue_of_a_json_answer_is_a_503_the_app_can_retry(ports: Ports) -> None:
    token = seed_invitation(ports)
    app = ports.survey_app(scoring=QueueFailingOnce(ports.queue("responses")))
    posted = survey_request(token, "apigw/survey_post_json", '{"answers": {"nps": 4}}')

    first = resolve(app, posted, "survey_page")
    assert first["statusCode"] == 503 and body_of(first)["error"]["code"] == "unavailable"
    assert resolve(app, posted, "survey_page")["statusCode"] == 409
    assert json.loads(one(ports.aws.drain("responses"))["Body"])["answers"] == {"nps": 4}
