"""The CloudWatch dashboard of the loop, for operators: how many events, surveys, answers,
tickets and alerts went through, how fast an answer became an alert, how long each queue's
oldest message waits, what sits in each dead-letter queue, and which functions and API
answers fail. The figures are the functions' own metrics (namespace `cxloop`, written by
cxloop.observability) beside the ones AWS keeps for SQS, Lambda and API Gateway."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

NAMESPACE = "cxloop"
# Powertools adds the service as a dimension to every metric it writes.
SERVICE = {"service": "cxloop"}
PERIOD = Duration.minutes(5)
# The loop's steps, in the order a customer goes through them.
LOOP_COUNTS = ("EventsAccepted", "SurveysSent", "AnswersRecorded", "TicketsOpened", "AlertsPublished")
WIDTH = 12


class LoopDashboard(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        queues: dict[str, sqs.Queue],
        dead_letter_queues: dict[str, sqs.Queue],
        functions: dict[str, lambda_.Function],
        rest_api: apigw.RestApi,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", default_interval=Duration.hours(6))
        self.dashboard.add_widgets(_loop_counts(), _answer_to_alert())
        self.dashboard.add_widgets(_oldest_messages(queues), _dead_letters(dead_letter_queues))
        self.dashboard.add_widgets(_function_failures(functions), _api_answers(rest_api))


def _metric(name: str, statistic: str, label: str | None = None) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=NAMESPACE,
        metric_name=name,
        dimensions_map=SERVICE,
        statistic=statistic,
        period=PERIOD,
        label=label or name,
    )


def _loop_counts() -> cloudwatch.GraphWidget:
    # Right: sends whose answer was lost and were taken as sent (cxloop.adapters.unconfirmed_sends);
    # a steady stream of them means AWS's answers are being lost, and some messages with them.
    return cloudwatch.GraphWidget(
        title="The loop: events, surveys, answers, tickets, alerts (per 5 min)",
        left=[_metric(name, "Sum") for name in LOOP_COUNTS],
        right=[_metric("SendsUnconfirmed", "Sum")],
        width=WIDTH,
    )


def _answer_to_alert() -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(
        title="Answer to alert (ms)",
        left=[_metric("AnswerToAlert", "p50", "p50"), _metric("AnswerToAlert", "p95", "p95")],
        width=WIDTH,
    )


def _oldest_messages(queues: dict[str, sqs.Queue]) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(
        title="Oldest message per queue (s)",
        left=[
            queue.metric_approximate_age_of_oldest_message(period=PERIOD, statistic="Maximum", label=name)
            for name, queue in sorted(queues.items())
        ],
        width=WIDTH,
    )


def _dead_letters(dead_letter_queues: dict[str, sqs.Queue]) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(
        title="Dead-letter queues (messages)",
        left=[
            queue.metric_approximate_number_of_messages_visible(
                period=PERIOD, statistic="Maximum", label=name
            )
            for name, queue in sorted(dead_letter_queues.items())
        ],
        width=WIDTH,
    )


def _function_failures(functions: dict[str, lambda_.Function]) -> cloudwatch.GraphWidget:
    ordered = sorted(functions.items())
    return cloudwatch.GraphWidget(
        title="Function errors (left) and throttles (right)",
        left=[f.metric_errors(period=PERIOD, statistic="Sum", label=name) for name, f in ordered],
        right=[f.metric_throttles(period=PERIOD, statistic="Sum", label=name) for name, f in ordered],
        width=WIDTH,
    )


def _api_answers(rest_api: apigw.RestApi) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(
        title="API answers: 4xx and 5xx",
        left=[
            rest_api.metric_client_error(period=PERIOD, statistic="Sum", label="4xx"),
            rest_api.metric_server_error(period=PERIOD, statistic="Sum", label="5xx"),
        ],
        width=WIDTH,
    )
