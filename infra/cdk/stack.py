"""The cxloop stack: one construct per concern, every resource derived from infra.pipeline."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Fn, Stack
from constructs import Construct

from infra.cdk.constructs.alerts import Alerts
from infra.cdk.constructs.analytics import Analytics
from infra.cdk.constructs.api import Api
from infra.cdk.constructs.dashboard import Dashboard
from infra.cdk.constructs.firewall import Firewall
from infra.cdk.constructs.functions import Functions
from infra.cdk.constructs.messaging import Messaging
from infra.cdk.constructs.monitoring import Monitoring
from infra.cdk.constructs.secrets import WebhookSecret
from infra.cdk.constructs.staff import StaffDirectory
from infra.cdk.constructs.storage import Storage
from infra.cdk.context import DeployContext
from infra.pipeline import PIPELINE, Pipeline


class CxloopStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, pipeline: Pipeline = PIPELINE, **kwargs: Any
    ) -> None:
        super().__init__(
            scope, construct_id, description="cxloop: close the customer-experience loop", **kwargs
        )
        context = DeployContext.from_node(self.node)
        storage = Storage(self, "Storage", pipeline=pipeline)
        messaging = Messaging(self, "Messaging", pipeline=pipeline, sender_address=context.sender_address)
        alerts = Alerts(self, "Alerts", pipeline=pipeline)
        webhook_secret = WebhookSecret(self, "WebhookSecret")
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
        functions.set_environment(
            "PUBLIC_BASE_URL", context.public_base_url or self._api_base_url(api, context)
        )
        Firewall(self, "Firewall", stage_arn=api.rest_api.deployment_stage.stage_arn)
        monitoring = Monitoring(
            self,
            "Monitoring",
            queues=messaging.queues,
            dead_letter_queues={**messaging.dead_letter_queues, **functions.stream_dead_letter_queues},
            functions=functions.functions,
            rest_api=api.rest_api,
        )
        self._outputs(api, alerts, staff, webhook_secret, monitoring)
        dashboard = Dashboard(
            self,
            "Dashboard",
            api_url=api.url,
            api_origin=self._api_origin(api),
            user_pool_id=staff.user_pool.user_pool_id,
            user_pool_client_id=staff.client.user_pool_client_id,
        )
        CfnOutput(self, "DashboardUrl", value=dashboard.url, description="The staff dashboard")
        for name, bucket in functions.buckets.items():
            # IntakeBucketName: where the ERP drops its daily extracts (incoming/).
            CfnOutput(self, f"{name.capitalize()}BucketName", value=bucket.bucket_name)
        if analytics:
            CfnOutput(self, "LakeBucketName", value=analytics.bucket.bucket_name)
            CfnOutput(self, "AthenaWorkgroup", value=analytics.workgroup.ref)
            CfnOutput(self, "GlueDatabase", value=analytics.database_name)

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
            # One output per topic, named for one of its messages: alerts -> AlertTopicArn.
            singular = name.removesuffix("s").title()
            CfnOutput(self, f"{singular}TopicArn", value=topic.topic_arn, description=f"SNS topic: {name}")
        CfnOutput(
            self, "OpsTopicArn", value=monitoring.ops_topic.topic_arn, description="Alarm notifications"
        )
        CfnOutput(self, "StaffUserPoolId", value=staff.user_pool.user_pool_id)
        CfnOutput(self, "StaffUserPoolClientId", value=staff.client.user_pool_client_id)
        CfnOutput(self, "WebhookSecretArn", value=secret.secret.secret_arn)
