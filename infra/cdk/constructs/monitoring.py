"""Alarms an operator acts on, sent to an ops topic (anything in a dead-letter queue, any
function error, a queue whose oldest message waits too long, API 5xx answers), and the
dashboard of the loop that shows what they watch."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.cdk.constructs.loop_dashboard import NAMESPACE, SERVICE, LoopDashboard

# Each step takes seconds; a message waiting this long means the step is stuck or failing.
OLDEST_MESSAGE_ALARM_S = 300
PERIOD = Duration.minutes(1)
ABOVE = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        queues: dict[str, sqs.Queue],
        backlog_alarms_s: dict[str, int] | None = None,
        dead_letter_queues: dict[str, sqs.Queue],
        functions: dict[str, lambda_.Function],
        rest_api: apigw.RestApi,
    ) -> None:
        super().__init__(scope, construct_id)
        # What the alarms watch, drawn for whoever answers them (infra/cdk/constructs/loop_dashboard.py).
        self.dashboard = LoopDashboard(
            self,
            "LoopDashboard",
            queues=queues,
            dead_letter_queues=dead_letter_queues,
            functions=functions,
            rest_api=rest_api,
        ).dashboard
        self.ops_topic = sns.Topic(self, "OpsTopic", master_key=self._alarm_key(), enforce_ssl=True)
        self._notify = actions.SnsAction(self.ops_topic)
        for name, queue in sorted(dead_letter_queues.items()):
            self._alarm(
                f"{name}DeadLetters",
                queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
                threshold=0,
                description=f"Messages in the {name} dead-letter queue: read them, fix the cause, redrive.",
            )
        for name, queue in sorted(queues.items()):
            waits_s = (backlog_alarms_s or {}).get(name, OLDEST_MESSAGE_ALARM_S)
            self._alarm(
                f"{name}Backlog",
                queue.metric_approximate_age_of_oldest_message(period=PERIOD, statistic="Maximum"),
                threshold=waits_s,
                description=f"The oldest message on {name} waits over {waits_s}s: "
                "its consumer is stuck, throttled or failing.",
            )
        for name, function in sorted(functions.items()):
            self._alarm(
                f"{name}Errors",
                function.metric_errors(period=PERIOD, statistic="Sum"),
                threshold=0,
                description=f"{name} raised errors: see its log group and X-Ray traces.",
            )
        self._alarm(
            "Api5xx",
            rest_api.metric_server_error(period=PERIOD, statistic="Sum"),
            threshold=0,
            description="The API answered 5xx: a function failed or timed out.",
        )
        # deliver_webhook writes it when it disables a subscription (functions/deliver_webhook/handler.py).
        self._alarm(
            "WebhookEndpointsDisabled",
            cloudwatch.Metric(
                namespace=NAMESPACE,
                metric_name="WebhookEndpointsDisabled",
                dimensions_map=SERVICE,
                period=PERIOD,
                statistic="Sum",
            ),
            threshold=0,
            description="A webhook endpoint was disabled (it answered 410 Gone, or failed for days): "
            "tell its owner; GET /v1/webhooks shows why; subscribe it again once it is fixed.",
        )

    def _alarm_key(self) -> kms.Key:
        # CloudWatch cannot use the AWS managed aws/sns key, so alarm notifications to an
        # encrypted topic need a customer managed key that allows CloudWatch.
        key = kms.Key(self, "OpsTopicKey", enable_key_rotation=True, description="cxloop ops alarm topic")
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
            )
        )
        return key

    def _alarm(self, name: str, metric: cloudwatch.Metric, *, threshold: float, description: str) -> None:
        alarm = metric.create_alarm(
            self,
            name,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=ABOVE,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(self._notify)
        alarm.add_ok_action(self._notify)
