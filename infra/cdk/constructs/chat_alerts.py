"""Alerts in a Slack or Microsoft Teams channel through AWS Chatbot (the `chatAlerts` deploy
setting): the channel subscribes to the chat_alerts topic, which push_alert publishes the
alerts the setting's filter accepts to, in Chatbot's custom notification format
(cxloop.domain.casework.chat_alerts)."""

from __future__ import annotations

import re
from typing import Any

from aws_cdk import aws_chatbot as chatbot
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.cdk.context import ChatContext


class ChatAlerts(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, topic: sns.ITopic, chat: ChatContext, stage: str
    ):
        super().__init__(scope, construct_id)
        # The channel only shows notifications: its role has no permissions of its own, and the
        # guardrail denies every action, so nobody in the channel can run AWS commands through it.
        role = iam.Role(
            self,
            "ChannelRole",
            assumed_by=iam.ServicePrincipal("chatbot.amazonaws.com"),
            description="cxloop chat alerts: notifications only, no permissions",
        )
        guardrail = iam.ManagedPolicy(
            self,
            "Guardrail",
            description="cxloop chat alerts: no AWS actions from the chat channel",
            statements=[iam.PolicyStatement(effect=iam.Effect.DENY, actions=["*"], resources=["*"])],
        )
        name = re.sub(r"[^A-Za-z0-9_-]", "-", f"cxloop-{stage}-alerts")[:128]
        common: dict[str, Any] = {
            "configuration_name": name,
            "iam_role_arn": role.role_arn,
            "sns_topic_arns": [topic.topic_arn],
            "guardrail_policies": [guardrail.managed_policy_arn],
            "logging_level": "ERROR",
            "user_role_required": False,
        }
        if chat.app == "slack":
            self.configuration: Construct = chatbot.CfnSlackChannelConfiguration(
                self,
                "Slack",
                slack_workspace_id=chat.id("workspaceId"),
                slack_channel_id=chat.id("channelId"),
                **common,
            )
        else:
            self.configuration = chatbot.CfnMicrosoftTeamsChannelConfiguration(
                self,
                "Teams",
                team_id=chat.id("teamId"),
                teams_tenant_id=chat.id("tenantId"),
                teams_channel_id=chat.id("channelId"),
                **common,
            )
