"""Customer channels in the CDK app: End User Messaging SMS and WhatsApp are granted only
when the context configures them, each on its own resource's ARN (least privilege), with
the settings the functions read; without that context nothing of them appears. The same holds
for Amazon Comprehend reading comments' tone (context commentSentiment)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.pipeline import PIPELINE
from tests.infra.conftest import NUMBER, POOL, Synthesized
from tests.infra.conftest import WHATSAPP_TEMPLATE as TEMPLATE

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

SEND_SURVEY = PIPELINE.function("send_survey")
SMS_SENDERS = [spec for spec in PIPELINE.functions if spec.sends_sms]
CHANNEL_ACTIONS = {"sms-voice:SendTextMessage", "social-messaging:SendWhatsAppMessage"}


def statements_with(synthesized: Synthesized, action: str) -> list[dict[str, Any]]:
    found = []
    for spec in PIPELINE.functions:
        for statement in synthesized.statements(spec):
            listed = statement["Action"]
            if action in ([listed] if isinstance(listed, str) else listed):
                found.append({"function": spec.name, **statement})
    return found


def arn(service: str, resource: str) -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                f":{service}:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                f":{resource}",
            ],
        ]
    }


def test_without_channel_context_no_function_may_use_end_user_messaging(synthesized: Synthesized) -> None:
    for spec in PIPELINE.functions:
        assert not (synthesized.actions(spec) & CHANNEL_ACTIONS), spec.name
        assert not any(
            name.startswith(("CXLOOP_SMS_", "CXLOOP_WHATSAPP_", "SHORT_BASE_URL"))
            for name in synthesized.environment(spec)
        )


def test_eum_sms_is_granted_on_the_pool_and_configuration_set_only(configured: Synthesized) -> None:
    granted = statements_with(configured, "sms-voice:SendTextMessage")
    assert sorted(s["function"] for s in granted) == sorted(spec.name for spec in SMS_SENDERS)
    for statement in granted:
        assert statement["Action"] == "sms-voice:SendTextMessage"
        assert statement["Resource"] == [
            arn("sms-voice", f"pool/{POOL}"),
            arn("sms-voice", "configuration-set/cxloop-sms"),
        ]
    # SMS no longer goes by SNS: no sns:Publish on "*" for the SMS senders.
    for spec in SMS_SENDERS:
        assert all(s["Resource"] != "*" for s in configured.statements(spec) if s["Action"] == "sns:Publish")


def test_whatsapp_is_granted_to_send_survey_on_our_number_only(configured: Synthesized) -> None:
    (granted,) = statements_with(configured, "social-messaging:SendWhatsAppMessage")
    assert granted["function"] == "send_survey"
    assert granted["Action"] == "social-messaging:SendWhatsAppMessage"
    assert granted["Resource"] == arn("social-messaging", "phone-number-id/0123456789abcdef0123456789abcdef")


def test_the_functions_get_the_settings_cxloop_config_reads(configured: Synthesized) -> None:
    env = configured.environment(SEND_SURVEY)
    assert env["CXLOOP_SMS_PROVIDER"] == "eum" and env["CXLOOP_SMS_ORIGINATION_IDENTITY"] == POOL
    assert env["CXLOOP_SMS_CONFIGURATION_SET"] == "cxloop-sms"
    assert env["CXLOOP_WHATSAPP_PHONE_NUMBER_ID"] == NUMBER
    assert json.loads(env["CXLOOP_WHATSAPP_TEMPLATE"]) == TEMPLATE
    assert env["SHORT_BASE_URL"] == "https://cx.example"
    reminders = configured.environment(PIPELINE.function("send_reminders"))
    assert reminders["CXLOOP_SMS_PROVIDER"] == "eum" and "CXLOOP_WHATSAPP_TEMPLATE" not in reminders


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"smsProvider": "pigeon"}, "smsProvider"),
        ({"smsProvider": "eum"}, "smsPoolId"),
        ({"whatsappPhoneNumberId": NUMBER}, "whatsappTemplate"),
        ({"whatsappPhoneNumberId": "+593991234567", "whatsappTemplate": TEMPLATE}, "whatsappPhoneNumberId"),
        ({"shortBaseUrl": "http://cx.example"}, "shortBaseUrl"),
    ],
)
def test_incomplete_channel_context_fails_the_synth_with_a_sentence(
    changes: dict[str, Any], key: str
) -> None:
    from infra.cdk.app import build_app

    with pytest.raises(ValueError, match=key):
        build_app(context=changes)


def test_comprehend_is_granted_to_the_comment_reader_alone_when_chosen(configured: Synthesized) -> None:
    granted = statements_with(configured, "comprehend:DetectSentiment")
    readers = [spec.name for spec in PIPELINE.functions if spec.reads_comments]
    assert readers == ["score_response"]
    assert [g["function"] for g in granted] == readers
    assert granted[0]["Action"] == "comprehend:DetectSentiment" and granted[0]["Resource"] == "*"
    for spec in PIPELINE.functions:
        chosen = configured.environment(spec).get("CXLOOP_COMMENT_SENTIMENT")
        assert chosen == ("comprehend" if spec.reads_comments else None), spec.name


def test_without_the_choice_the_lexicon_reads_and_comprehend_is_not_granted(synthesized: Synthesized) -> None:
    assert statements_with(synthesized, "comprehend:DetectSentiment") == []
    assert all("CXLOOP_COMMENT_SENTIMENT" not in synthesized.environment(s) for s in PIPELINE.functions)


def test_an_unknown_reader_fails_the_synth_with_a_sentence() -> None:
    from infra.cdk.app import build_app

    with pytest.raises(ValueError, match="commentSentiment 'watson': lexicon or comprehend"):
        build_app(context={"commentSentiment": "watson"})
