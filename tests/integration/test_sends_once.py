"""A step that sent and then failed does not send again on retry: each send is recorded right
after it happens and claimed before sending (cxloop.domain.kernel.sends, the send log in the
idempotency table). The faults are injected on purpose, in what follows the send."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from cxloop.adapters.contacts import DynamoContactStore
from cxloop.adapters.messaging import SnsAlertPublisher
from cxloop.adapters.send_log import DynamoSendLog
from cxloop.domain.casework.push_alert import alert_request
from cxloop.domain.contact.manners import ContactState
from cxloop.domain.kernel.errors import Unavailable
from cxloop.domain.kernel.sends import SendInFlight
from functions.push_alert import handler as push_alert
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


def dispatch_message(ports: Ports, **event: Any) -> dict[str, Any]:
    """The sample claim event (its fields changed as given), accepted and queued for dispatch."""
    answer = resolve(
        ports.capture_app(), signed_post(claim(**event), timestamp=int(NOW.timestamp())), "capture_event"
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


class AnnouncerFailingOnce:
    """What push_alert does after publishing (the alert.published announcement) fails once."""

    def __init__(self) -> None:
        self.failures_left = 1

    def announce(self, event: Any, *, correlation_id: str) -> None:
        if self.failures_left:
            self.failures_left -= 1
            raise Unavailable("webhooks queue failed: ThrottlingException")


class PublisherFailingOnce:
    def __init__(self, real: Any) -> None:
        self.real = real
        self.failures_left = 1

    def publish(self, alert: Any) -> str:
        if self.failures_left:
            self.failures_left -= 1
            raise Unavailable("sns publish failed: ThrottlingException")
        return str(self.real.publish(alert))


def send_log(ports: Ports) -> DynamoSendLog:
    return DynamoSendLog(ports.aws.table("idempotency"), ports.db)


def alert_step(ports: Ports, log: DynamoSendLog, **deps: Any) -> Any:
    publisher = SnsAlertPublisher(ports.aws.topic_arn("alerts"), ports.aws.clients["sns"])
    fields: dict[str, Any] = {"publisher": publisher, "sends": log, **deps}
    if "publisher" in deps:
        fields["publisher"] = deps["publisher"](publisher)
    return push_alert.create_step(push_alert.Deps(**fields))


def test_an_alert_whose_step_failed_after_publishing_is_published_once(ports: Ports) -> None:
    # No Powertools record in push_alert: the send log's claim alone keeps the publish once.
    step = alert_step(ports, send_log(ports), announcer=AnnouncerFailingOnce())
    message = alert_request(sample_ticket(), "detractor")
    with pytest.raises(Unavailable):
        step(message)
    first = one(notifications(ports.aws))
    assert step(message)["message_id"] == first[0]
    assert len(notifications(ports.aws)) == 1


@pytest.mark.parametrize("claims_are_records", [False, True], ids=["claims lapse", "claims are records"])
def test_a_publish_that_failed_gives_its_claim_back_and_the_retry_publishes(
    ports: Ports, claims_are_records: bool
) -> None:
    log = DynamoSendLog(ports.aws.table("idempotency"), ports.db, claims_are_records=claims_are_records)
    step = alert_step(ports, log, publisher=PublisherFailingOnce)
    message = alert_request(sample_ticket(), "detractor")
    with pytest.raises(Unavailable):
        step(message)
    assert notifications(ports.aws) == []
    step(message)
    assert len(notifications(ports.aws)) == 1


def test_a_copy_delivered_while_another_attempt_sends_waits_for_the_claim(ports: Ports) -> None:
    """Two copies of one message at once (SQS may deliver twice): the second finds the first's
    claim and is retried; should the first attempt die mid-send, its claim lapses."""
    message = alert_request(sample_ticket(), "detractor")
    now = [NOW]
    log = DynamoSendLog(ports.aws.table("idempotency"), ports.db, clock=lambda: now[0])
    assert log.claim(f"alert#{message['dedupe_key']}") is None  # the other attempt, mid-send
    with pytest.raises(SendInFlight):
        alert_step(ports, log)(message)
    assert notifications(ports.aws) == []
    now[0] = NOW + log.claim_for + timedelta(seconds=1)  # that attempt died: its claim lapsed
    alert_step(ports, log)(message)
    alert_step(ports, log)(message)
    assert len(notifications(ports.aws)) == 1


def test_an_attempt_gives_back_only_its_own_claim(ports: Ports) -> None:
    # A's claim lapsed and B claimed the send; A's failure must not free B's claim.
    now = [NOW]
    first = DynamoSendLog(ports.aws.table("idempotency"), ports.db, clock=lambda: now[0])
    second = DynamoSendLog(ports.aws.table("idempotency"), ports.db, clock=lambda: now[0])
    assert first.claim("alert#k") is None
    now[0] = NOW + first.claim_for + timedelta(seconds=1)
    assert second.claim("alert#k") is None
    first.release("alert#k")
    third = DynamoSendLog(ports.aws.table("idempotency"), ports.db, clock=lambda: now[0])
    with pytest.raises(SendInFlight):
        third.claim("alert#k")
    second.record("alert#k", {"message_id": "m-1"})
    assert third.claim("alert#k") == {"message_id": "m-1"}
