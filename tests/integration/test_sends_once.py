"""A step that sent and then failed does not send again on retry: each send is recorded right
after it happens and read before sending (cxloop.domain.kernel.sends, the send log in the
idempotency table). The faults are injected on purpose, in the writes that follow the send."""

from __future__ import annotations

from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from cxloop.adapters.contacts import DynamoContactStore
from cxloop.adapters.send_log import DynamoSendLog
from cxloop.consumer import IdempotentStep
from cxloop.domain.casework.push_alert import alert_request
from cxloop.domain.contact.manners import ContactState
from cxloop.domain.kernel.errors import Unavailable
from infra.local.context import LocalLambdaContext
from tests.helpers import sample_ticket
from tests.integration.support import (
    NOW,
    Ports,
    as_sqs,
    claim,
    emails,
    notifications,
    one,
    redelivered,
    resolve,
    signed_post,
)

pytestmark = pytest.mark.usefixtures("permissive_contact_policy")


class ContactsFailingOnceOnSave(DynamoContactStore):
    """The contact-state write after the send fails once, as DynamoDB can after the SDK's retries."""

    failures_left = 1

    def save(self, customer_id: str, state: ContactState, *, expected_version: int) -> None:
        if self.failures_left:
            self.failures_left -= 1
            raise Unavailable("contacts update failed: ThrottlingException")
        super().save(customer_id, state, expected_version=expected_version)


def dispatch_message(ports: Ports) -> dict[str, Any]:
    answer = resolve(
        ports.capture_app(), signed_post(claim(), timestamp=int(NOW.timestamp())), "capture_event"
    )
    assert answer["statusCode"] == 202, answer
    return dict(one(ports.aws.drain("dispatch")))


def send_twice(ports: Ports, sends: DynamoSendLog | None) -> dict[str, Any]:
    """The first attempt fails after its send (the contact write): SQS redelivers."""
    contacts = ContactsFailingOnceOnSave(ports.aws.table("contacts"), ports.db)
    send = ports.consumer("send_survey", ports.send_step(contacts=contacts, sends=sends))
    message = dispatch_message(ports)
    with pytest.raises(BatchProcessingError):
        send(as_sqs(message))
    return send(as_sqs(redelivered(message)))


def test_a_survey_step_that_failed_after_sending_does_not_send_again(ports: Ports) -> None:
    retried = send_twice(ports, DynamoSendLog(ports.aws.table("idempotency"), ports.db))
    assert retried == {"batchItemFailures": []}
    assert one(emails()).destinations["ToAddresses"] == ["ana@example.com"]


def test_without_the_send_log_the_same_retry_sends_twice(ports: Ports) -> None:
    """The control: what the log prevents."""
    send_twice(ports, sends=None)
    assert len(emails()) == 2


class CompletionFailingOnce:
    """The DynamoDB client the idempotency records use: marking the step done fails once."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.failures_left = 1

    def update_item(self, **request: Any) -> Any:
        if self.failures_left:
            self.failures_left -= 1
            raise Unavailable("idempotency update failed: ThrottlingException")
        return self.real.update_item(**request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def test_an_alert_whose_step_could_not_be_marked_done_is_published_once(ports: Ports) -> None:
    step = ports.alert_step(sends=DynamoSendLog(ports.aws.table("idempotency"), ports.db))
    idempotent = IdempotentStep(
        step,
        table_name=ports.aws.table("idempotency"),
        key="dedupe_key",
        dynamodb=CompletionFailingOnce(ports.db),
    )
    message = alert_request(sample_ticket(), "detractor")
    with pytest.raises(Exception, match="success"):
        idempotent(message, LocalLambdaContext("push_alert", timeout_s=0, memory_mb=256))
    # The record the failed attempt left in progress expired with that attempt's time.
    assert idempotent(message, LocalLambdaContext("push_alert", timeout_s=10, memory_mb=256))
    assert len(notifications(ports.aws)) == 1
