"""Channel adapters against what the services accept.

moto implements neither AWS End User Messaging SMS (`pinpoint-sms-voice-v2`) nor Social
(`socialmessaging`), so those are recorded fakes: a botocore Stubber on a real client,
which validates our request against the service model botocore ships, asserts it
exactly, and answers with responses and errors shaped as the model documents them.
SES v2 runs on moto; moto accepts Content.Simple.Headers and ConfigurationSetName but
records neither, so the exact request is asserted with a Stubber too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from pydantic import ValidationError

from cxloop.adapters.end_user_messaging import EumSmsSender
from cxloop.adapters.messaging import SesEmailSender, unsubscribe_headers
from cxloop.adapters.whatsapp import WhatsAppSender, WhatsAppTemplate
from cxloop.domain.contact.messages import EmailMessage
from cxloop.domain.contact.ports import EmailSender, SmsSender
from cxloop.domain.kernel.errors import ChannelRefused, Unavailable
from infra.local.defaults import SENDER_ADDRESS
from tests.conftest import LocalAws
from tests.integration.support import emails, one

POOL = "pool-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
MESSAGE_ID = "862a8790-60c0-4430-9b2b-658bd0e1f2a3"
PHONE_NUMBER_ID = "phone-number-id-0123456789abcdef0123456789abcdef"
UNSUBSCRIBE = "https://cx.segurosandinos.example/u/7Hq2pX"


def stubbed(api: Any) -> Iterator[tuple[Any, Stubber]]:
    """A real client whose calls the Stubber answers; every queued answer must be used."""
    with Stubber(api) as stub:
        yield api, stub
        stub.assert_no_pending_responses()


@pytest.fixture
def sms_api() -> Iterator[tuple[Any, Stubber]]:
    yield from stubbed(boto3.client("pinpoint-sms-voice-v2", region_name="us-east-1"))


@pytest.fixture
def social_api() -> Iterator[tuple[Any, Stubber]]:
    yield from stubbed(boto3.client("socialmessaging", region_name="us-east-1"))


@pytest.fixture
def ses_api() -> Iterator[tuple[Any, Stubber]]:
    yield from stubbed(boto3.client("sesv2", region_name="us-east-1"))


# --- AWS End User Messaging SMS ---------------------------------------------------------


def test_an_sms_goes_out_transactional_from_the_pool_with_the_correlation_id(sms_api: Any) -> None:
    api, stub = sms_api
    stub.add_response(
        "send_text_message",
        {"MessageId": MESSAGE_ID},
        expected_params={
            "DestinationPhoneNumber": "+593991234567",
            "OriginationIdentity": POOL,
            "MessageBody": "Seguros Andinos: ¿qué tal su visita?",
            "MessageType": "TRANSACTIONAL",
            "DryRun": False,
            "ConfigurationSetName": "cxloop-sms",
            "Context": {"correlation_id": "corr-42"},
        },
    )
    sender = EumSmsSender(POOL, configuration_set="cxloop-sms", sms=api)
    sent = sender.send(
        to="+593991234567", text="Seguros Andinos: ¿qué tal su visita?", correlation_id="corr-42"
    )
    assert sent == MESSAGE_ID


def test_without_a_configuration_set_or_correlation_id_neither_is_sent(sms_api: Any) -> None:
    api, stub = sms_api
    stub.add_response(
        "send_text_message",
        {"MessageId": MESSAGE_ID},
        expected_params={
            "DestinationPhoneNumber": "+14255550156",
            "OriginationIdentity": POOL,
            "MessageBody": "How was your visit?",
            "MessageType": "TRANSACTIONAL",
            "DryRun": False,
        },
    )
    sender: SmsSender = EumSmsSender(POOL, sms=api)  # the port dispatch already calls
    assert sender.send(to="+14255550156", text="How was your visit?") == MESSAGE_ID


def add_sms_error(stub: Stubber, code: str, status: int, **fields: str) -> None:
    stub.add_client_error(
        "send_text_message",
        service_error_code=code,
        service_message=f"{code} from the stub",
        http_status_code=status,
        modeled_fields={"Message": f"{code} from the stub", **fields} if fields else None,
    )


def send_sms(api: Any) -> str:
    return EumSmsSender(POOL, sms=api).send(to="+593991234567", text="hola", correlation_id="corr-1")


def test_an_opted_out_number_is_refused_for_good(sms_api: Any) -> None:
    api, stub = sms_api
    add_sms_error(
        stub,
        "ConflictException",
        400,
        Reason="DESTINATION_PHONE_NUMBER_OPTED_OUT",
        ResourceType="opted-out-number",
        ResourceId="+593991234567",
    )
    with pytest.raises(ChannelRefused) as refused:
        send_sms(api)
    assert (refused.value.channel, refused.value.reason, refused.value.opted_out) == (
        "sms",
        "DESTINATION_PHONE_NUMBER_OPTED_OUT",
        True,
    )


@pytest.mark.parametrize(
    ("code", "fields", "reason"),
    [
        ("ValidationException", {"Reason": "DESTINATION_COUNTRY_BLOCKED"}, "DESTINATION_COUNTRY_BLOCKED"),
        (
            "ConflictException",
            {"Reason": "DESTINATION_PHONE_NUMBER_NOT_VERIFIED"},  # the account is in the sandbox
            "DESTINATION_PHONE_NUMBER_NOT_VERIFIED",
        ),
        (
            "ServiceQuotaExceededException",
            {"Reason": "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT"},
            "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT",
        ),
        ("ValidationException", {}, "ValidationException"),
    ],
)
def test_what_a_retry_cannot_fix_is_refused_so_another_channel_is_tried(
    sms_api: Any, code: str, fields: dict[str, str], reason: str
) -> None:
    api, stub = sms_api
    add_sms_error(stub, code, 400 if code != "ServiceQuotaExceededException" else 402, **fields)
    with pytest.raises(ChannelRefused) as refused:
        send_sms(api)
    assert (refused.value.reason, refused.value.opted_out) == (reason, False)


@pytest.mark.parametrize(
    ("code", "status"),
    [("ThrottlingException", 400), ("InternalServerException", 500), ("ResourceNotFoundException", 404)],
)
def test_what_a_retry_or_a_fix_may_cure_is_unavailable(sms_api: Any, code: str, status: int) -> None:
    api, stub = sms_api
    add_sms_error(stub, code, status)
    with pytest.raises(Unavailable, match=code):
        send_sms(api)


# --- AWS End User Messaging Social (WhatsApp) -----------------------------------------


def invitation_template() -> WhatsAppTemplate:
    return WhatsAppTemplate(
        name="survey_invitation",
        languages={"es": "es_EC", "en": "en_US", "pt": "pt_BR"},
        parameters=("place", "url"),
    )


class Captured:
    """The parameters a client call was made with (the Stubber compares; this keeps them)."""

    def __init__(self, api: Any, event: str) -> None:
        self.params: dict[str, Any] = {}
        api.meta.events.register(f"before-parameter-build.{event}", self._keep)

    def _keep(self, params: dict[str, Any], **_: Any) -> None:
        self.params = dict(params)


def test_whatsapp_sends_the_approved_template_in_the_customers_language(social_api: Any) -> None:
    api, stub = social_api
    captured = Captured(api, "socialmessaging.SendWhatsAppMessage")
    stub.add_response(
        "send_whatsapp_message",
        {"messageId": "wamid.HBgMNTkzOTkxMjM0NTY3FQIAERgSRjY1QjQ0"},
        expected_params={
            "originationPhoneNumberId": PHONE_NUMBER_ID,
            "message": ANY,
            "metaApiVersion": "v20.0",
        },
    )
    sender = WhatsAppSender(PHONE_NUMBER_ID, invitation_template(), social=api)
    sent = sender.send(
        to="+593991234567",
        language="es",
        values={"url": "https://cx.segurosandinos.example/s/abc", "place": "Quito Norte"},
    )
    assert sent == "wamid.HBgMNTkzOTkxMjM0NTY3FQIAERgSRjY1QjQ0"
    assert json.loads(captured.params["message"]) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+593991234567",
        "type": "template",
        "template": {
            "name": "survey_invitation",
            "language": {"code": "es_EC"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Quito Norte"},
                        {"type": "text", "text": "https://cx.segurosandinos.example/s/abc"},
                    ],
                }
            ],
        },
    }


def test_a_language_without_an_approved_template_falls_back() -> None:
    message = invitation_template().message(
        to="+33612345678", language="fr", values={"place": "P", "url": "U"}
    )
    assert message["template"]["language"] == {"code": "en_US"}


@pytest.mark.parametrize(
    ("code", "status", "raised"),
    [
        ("ValidationException", 400, ChannelRefused),
        ("InvalidParametersException", 400, ChannelRefused),
        ("ThrottledRequestException", 429, Unavailable),
        ("DependencyException", 502, Unavailable),
    ],
)
def test_whatsapp_errors(social_api: Any, code: str, status: int, raised: type[Exception]) -> None:
    api, stub = social_api
    stub.add_client_error("send_whatsapp_message", service_error_code=code, http_status_code=status)
    sender = WhatsAppSender(PHONE_NUMBER_ID, invitation_template(), social=api)
    with pytest.raises(raised, match=code):
        sender.send(to="+593991234567", language="es", values={"place": "Quito", "url": "https://x/s/a"})


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "Survey Invitation"},  # WhatsApp names are lower case, digits and _
        {"languages": {}},
        {"parameters": ()},
        {"parameters": ("place", "place")},
        {"parameters": ("place", "ticket")},  # not a value we fill
        {"fallback_language": "fr"},  # no approved French template to fall back to
    ],
)
def test_a_template_definition_is_validated(changes: dict[str, Any]) -> None:
    fields: dict[str, Any] = {
        "name": "survey_invitation",
        "languages": {"en": "en_US"},
        "parameters": ("place", "url"),
    }
    with pytest.raises(ValidationError):
        WhatsAppTemplate(**(fields | changes))


def test_a_template_refuses_to_go_out_with_a_value_missing() -> None:
    with pytest.raises(ValueError, match="url"):
        invitation_template().message(to="+593991234567", language="es", values={"place": "Quito"})


# --- SES v2: List-Unsubscribe and the configuration set --------------------------------


def survey_email(unsubscribe_url: str | None) -> EmailMessage:
    return EmailMessage(
        subject="How was your visit?",
        html="<p>Tell us</p>",
        text="Tell us",
        unsubscribe_url=unsubscribe_url,
    )


def test_the_email_carries_one_click_unsubscribe_headers_and_the_configuration_set(ses_api: Any) -> None:
    api, stub = ses_api
    stub.add_response(
        "send_email",
        {"MessageId": "0100019a4c3f1a2b-7c4d1e90-000000"},
        expected_params={
            "FromEmailAddress": SENDER_ADDRESS,
            "Destination": {"ToAddresses": ["ana@example.com"]},
            "Content": {
                "Simple": {
                    "Subject": {"Data": "How was your visit?", "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": "Tell us", "Charset": "UTF-8"},
                        "Html": {"Data": "<p>Tell us</p>", "Charset": "UTF-8"},
                    },
                    "Headers": [
                        {"Name": "List-Unsubscribe", "Value": f"<{UNSUBSCRIBE}>"},
                        {"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"},
                    ],
                }
            },
            "ConfigurationSetName": "cxloop-surveys",
        },
    )
    sender: EmailSender = SesEmailSender(api, configuration_set="cxloop-surveys")
    sender.send(sender=SENDER_ADDRESS, to="ana@example.com", message=survey_email(UNSUBSCRIBE))


def test_without_an_unsubscribe_url_or_set_the_request_is_as_before(ses_api: Any) -> None:
    api, stub = ses_api
    stub.add_response(
        "send_email",
        {"MessageId": "m-1"},
        expected_params={
            "FromEmailAddress": SENDER_ADDRESS,
            "Destination": {"ToAddresses": ["ana@example.com"]},
            "Content": {
                "Simple": {
                    "Subject": {"Data": "How was your visit?", "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": "Tell us", "Charset": "UTF-8"},
                        "Html": {"Data": "<p>Tell us</p>", "Charset": "UTF-8"},
                    },
                }
            },
        },
    )
    SesEmailSender(api).send(sender=SENDER_ADDRESS, to="ana@example.com", message=survey_email(None))


def test_a_plain_http_link_gets_no_one_click_promise() -> None:
    # RFC 8058 one-click requires an HTTPS URI; the local runtime serves plain http.
    assert unsubscribe_headers("http://127.0.0.1:8000/u/abc") == [
        {"Name": "List-Unsubscribe", "Value": "<http://127.0.0.1:8000/u/abc>"}
    ]


@pytest.mark.parametrize("url", ["https://cx.example/u/ñ", "https://cx.example/u/a>\r\nBcc: x@example.com"])
def test_a_header_value_cannot_be_smuggled_in(url: str) -> None:
    with pytest.raises(ValueError, match="ASCII"):
        unsubscribe_headers(url)


def test_moto_sends_the_email_with_headers_and_records_the_content(aws: LocalAws) -> None:
    aws.clients["sesv2"].create_configuration_set(ConfigurationSetName="cxloop-surveys")
    sender = SesEmailSender(aws.clients["sesv2"], configuration_set="cxloop-surveys")
    message_id = sender.send(sender=SENDER_ADDRESS, to="ana@example.com", message=survey_email(UNSUBSCRIBE))
    email = one(emails())
    assert email.id == message_id
    assert (email.subject, email.destinations["ToAddresses"]) == ("How was your visit?", ["ana@example.com"])
