"""The local runtime's fake of End User Messaging SMS and Social, driven by the real
adapters over HTTP through boto3's service-specific endpoint variables, so the fake is
held to the wire protocol botocore speaks (awsJson1_0 and restJson1)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from cxloop.adapters.end_user_messaging import EumSmsSender
from cxloop.adapters.whatsapp import WhatsAppSender, WhatsAppTemplate
from cxloop.domain.kernel.errors import ChannelRefused
from infra.local import defaults
from infra.local.fake_channels import SMS_PATH, SOCIAL_PATH, FakeChannels
from infra.local.runtime import free_port

OPTED_OUT, NOT_ON_WHATSAPP, REACHABLE = "+593990000001", "+593990000002", "+593991234567"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeChannels, str]]:
    channels = FakeChannels(opted_out_sms=[OPTED_OUT], refused_whatsapp=[NOT_ON_WHATSAPP])

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        answer = channels.handle(Request(environ)) or Response("no", status=404)
        return answer(environ, start_response)

    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    # The variables the local runtime sets: boto3 reads them when the client is created.
    monkeypatch.setenv("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", base + SMS_PATH)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SOCIALMESSAGING", base + SOCIAL_PATH)
    yield channels, base
    server.shutdown()


def client(service: str) -> Any:
    session: Any = boto3.session.Session(
        aws_access_key_id="local", aws_secret_access_key="local", region_name=defaults.REGION
    )
    return session.client(service)


def sms() -> EumSmsSender:
    return EumSmsSender("pool-local", configuration_set="cx-sms", sms=client("pinpoint-sms-voice-v2"))


def whatsapp() -> WhatsAppSender:
    template = WhatsAppTemplate.model_validate(defaults.WHATSAPP_TEMPLATE)
    return WhatsAppSender(defaults.WHATSAPP_PHONE_NUMBER_ID, template, social=client("socialmessaging"))


def test_an_eum_sms_is_recorded_with_its_pool_and_answered_with_a_message_id(
    fake: tuple[FakeChannels, str],
) -> None:
    _channels, base = fake
    message_id = sms().send(to=REACHABLE, text="hola https://cx.example/s/abc", correlation_id="c-1")
    recorded = requests.get(f"{base}/_local/channels", timeout=5).json()
    assert [r["message_id"] for r in recorded] == [message_id]
    entry = recorded[0]
    assert (entry["channel"], entry["to"], entry["origination"]) == ("sms", REACHABLE, "pool-local")
    assert entry["configuration_set"] == "cx-sms" and entry["context"] == {"correlation_id": "c-1"}
    assert entry["survey_url"] == "https://cx.example/s/abc"


def test_an_opted_out_number_is_refused_as_the_service_documents(fake: tuple[FakeChannels, str]) -> None:
    channels, _base = fake
    with pytest.raises(ChannelRefused) as refused:
        sms().send(to=OPTED_OUT, text="hola")
    assert refused.value.opted_out and refused.value.reason == "DESTINATION_PHONE_NUMBER_OPTED_OUT"
    assert channels.sent == []


def test_a_whatsapp_template_is_recorded_with_its_parameters(fake: tuple[FakeChannels, str]) -> None:
    channels, _base = fake
    values = {"place": "Claims desk", "url": "https://cx.example/s/T0k3n", "name": "Ana", "brand": "cx"}
    message_id = whatsapp().send(to=REACHABLE, language="es", values=values)
    entry = channels.sent[0]
    assert entry["message_id"] == message_id and entry["channel"] == "whatsapp"
    assert entry["template"] == defaults.WHATSAPP_TEMPLATE["name"] and entry["language"] == "es_EC"
    assert entry["origination"] == defaults.WHATSAPP_PHONE_NUMBER_ID
    assert "Claims desk" in entry["parameters"] and entry["survey_url"] == values["url"]


def test_a_number_whatsapp_does_not_reach_is_a_refusal_dispatch_can_fall_back_from(
    fake: tuple[FakeChannels, str],
) -> None:
    channels, base = fake
    values = {"place": "Claims desk", "url": "https://cx.example/s/T0k3n", "name": "Ana", "brand": "cx"}
    with pytest.raises(ChannelRefused) as refused:
        whatsapp().send(to=NOT_ON_WHATSAPP, language="es", values=values)
    assert (refused.value.channel, refused.value.reason, refused.value.opted_out) == (
        "whatsapp",
        "ValidationException",
        False,
    )
    # Refusals can be added while the runtime runs (the demo and e2e tests do).
    added = requests.post(
        f"{base}/_local/channels/refusals", json={"channel": "whatsapp", "to": REACHABLE}, timeout=5
    )
    assert added.status_code == 200
    with pytest.raises(ChannelRefused):
        whatsapp().send(to=REACHABLE, language="es", values=values)
    assert channels.sent == []
