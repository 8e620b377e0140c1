"""The cxloop stack: one construct per concern, all read from infra.pipeline."""

from __future__ import annotations

from aws_cdk import CfnOutput, Fn, Stack
from constructs import Construct

from infra.cdk.constructs.api import Api
from infra.cdk.constructs.functions import Functions
from infra.cdk.constructs.messaging import Messaging
from infra.cdk.constructs.monitoring import Monitoring
from infra.cdk.constructs.storage import Storage

DEFAULT_POWERTOOLS_LAYER_VERSION = "27"


class CxloopStack(Stack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id, description="cxloop: close the customer-experience loop")
        stage = self._context("stage", "dev")
        sender = self._context("senderAddress", "surveys@example.com")
        storage = Storage(self, "Storage")
        messaging = Messaging(self, "Messaging", sender_address=sender)
        # The API's URL without a reference to its stage resource, so functions can
        # carry it in PUBLIC_BASE_URL without a dependency cycle.
        settings = {"CXLOOP_STAGE": stage, "SENDER_ADDRESS": sender}
        functions = Functions(
            self,
            "Functions",
            storage=storage,
            messaging=messaging,
            settings=settings,
            powertools_layer_version=self._context(
                "powertoolsLayerVersion", DEFAULT_POWERTOOLS_LAYER_VERSION
            ),
        )
        api = Api(self, "Api", functions=functions.functions, stage=stage)
        public_base_url = self._context("publicBaseUrl", "") or Fn.sub(
            "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/" + stage,
            {"Api": api.rest_api.rest_api_id},
        )
        for function in functions.functions.values():
            function.add_environment("PUBLIC_BASE_URL", public_base_url)
        Monitoring(
            self, "Monitoring", dead_letter_queues=messaging.dead_letter_queues, functions=functions.functions
        )
        CfnOutput(self, "ApiUrl", value=api.url)
        CfnOutput(self, "AlertTopicArn", value=messaging.topics["alerts"].topic_arn)
        CfnOutput(self, "StaffUserPoolId", value=api.user_pool.user_pool_id)
        CfnOutput(self, "WebhookSecretArn", value=messaging.webhook_secret.secret_arn)

    def _context(self, key: str, default: str) -> str:
        value = self.node.try_get_context(key)
        return str(value) if value not in (None, "") else default
