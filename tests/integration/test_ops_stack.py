"""`cxloop ops --stack` against a CloudFormation stack in moto: the queue URLs come from the
stack's outputs, as they do from a deployed cxloop stack; the oldest message's age from
CloudWatch. moto has no message move task, so SQS's redrive is checked against botocore's
Stubber loaded with the documented StartMessageMoveTask and ListMessageMoveTasks answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests
from botocore.stub import Stubber

from infra.local.defaults import REGION
from infra.local.resources import local_session
from infra.ops.dead_letters import move_task, peek
from infra.ops.queues import QueuePair, queue_output_name, status, status_table
from infra.ops.targets import StackTarget, stack_queues
from infra.pipeline import PIPELINE

STACK = "cxloop-ops-test"


def stack_template() -> dict[str, Any]:
    """Each pipeline queue with its dead-letter queue, and the outputs the cxloop stack names."""
    resources: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    for spec in PIPELINE.queues:
        title = queue_output_name(spec.name).removesuffix("QueueUrl")
        resources[f"{title}DeadLetters"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
        resources[f"{title}Queue"] = {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": [f"{title}DeadLetters", "Arn"]},
                    "maxReceiveCount": spec.max_receive_count,
                }
            },
        }
        outputs[queue_output_name(spec.name)] = {"Value": {"Ref": f"{title}Queue"}}
        outputs[queue_output_name(spec.name, dead_letter=True)] = {"Value": {"Ref": f"{title}DeadLetters"}}
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources, "Outputs": outputs}


@pytest.fixture
def stack(moto_endpoint: str) -> Callable[[str], Any]:
    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10)

    def client(service: str) -> Any:
        return local_session().client(service, endpoint_url=moto_endpoint)

    client("cloudformation").create_stack(StackName=STACK, TemplateBody=json.dumps(stack_template()))
    return client


def test_status_reads_the_queues_the_stack_outputs_name(stack: Callable[[str], Any]) -> None:
    target = StackTarget(STACK, stack)
    assert set(target.queues) == {spec.name for spec in PIPELINE.queues}
    alerts = target.queues["alerts"]
    stack("sqs").send_message(QueueUrl=alerts.url, MessageBody="{}")
    for _ in range(2):
        stack("sqs").send_message(QueueUrl=alerts.dead_letter_url, MessageBody='{"kind": "detractor"}')
    # What AWS publishes each minute for every queue; the latest datapoint is a minute old.
    stack("cloudwatch").put_metric_data(
        Namespace="AWS/SQS",
        MetricData=[
            {
                "MetricName": "ApproximateAgeOfOldestMessage",
                "Dimensions": [{"Name": "QueueName", "Value": alerts.url.rsplit("/", 1)[-1]}],
                "Timestamp": datetime.now(UTC) - timedelta(minutes=1),
                "Value": 754.0,
                "Unit": "Seconds",
            }
        ],
    )
    states = {state.name: state for state in status(target)}
    assert (states["alerts"].depth, states["alerts"].dead_letter_depth) == (1, 2)
    assert states["alerts"].oldest_age_s == 754.0
    assert states["dispatch"].oldest_age_s is None and states["dispatch"].depth == 0
    assert "13 min" in status_table(list(states.values()))


def test_a_look_shows_ids_and_types_and_leaves_the_messages(stack: Callable[[str], Any]) -> None:
    target = StackTarget(STACK, stack)
    tickets = target.queues["tickets"]
    body = {"response": {"response_id": "r-7", "customer": {"name": "Ana Pérez"}}, "decision": {"rule": "x"}}
    stack("sqs").send_message(QueueUrl=tickets.dead_letter_url, MessageBody=json.dumps(body))
    first = peek(target.sqs, tickets, 5)
    again = peek(target.sqs, tickets, 5)
    assert [m["fields"] for m in first] == [{"response.response_id": "r-7"}]
    assert [m["message_id"] for m in again] == [m["message_id"] for m in first]


def test_a_stack_of_an_older_release_says_what_is_missing() -> None:
    with pytest.raises(LookupError, match=r"has no output .*DispatchQueueUrl.*deploy this version"):
        stack_queues([{"OutputKey": "ApiUrl", "OutputValue": "https://x"}], "old-stack")


def stubbed_sqs() -> tuple[Any, Stubber]:
    sqs = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name=REGION).client(
        "sqs"
    )
    return sqs, Stubber(sqs)


def test_the_redrive_on_aws_is_sqs_own_move_task_followed_to_its_end() -> None:
    pair = QueuePair("alerts", "https://sqs/123/alerts", "https://sqs/123/alerts-dlq")
    sqs, stub = stubbed_sqs()
    arn = {
        pair.dead_letter_url: "arn:aws:sqs:us-east-1:123:alerts-dlq",
        pair.url: "arn:aws:sqs:us-east-1:123:alerts",
    }
    for url in (pair.dead_letter_url, pair.url):
        stub.add_response(
            "get_queue_attributes",
            {"Attributes": {"QueueArn": arn[url]}},
            {"QueueUrl": url, "AttributeNames": ["QueueArn"]},
        )
    stub.add_response(
        "start_message_move_task",
        {"TaskHandle": "handle-1"},
        {"SourceArn": arn[pair.dead_letter_url], "DestinationArn": arn[pair.url]},
    )
    for status_name, moved in (("RUNNING", 40), ("COMPLETED", 75)):
        stub.add_response(
            "list_message_move_tasks",
            {
                "Results": [
                    {
                        "Status": status_name,
                        "SourceArn": arn[pair.dead_letter_url],
                        "ApproximateNumberOfMessagesMoved": moved,
                        "ApproximateNumberOfMessagesToMove": 75,
                    }
                ]
            },
            {"SourceArn": arn[pair.dead_letter_url], "MaxResults": 1},
        )
    lines: list[str] = []
    with stub:
        moved_back = move_task(sqs, pair, lines.append, sleep=lambda _: None)
    stub.assert_no_pending_responses()
    assert moved_back == 75
    assert lines == ["alerts: 40 of 75 message(s) moved back", "alerts: 75 of 75 message(s) moved back"]


def test_a_failed_move_task_says_why() -> None:
    pair = QueuePair("alerts", "https://sqs/123/alerts", "https://sqs/123/alerts-dlq")
    sqs, stub = stubbed_sqs()
    for url in (pair.dead_letter_url, pair.url):
        stub.add_response("get_queue_attributes", {"Attributes": {"QueueArn": f"arn:{url[-3:]}"}})
    stub.add_response("start_message_move_task", {"TaskHandle": "h"})
    stub.add_response(
        "list_message_move_tasks",
        {"Results": [{"Status": "FAILED", "FailureReason": "AccessDenied on kms:Decrypt"}]},
    )
    with stub, pytest.raises(RuntimeError, match="the move task failed: AccessDenied on kms:Decrypt"):
        move_task(sqs, pair, lambda _: None, sleep=lambda _: None)
