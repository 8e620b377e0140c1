"""The cxloop stack: one construct per concern, every resource derived from infra.pipeline."""

from __future__ import annotations

import re
from typing import Any

from aws_cdk import Aws, CfnOutput, Fn, Stack
from constructs import Construct

from infra.backfill import table_output_name
from infra.cdk.constructs.alerts import Alerts
from infra.cdk.constructs.analytics import Analytics
from infra.cdk.constructs.api import Api
from infra.cdk.constructs.chat_alerts import ChatAlerts
from infra.cdk.constructs.dashboard import Dashboard
from infra.cdk.constructs.firewall import Firewall
from infra.cdk.constructs.functions import Functions
from infra.cdk.constructs.messaging import Messaging
from infra.cdk.constructs.monitoring import Monitoring
from infra.cdk.constructs.secrets import ConnectorSecrets, WebhookSecret
from infra.cdk.constructs.staff import SignInEndpoints, StaffDirectory
from infra.cdk.constructs.storage import Storage
from infra.cdk.constructs.suppressions import Suppressions
from infra.cdk.context import DeployContext
from infra.ops.queues import queue_output_name
from infra.pipeline import EMAIL_EVENTS_TOPIC, PIPELINE, SMS_REPLIES_TOPIC, Pipeline


def topic_output_name(topic: str) -> str:
    """alerts -> Alert, email_events -> EmailEvent, sms_replies -> SmsReply."""
    singular = topic.removesuffix("ies") + "y" if topic.endswith("ies") else topic.removesuffix("s")
    return "".join(word.title() for word in singular.split("_"))


class CxloopStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, pipeline: Pipeline = PIPELINE, **kwargs: Any
    ) -> None:
        super().__init__(
            scope, construct_id, description="cxloop: close the customer-experience loop", **kwargs
        )
        context = DeployContext.from_node(self.node)
        storage = Storage(self, "Storage", pipeline=pipeline)
        for name, table in storage.tables.items():
            # InteractionsTableName, ...: what operators' commands (cxloop backfill) look up.
            CfnOutput(self, table_output_name(name), value=table.table_name)
        messaging = Messaging(self, "Messaging", pipeline=pipeline, sender_address=context.sender_address)
        for name, queue in messaging.queues.items():
            # DispatchQueueUrl, DispatchDeadLetterQueueUrl, ...: what `cxloop ops --stack` reads.
            CfnOutput(self, queue_output_name(name), value=queue.queue_url)
            dead_letters = messaging.dead_letter_queues[name]
            CfnOutput(self, queue_output_name(name, dead_letter=True), value=dead_letters.queue_url)
        alerts = Alerts(self, "Alerts", pipeline=pipeline, queues=messaging.queues)
        # A pipeline without the bounce and reply topics (a test's smallest one) has no list to feed.
        suppressions = (
            Suppressions(
                self, "Suppressions", configuration_set=messaging.configuration_set, topics=alerts.topics
            )
            if {EMAIL_EVENTS_TOPIC, SMS_REPLIES_TOPIC} <= set(alerts.topics)
            else None
        )
        webhook_secret = WebhookSecret(self, "WebhookSecret")
        connector_secrets = ConnectorSecrets(self, "ConnectorSecrets", names=context.helpdesk_connectors)
        for name, secret_name in connector_secrets.names.items():
            CfnOutput(
                self,
                f"{name.replace('-', '_').title().replace('_', '')}ConnectorSecretName",
                value=secret_name,
                description=f"The secret the connectors document names for {name}",
            )
        analytics = Analytics(self, "Analytics", pipeline=pipeline) if pipeline.delivery_streams else None
        functions = Functions(
            self,
            "Functions",
            pipeline=pipeline,
            context=context,
            storage=storage,
            messaging=messaging,
            topics=alerts.topics,
            webhook_secret=webhook_secret.secret,
            delivery_streams=analytics.delivery_streams if analytics else None,
        )
        staff = StaffDirectory(self, "Staff")
        api = Api(
            self, "Api", pipeline=pipeline, functions=functions.functions, stage=context.stage, staff=staff
        )
        if suppressions is not None:
            suppressions.wire(pipeline, functions.functions)
        if context.chat.enabled and "chat_alerts" in alerts.topics:
            ChatAlerts(
                self, "ChatAlerts", topic=alerts.topics["chat_alerts"], chat=context.chat, stage=context.stage
            )
            functions.functions["push_alert"].add_environment(
                "CXLOOP_CHAT_ALERT_FILTER", context.chat.filter_json
            )
        functions.set_environment(
            "PUBLIC_BASE_URL", context.public_base_url or self._api_base_url(api, context)
        )
        functions.set_environment("CXLOOP_UNCONFIRMED_SENDS", context.unconfirmed_sends)
        Firewall(self, "Firewall", stage_arn=api.rest_api.deployment_stage.stage_arn)
        monitoring = Monitoring(
            self,
            "Monitoring",
            queues=messaging.queues,
            backlog_alarms_s={q.name: q.backlog_alarm_s for q in pipeline.queues if q.backlog_alarm_s},
            dead_letter_queues={**messaging.dead_letter_queues, **functions.stream_dead_letter_queues},
            functions=functions.functions,
            rest_api=api.rest_api,
        )
        CfnOutput(self, "OpsDashboardName", value=monitoring.dashboard.dashboard_name)
        self._outputs(api, alerts, staff, webhook_secret, monitoring)
        self._dashboard(api, staff, context)
        for name, bucket in functions.buckets.items():
            # IntakeBucketName: where the ERP drops its daily extracts (incoming/).
            CfnOutput(self, f"{name.capitalize()}BucketName", value=bucket.bucket_name)
        if analytics:
            CfnOutput(self, "LakeBucketName", value=analytics.bucket.bucket_name)
            CfnOutput(self, "AthenaWorkgroup", value=analytics.workgroup.ref)
            CfnOutput(self, "GlueDatabase", value=analytics.database_name)

    def _dashboard(self, api: Api, staff: StaffDirectory, context: DeployContext) -> Dashboard:
        """The dashboard, staff sign-in through Cognito's managed login, and CORS for its origin,
        in the order their references allow: the domain, the distribution (its CSP names the
        domain and the API by id), the app client (it names the distribution's URL), then the
        config and the API's CORS, which name them all."""
        domain = staff.add_domain(self._sign_in_domain_prefix(context))
        sign_in = SignInEndpoints.of(domain)
        dashboard = Dashboard(
            self, "Dashboard", api_origin=self._api_origin(api), sign_in_origin=sign_in.origin
        )
        client = staff.add_dashboard_client(dashboard.url)
        dashboard.publish(
            api_url=api.url,
            sign_in=sign_in,
            user_pool_id=staff.user_pool.user_pool_id,
            client_id=client.user_pool_client_id,
        )
        api.allow_browser_origin(dashboard.origin)
        CfnOutput(self, "DashboardUrl", value=dashboard.url, description="The staff dashboard")
        CfnOutput(self, "StaffSignInUrl", value=sign_in.origin, description="Cognito managed login")
        CfnOutput(self, "DashboardClientId", value=client.user_pool_client_id)
        return dashboard

    def _sign_in_domain_prefix(self, context: DeployContext) -> str:
        """The managed login's domain prefix, unique per region across AWS: the context value
        `signInDomainPrefix` when given, otherwise cxloop-<stage>-<account id>."""
        chosen = self.node.try_get_context("signInDomainPrefix")
        if chosen:
            return str(chosen).strip().lower()
        stage = re.sub(r"[^a-z0-9-]", "-", context.stage.lower())
        return Fn.join("-", ["cxloop", stage, Aws.ACCOUNT_ID])

    @staticmethod
    def _api_base_url(api: Api, context: DeployContext) -> str:
        """The stage URL built from the API's id alone. `api.url` would reference the
        stage, which depends on the methods, which depend on the functions: a cycle once
        the functions carry it in their environment. The id breaks it."""
        return Fn.sub(
            "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/" + context.stage,
            {"Api": api.rest_api.rest_api_id},
        )

    @staticmethod
    def _api_origin(api: Api) -> str:
        """The API's scheme and host, which the dashboard's CSP allows it to fetch from."""
        return Fn.sub(
            "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}", {"Api": api.rest_api.rest_api_id}
        )

    def _outputs(
        self, api: Api, alerts: Alerts, staff: StaffDirectory, secret: WebhookSecret, monitoring: Monitoring
    ) -> None:
        CfnOutput(self, "ApiUrl", value=api.url, description="Base URL of the API stage")
        for name, topic in alerts.topics.items():
            # One output per topic, named for one of its messages: alerts -> AlertTopicArn,
            # sms_replies -> SmsReplyTopicArn (the operator names it as a phone number's
            # two-way channel).
            CfnOutput(
                self,
                f"{topic_output_name(name)}TopicArn",
                value=topic.topic_arn,
                description=f"SNS topic: {name}",
            )
        CfnOutput(
            self, "OpsTopicArn", value=monitoring.ops_topic.topic_arn, description="Alarm notifications"
        )
        CfnOutput(self, "StaffUserPoolId", value=staff.user_pool.user_pool_id)
        CfnOutput(self, "StaffUserPoolClientId", value=staff.client.user_pool_client_id)
        CfnOutput(self, "WebhookSecretArn", value=secret.secret.secret_arn)
