"""Where a send's claim is its record (the default for sends whose answer was lost,
cxloop.adapters.unconfirmed_sends; cxloop.domain.kernel.sends): one write takes the send and
stores what its message needs (the invitation, the opt-out link), a failed send gives the claim
back, and an attempt that died mid-send is taken as having sent. The faults are injected on
purpose."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from cxloop.adapters.optouts import DynamoOptOutLinkStore
from cxloop.adapters.send_log import DynamoSendLog, message_send_log
from cxloop.adapters.unconfirmed_sends import ENV
from cxloop.domain.casework.push_alert import alert_request
from cxloop.domain.kernel.sends import NOT_RECORDED, SendInFlight
from tests.helpers import sample_ticket
from tests.integration.support import NOW, Ports, as_sqs, emails, notifications, redelivered, scan
from tests.integration.test_sends_once import (
    ContactsFailingOnceOnSave,
    alert_step,
    dispatch_message,
)

pytestmark = pytest.mark.usefixtures("permissive_contact_policy")


def records_log(ports: Ports, **options: Any) -> DynamoSendLog:
    return DynamoSendLog(ports.aws.table("idempotency"), ports.db, claims_are_records=True, **options)


@pytest.fixture
def writes(ports: Ports) -> Iterator[Counter[str]]:
    """The DynamoDB writes the step makes, by operation, as the SDK sends them."""
    made: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        if model.name in ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"):
            made[model.name] += 1

    ports.db.meta.events.register("before-call.dynamodb", count)
    yield made
    ports.db.meta.events.unregister("before-call.dynamodb", count)


def survey_step(ports: Ports, **overrides: Any) -> Any:
    optouts = DynamoOptOutLinkStore(ports.aws.table("optouts"), ports.db)
    return ports.consumer("send_survey", ports.send_step(optouts=optouts, **overrides))


def test_a_survey_costs_one_write_to_send_and_one_to_remember(ports: Ports, writes: Counter[str]) -> None:
    message = dispatch_message(ports)
    writes.clear()
    assert survey_step(ports, sends=records_log(ports))(as_sqs(message)) == {"batchItemFailures": []}
    # The claim with the invitation and the opt-out link; then the contact record's decision.
    assert writes == Counter({"TransactWriteItems": 1, "PutItem": 1})
    assert len(scan(ports.aws, "invitations")) == 1
    assert len(scan(ports.aws, "optouts")) == 1
    assert len(emails()) == 1


def test_a_refused_claim_stores_no_invitation_and_sends_nothing(ports: Ports) -> None:
    message = dispatch_message(ports)
    earlier = records_log(ports, clock=lambda: NOW)  # an attempt long gone: its claim lapsed
    key = f"survey#{json.loads(message['Body'])['interaction_id']}#"
    assert earlier.claim(key, facts={"invitation_id": "inv-earlier", "channel": "email"}) is None
    assert survey_step(ports, sends=records_log(ports))(as_sqs(message)) == {"batchItemFailures": []}
    assert scan(ports.aws, "invitations") == []
    assert scan(ports.aws, "optouts") == []
    assert emails() == []


def test_a_survey_step_that_failed_after_sending_does_not_send_again(ports: Ports) -> None:
    contacts = ContactsFailingOnceOnSave(ports.aws.table("contacts"), ports.db)
    now = [NOW]
    log = records_log(ports, clock=lambda: now[0])
    send = survey_step(ports, contacts=contacts, sends=log)
    message = dispatch_message(ports)
    with pytest.raises(BatchProcessingError):
        send(as_sqs(message))
    now[0] += log.claim_for + timedelta(seconds=50)  # SQS redelivers after its visibility timeout
    assert send(as_sqs(redelivered(message))) == {"batchItemFailures": []}
    assert len(emails()) == 1
    assert len(scan(ports.aws, "invitations")) == 1


def test_an_attempt_that_died_mid_send_is_taken_as_having_sent(ports: Ports) -> None:
    """Once its claim lapses it stands as the send's record: the message may be lost, never
    doubled (unconfirmed_sends). A send that failed gives its claim back: test_sends_once.py."""
    now = [NOW]
    dead = records_log(ports, clock=lambda: now[0])
    message = alert_request(sample_ticket(), "detractor")
    assert dead.claim(f"alert#{message['dedupe_key']}") is None  # and the process died
    now[0] = NOW + dead.claim_for + timedelta(minutes=5)
    retry = alert_step(ports, records_log(ports, clock=lambda: now[0]))
    assert retry(message)["message_id"] == NOT_RECORDED
    assert notifications(ports.aws) == []


def test_a_copy_delivered_while_another_attempt_sends_waits_then_finds_it_sent(ports: Ports) -> None:
    """The other attempt may still fail its send and give the claim back: the copy waits for
    the claim to lapse (its retry), then takes the send as made."""
    now = [NOW]
    key = "notice#T-1:acknowledgement"
    assert records_log(ports, clock=lambda: now[0]).claim(key, facts={"channel": "email"}) is None
    copy = records_log(ports, clock=lambda: now[0])
    with pytest.raises(SendInFlight):
        copy.claim(key)
    now[0] += copy.claim_for + timedelta(seconds=1)
    assert copy.claim(key) == {"channel": "email"}


def test_the_deployment_choice_picks_the_kind_of_claim(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    assert message_send_log("idempotency").claims_are_records
    monkeypatch.setenv(ENV, "resend")
    assert not message_send_log("idempotency").claims_are_records
