"""Channel settings, validated at cold start: which SMS provider, whether WhatsApp is
offered, and the short base URL for links on phones."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from cxloop.adapters.channels import sms_sender, whatsapp_sender
from cxloop.adapters.end_user_messaging import EumSmsSender
from cxloop.adapters.messaging import SnsSmsSender
from cxloop.adapters.whatsapp import WhatsAppSender
from cxloop.config import settings_from
from infra.local import defaults

WHATSAPP = {
    "CXLOOP_WHATSAPP_PHONE_NUMBER_ID": defaults.WHATSAPP_PHONE_NUMBER_ID,
    "CXLOOP_WHATSAPP_TEMPLATE": json.dumps(defaults.WHATSAPP_TEMPLATE),
}


def test_by_default_sms_goes_by_sns_and_whatsapp_is_not_offered() -> None:
    config = settings_from({})
    assert isinstance(sms_sender(config), SnsSmsSender)
    assert whatsapp_sender(config) is None
    assert config.send_settings().short_base_url is None


def test_eum_sends_from_the_configured_pool_and_configuration_set() -> None:
    config = settings_from(
        {
            "CXLOOP_SMS_PROVIDER": "eum",
            "CXLOOP_SMS_ORIGINATION_IDENTITY": "pool-abc",
            "CXLOOP_SMS_CONFIGURATION_SET": "cx-sms",
        }
    )
    sender = sms_sender(config)
    assert isinstance(sender, EumSmsSender)
    assert (sender.origination_identity, sender.configuration_set) == ("pool-abc", "cx-sms")


def test_whatsapp_is_offered_with_its_number_and_a_valid_template() -> None:
    sender = whatsapp_sender(settings_from(WHATSAPP))
    assert isinstance(sender, WhatsAppSender)
    assert sender.phone_number_id == defaults.WHATSAPP_PHONE_NUMBER_ID
    assert sender.template.language_code("pt") == "pt_BR"


def test_the_short_base_url_reaches_the_send_settings() -> None:
    config = settings_from({"SHORT_BASE_URL": "https://cx.example"})
    assert config.send_settings().base_url_for("sms").startswith("https://cx.example")
    assert config.send_settings().base_url_for("email") == config.send_settings().public_base_url


@pytest.mark.parametrize(
    "env",
    [
        {"CXLOOP_SMS_PROVIDER": "eum"},
        {"CXLOOP_SMS_PROVIDER": "pigeon"},
        {"CXLOOP_WHATSAPP_PHONE_NUMBER_ID": defaults.WHATSAPP_PHONE_NUMBER_ID},
        {"CXLOOP_WHATSAPP_TEMPLATE": json.dumps(defaults.WHATSAPP_TEMPLATE)},
    ],
    ids=["eum-without-pool", "unknown-provider", "number-without-template", "template-without-number"],
)
def test_incomplete_channel_settings_fail_at_cold_start(env: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        settings_from(env)


def test_a_template_whatsapp_would_not_accept_fails_at_cold_start() -> None:
    broken = {**WHATSAPP, "CXLOOP_WHATSAPP_TEMPLATE": json.dumps({"name": "Bad Name", "languages": {}})}
    with pytest.raises(ValidationError):
        whatsapp_sender(settings_from(broken))
