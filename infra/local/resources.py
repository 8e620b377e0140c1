"""Provision the pipeline's tables, queues and topics in moto server, exactly as
infra.pipeline describes them, and compute the environment the functions read."""

from __future__ import annotations

import json
from typing import Any

import boto3

from infra.local.defaults import FAKE_KEY
from infra.pipeline import PIPELINE, Pipeline, Queue, Table, env_name_for


def clients(endpoint: str, region: str) -> dict[str, Any]:
    session = boto3.session.Session(
        aws_access_key_id=FAKE_KEY, aws_secret_access_key=FAKE_KEY, region_name=region
    )
    return {name: session.client(name, endpoint_url=endpoint) for name in ("dynamodb", "sqs", "sns", "sesv2")}


def provision(endpoint: str, region: str, *, sender: str, pipeline: Pipeline = PIPELINE) -> dict[str, str]:
    """Create everything and answer the env vars (TABLE_*, QUEUE_*_URL, TOPIC_*_ARN)."""
    aws = clients(endpoint, region)
    env: dict[str, str] = {}
    for table in pipeline.tables:
        create_table(aws["dynamodb"], table)
        env[env_name_for("table", table.name)] = table.name
    for queue in pipeline.queues:
        env[env_name_for("queue", queue.name)] = create_queue(aws["sqs"], queue)
    for topic in pipeline.topics:
        env[env_name_for("topic", topic.name)] = aws["sns"].create_topic(Name=topic.name)["TopicArn"]
    # SES refuses unverified senders, in moto as in a new AWS account.
    aws["sesv2"].create_email_identity(EmailIdentity=sender)
    return env


def create_table(dynamodb: Any, table: Table) -> None:
    keys = [(table.partition_key, "HASH")] + ([(table.sort_key, "RANGE")] if table.sort_key else [])
    attributes = {name for name, _ in keys} | {name for _, pk, sk in table.indexes for name in (pk, sk)}
    request: dict[str, Any] = {
        "TableName": table.name,
        "KeySchema": [{"AttributeName": name, "KeyType": kind} for name, kind in keys],
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"} for name in sorted(attributes)
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if table.indexes:
        request["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index,
                "KeySchema": [
                    {"AttributeName": pk, "KeyType": "HASH"},
                    {"AttributeName": sk, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index, pk, sk in table.indexes
        ]
    dynamodb.create_table(**request)
    if table.ttl_attribute:
        dynamodb.update_time_to_live(
            TableName=table.name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
        )


def create_queue(sqs: Any, queue: Queue) -> str:
    dlq_url = sqs.create_queue(QueueName=f"{queue.name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(queue.max_receive_count)}
    return str(
        sqs.create_queue(
            QueueName=queue.name,
            Attributes={
                "VisibilityTimeout": str(queue.visibility_timeout_s),
                "RedrivePolicy": json.dumps(redrive),
            },
        )["QueueUrl"]
    )
