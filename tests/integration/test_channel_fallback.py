"""send_survey's fallback across channels against moto (SES, SNS, DynamoDB) and recorded
fakes of End User Messaging (a botocore Stubber on the real clients): a refusal moves the
survey to the next channel with the decision and its reason kept on the contact record, an
opt-out refusal suppresses the number, all refused settles the message as blocked, and a
throttled channel goes back to SQS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.stub import ANY, Stubber

from cxloop.adapters.end_user_messaging import EumSmsSender
from cxloop.adapters.whatsapp import WhatsAppSender, WhatsAppTemplate
from infra.local import defaults
from tests.integration.support import (
    NOW,
    Ports,
    as_sqs,
    claim,
    emails,
    one,
    resolve,
    scan,
    signed_post,
    text_messages,
)

# Not about the contact policy: the company published a permissive one (no quiet hours, no
# gap), so surveys go out at once whatever the hour (tests/integration/conftest.py).
pytestmark = pytest.mark.usefixtures("permissive_contact_policy")

PHONE = "+593991234567"
POOL = "pool-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
CUSTOMER = "C-1042"


def dispatched(ports: Ports, **customer: Any) -> dict[str, Any]:
    event = json.loads(claim())
    event["customer"].update(customer)
    body = json.dumps(event, ensure_ascii=False).encode()
    answer = resolve(ports.capture_app(), signed_post(body, timestamp=int(NOW.timestamp())), "capture_event")
    assert answer["statusCode"] == 202, answer
    return dict(one(ports.aws.drain("dispatch")))


@pytest.fixture
def social() -> Iterator[tuple[WhatsAppSender, Stubber]]:
    api = boto3.client("socialmessaging", region_name=defaults.REGION)
    template = WhatsAppTemplate.model_validate(defaults.WHATSAPP_TEMPLATE)
    with Stubber(api) as stub:
        yield WhatsAppSender(defaults.WHATSAPP_PHONE_NUMBER_ID, template, social=api), stub
        stub.assert_no_pending_responses()


@pytest.fixture
def eum() -> Iterator[tuple[EumSmsSender, Stubber]]:
    api = boto3.client("pinpoint-sms-voice-v2", region_name=defaults.REGION)
    with Stubber(api) as stub:
        yield EumSmsSender(POOL, sms=api), stub
        stub.assert_no_pending_responses()


def refuse(stub: Stubber, operation: str, code: str, **fields: str) -> None:
    stub.add_client_error(operation, service_error_code=code, http_status_code=400, modeled_fields=fields)


def last_decision(ports: Ports) -> Any:
    return ports.contacts().load(CUSTOMER).decisions[-1]


def test_whatsapp_refusing_the_number_moves_the_survey_to_sms(
    ports: Ports, social: tuple[WhatsAppSender, Stubber]
) -> None:
    whatsapp, stub = social
    refuse(stub, "send_whatsapp_message", "ValidationException", message="not a WhatsApp user")
    message = dispatched(ports, preferred_channel="whatsapp")
    send = ports.consumer("send_survey", ports.send_step(whatsapp=whatsapp))

    assert send(as_sqs(message)) == {"batchItemFailures": []}

    (phone, text) = one(text_messages())
    assert phone == PHONE and "/s/" in text
    decision = last_decision(ports)
    assert (decision.action, decision.reason, decision.channel) == ("send", "rerouted_fallback", "sms")
    assert decision.detail == "whatsapp refused: ValidationException"
    assert ports.contacts().load(CUSTOMER).memory.suppressed == frozenset()
    # Two invitations: the refused one is settled ("refused") so no reminder follows it; the
    # one the customer got on SMS still waits for its reminder.
    invitations = [i for i in scan(ports.aws, "invitations") if "doc" in i]
    by_channel = {json.loads(i["doc"]["S"])["channel"]: i for i in invitations}
    assert by_channel["whatsapp"]["reminder"] == {"S": "refused"} and "sent_day" not in by_channel["whatsapp"]
    assert "reminder" not in by_channel["sms"] and "sent_day" in by_channel["sms"]


def test_whatsapp_carries_the_survey_when_it_accepts(
    ports: Ports, social: tuple[WhatsAppSender, Stubber]
) -> None:
    whatsapp, stub = social
    expected = {
        "originationPhoneNumberId": defaults.WHATSAPP_PHONE_NUMBER_ID,
        "message": ANY,
        "metaApiVersion": ANY,
    }
    stub.add_response("send_whatsapp_message", {"messageId": "wamid-1"}, expected)
    message = dispatched(ports, preferred_channel="whatsapp")
    send = ports.consumer("send_survey", ports.send_step(whatsapp=whatsapp))

    assert send(as_sqs(message)) == {"batchItemFailures": []}

    decision = last_decision(ports)
    assert (decision.reason, decision.channel) == ("send", "whatsapp")
    assert text_messages() == [] and emails() == []


def test_an_opted_out_number_falls_back_to_email_and_is_suppressed(
    ports: Ports, eum: tuple[EumSmsSender, Stubber]
) -> None:
    sms, stub = eum
    refuse(stub, "send_text_message", "ConflictException", Reason="DESTINATION_PHONE_NUMBER_OPTED_OUT")
    message = dispatched(ports, preferred_channel="sms")
    send = ports.consumer("send_survey", ports.send_step(sms=sms))

    assert send(as_sqs(message)) == {"batchItemFailures": []}

    assert one(emails()).destinations["ToAddresses"] == ["ana@example.com"]
    decision = last_decision(ports)
    assert (decision.reason, decision.channel) == ("rerouted_fallback", "email")
    assert decision.detail == "sms refused: DESTINATION_PHONE_NUMBER_OPTED_OUT"
    assert ports.contacts().load(CUSTOMER).memory.suppressed == frozenset({PHONE})


def test_when_every_channel_refuses_the_message_is_settled_as_blocked(
    ports: Ports, eum: tuple[EumSmsSender, Stubber], social: tuple[WhatsAppSender, Stubber]
) -> None:
    sms, sms_stub = eum
    whatsapp, social_stub = social
    refuse(social_stub, "send_whatsapp_message", "ValidationException", message="no")
    refuse(sms_stub, "send_text_message", "ConflictException", Reason="DESTINATION_COUNTRY_BLOCKED")
    message = dispatched(ports, preferred_channel="whatsapp", email=None)
    send = ports.consumer("send_survey", ports.send_step(sms=sms, whatsapp=whatsapp))

    # Settled, not retried: SQS would only hear the same refusals again.
    assert send(as_sqs(message)) == {"batchItemFailures": []}

    decision = last_decision(ports)
    assert (decision.action, decision.reason, decision.channel) == ("block", "blocked_suppressed", None)
    assert (
        decision.detail == "whatsapp refused: ValidationException; sms refused: DESTINATION_COUNTRY_BLOCKED"
    )
    assert text_messages() == [] and emails() == []


def test_a_throttled_channel_goes_back_to_sqs_without_a_decision(
    ports: Ports, social: tuple[WhatsAppSender, Stubber]
) -> None:
    whatsapp, stub = social
    stub.add_client_error(
        "send_whatsapp_message", service_error_code="ThrottledRequestException", http_status_code=429
    )
    message = dispatched(ports, preferred_channel="whatsapp")
    send = ports.consumer("send_survey", ports.send_step(whatsapp=whatsapp))

    # The only record failed, so the whole batch does: SQS redelivers it after the timeout.
    with pytest.raises(BatchProcessingError, match="ThrottledRequestException"):
        send(as_sqs(message))

    assert ports.contacts().load(CUSTOMER).decisions == ()
    assert text_messages() == [] and emails() == []
