"""Alarms an operator acts on: anything in a DLQ, any function error."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        dead_letter_queues: dict[str, sqs.Queue],
        functions: dict[str, lambda_.Function],
    ) -> None:
        super().__init__(scope, construct_id)
        self.ops_topic = sns.Topic(
            self,
            "OpsTopic",
            master_key=kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns"),
            enforce_ssl=True,
        )
        notify = actions.SnsAction(self.ops_topic)
        for name, queue in dead_letters_sorted(dead_letter_queues):
            alarm = queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1)
            ).create_alarm(
                self,
                f"{name}DlqNotEmpty",
                threshold=0,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                alarm_description=f"Messages in the {name} dead-letter queue: inspect, fix, redrive.",
            )
            alarm.add_alarm_action(notify)
        for name, function in sorted(functions.items()):
            alarm = function.metric_errors(period=Duration.minutes(5)).create_alarm(
                self,
                f"{name}Errors",
                threshold=0,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                alarm_description=f"{name} raised errors.",
            )
            alarm.add_alarm_action(notify)


def dead_letters_sorted(queues: dict[str, sqs.Queue]) -> list[tuple[str, sqs.Queue]]:
    return sorted(queues.items())
