"""Alerts in chat (`-c chatAlerts=...`): AWS Chatbot's channel configuration on the chat_alerts
topic, with a role of no permissions and a guardrail that denies every action, and push_alert
told which alerts the channel takes. Without the setting, no channel and no filter."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from infra.cdk.constructs.chat_alerts import ChatAlerts
from infra.cdk.context import ChatContext
from infra.pipeline import PIPELINE
from tests.infra.conftest import CHAT_FILTER, Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

PUSH_ALERT = PIPELINE.function("push_alert")
TEAMS = {"teamId": "8e3f1b0a-5c7d-4e2f-9a1b-0c2d3e4f5a6b", "tenantId": "1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d"}


def chat_context(setting: Any) -> ChatContext:
    return ChatContext.from_node(App(context={"chatAlerts": setting}).node)


def test_the_slack_channel_takes_the_chat_topic_and_nothing_else(configured: Synthesized) -> None:
    (channel,) = configured.resources("AWS::Chatbot::SlackChannelConfiguration").values()
    properties = channel["Properties"]
    assert properties["SlackWorkspaceId"] == "T0123ABCD" and properties["SlackChannelId"] == "C0456EFGH"
    (topic,) = properties["SnsTopicArns"]
    assert topic == {"Ref": configured.environment(PUSH_ALERT)["TOPIC_CHAT_ALERTS_ARN"]["Ref"]}
    assert properties["UserRoleRequired"] is False and properties["LoggingLevel"] == "ERROR"


def test_nobody_in_the_channel_can_act_on_aws_through_it(configured: Synthesized) -> None:
    (channel,) = configured.resources("AWS::Chatbot::SlackChannelConfiguration").values()
    role_id = channel["Properties"]["IamRoleArn"]["Fn::GetAtt"][0]
    role = configured.properties(role_id)
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "chatbot.amazonaws.com"
    }
    assert "ManagedPolicyArns" not in role and "Policies" not in role
    attached = [
        p
        for p in configured.resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    assert attached == []
    (guardrail_ref,) = channel["Properties"]["GuardrailPolicies"]
    guardrail = configured.properties(guardrail_ref["Ref"])
    assert guardrail["PolicyDocument"]["Statement"] == [{"Action": "*", "Effect": "Deny", "Resource": "*"}]


def test_push_alert_reads_the_filter_and_may_publish_to_the_chat_topic(configured: Synthesized) -> None:
    env = configured.environment(PUSH_ALERT)
    assert json.loads(env["CXLOOP_CHAT_ALERT_FILTER"]) == CHAT_FILTER
    assert "sns:Publish" in configured.actions_on(PUSH_ALERT, env["TOPIC_CHAT_ALERTS_ARN"]["Ref"])


def test_without_the_setting_there_is_no_channel_and_no_filter(synthesized: Synthesized) -> None:
    assert synthesized.resources("AWS::Chatbot::SlackChannelConfiguration") == {}
    assert synthesized.resources("AWS::Chatbot::MicrosoftTeamsChannelConfiguration") == {}
    assert "CXLOOP_CHAT_ALERT_FILTER" not in synthesized.environment(PUSH_ALERT)


def test_a_teams_channel_is_configured_the_same_way() -> None:
    chat = chat_context({"teams": TEAMS | {"channelId": "19:abc123@thread.tacv2"}})
    stack = Stack(App(), "Chat")
    ChatAlerts(stack, "ChatAlerts", topic=sns.Topic(stack, "Topic"), chat=chat, stage="prod")
    (channel,) = (
        Template.from_stack(stack).find_resources("AWS::Chatbot::MicrosoftTeamsChannelConfiguration").values()
    )
    properties = channel["Properties"]
    assert properties["TeamId"] == TEAMS["teamId"] and properties["TeamsTenantId"] == TEAMS["tenantId"]
    assert properties["TeamsChannelId"] == "19:abc123@thread.tacv2"
    assert properties["ConfigurationName"] == "cxloop-prod-alerts"


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ({"discord": {}}, '"slack" or "teams"'),
        ({"slack": {"workspaceId": "T0123"}}, "channelId missing or malformed"),
        ({"teams": {"teamId": "nope", "tenantId": TEAMS["tenantId"], "channelId": "19:a"}}, "teamId"),
        (
            {"slack": {"workspaceId": "T1", "channelId": "C1"}, "filter": {"phone": ["+5939"]}},
            "phone is no alert",
        ),
        (
            {"slack": {"workspaceId": "T1", "channelId": "C1"}, "filter": {"severity": "critical"}},
            "list of values",
        ),
    ],
)
def test_a_wrong_setting_fails_the_synth_with_a_sentence(setting: Any, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        chat_context(json.dumps(setting))
