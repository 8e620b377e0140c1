"""Provision the pipeline's tables, queues and topics in moto server, exactly as
infra.pipeline describes them, and compute the environment the functions read.

Provisioning leaves alone what exists already: a stand-in restored from `cxloop serve
--data-dir` (infra/local/persistence.py) keeps its tables, queues, topics and buckets as they
were, and only what a newer pipeline adds is created."""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.exceptions import ClientError

from infra.local.defaults import (
    ACCOUNT_ID,
    FAKE_KEY,
    REGION,
    SALESFORCE_SECRET_NAME,
    SERVICENOW_SECRET_NAME,
    SUPPRESSION_KEY,
    ZENDESK_SECRET_NAME,
    salesforce_secret,
    servicenow_secret,
    zendesk_secret,
)
from infra.pipeline import (
    PIPELINE,
    Bucket,
    DeliveryStream,
    Pipeline,
    Queue,
    Table,
    Topic,
    dead_letters_name,
    env_name_for,
)

# The data lake's bucket in moto (a name: there is no other account to clash with locally).
LAKE_BUCKET = "cxloop-lake"
# Firehose needs a role to deliver with; moto checks only that one is named.
FIREHOSE_ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/cxloop-firehose"


def local_session(region: str = REGION) -> boto3.session.Session:
    """A boto3 session for the local runtime's moto: it takes any credentials, and these keep
    boto3 from looking for real ones."""
    return boto3.session.Session(
        aws_access_key_id=FAKE_KEY, aws_secret_access_key=FAKE_KEY, region_name=region
    )


def clients(endpoint: str, region: str) -> dict[str, Any]:
    session = local_session(region)
    return {
        name: session.client(name, endpoint_url=endpoint)
        for name in ("dynamodb", "sqs", "sns", "sesv2", "dynamodbstreams", "firehose", "s3")
    }


def provision(endpoint: str, region: str, *, sender: str, pipeline: Pipeline = PIPELINE) -> dict[str, str]:
    """Create everything and answer the env vars (TABLE_*, QUEUE_*_URL, TOPIC_*_ARN,
    FIREHOSE_*_NAME, BUCKET_*_NAME, and the suppression list's key, which AWS keeps in
    Secrets Manager)."""
    aws = clients(endpoint, region)
    env: dict[str, str] = {}
    for table in pipeline.tables:
        create_table(aws["dynamodb"], table)
        env[env_name_for("table", table.name)] = table.name
    for queue in pipeline.queues:
        env[env_name_for("queue", queue.name)] = create_queue(aws["sqs"], queue)
        dead_letters = aws["sqs"].get_queue_url(QueueName=f"{queue.name}-dlq")["QueueUrl"]
        env[env_name_for("queue", dead_letters_name(queue.name))] = dead_letters
    for topic in pipeline.topics:
        env[env_name_for("topic", topic.name)] = create_topic(aws["sns"], aws["sqs"], topic, env)
    if any(function.reads_suppression_key for function in pipeline.functions):
        env["CXLOOP_SUPPRESSION_KEY"] = SUPPRESSION_KEY
    if any(function.reads_connector_secrets for function in pipeline.functions):
        # The local Zendesk's credentials, where the connector reads them on AWS too.
        secrets = local_session(region).client("secretsmanager", endpoint_url=endpoint)
        secrets.create_secret(Name=ZENDESK_SECRET_NAME, SecretString=json.dumps(zendesk_secret()))
        secrets.create_secret(Name=SERVICENOW_SECRET_NAME, SecretString=json.dumps(servicenow_secret()))
        secrets.create_secret(Name=SALESFORCE_SECRET_NAME, SecretString=json.dumps(salesforce_secret()))
    # SES refuses unverified senders, in moto as in a new AWS account.
    _unless_exists(aws["sesv2"].create_email_identity, EmailIdentity=sender)
    if pipeline.delivery_streams:
        _unless_exists(aws["s3"].create_bucket, Bucket=LAKE_BUCKET)
    for stream in pipeline.delivery_streams:
        env[env_name_for("firehose", stream.name)] = create_delivery_stream(aws["firehose"], stream)
    for bucket in pipeline.buckets:
        env[env_name_for("bucket", bucket.name)] = create_bucket(aws["s3"], bucket)
    return env


# What moto answers when a table, identity, bucket or delivery stream exists already.
ALREADY_EXISTS = ("ResourceInUseException", "AlreadyExistsException", "BucketAlreadyOwnedByYou")


def _unless_exists(create: Any, **request: Any) -> bool:
    """Create unless it exists; answers whether it was created."""
    try:
        create(**request)
    except ClientError as error:
        if error.response["Error"]["Code"] not in ALREADY_EXISTS:
            raise
        return False
    return True


def bucket_name(bucket: Bucket) -> str:
    """The pipeline bucket's name in moto (names are global on AWS, where CDK names them)."""
    return f"cxloop-{bucket.name}"


def create_bucket(s3: Any, bucket: Bucket) -> str:
    """The bucket with its lifecycle rules (moto keeps them; nothing expires locally)."""
    name = bucket_name(bucket)
    if not _unless_exists(s3.create_bucket, Bucket=name):
        return name
    # Versioned as on AWS: each upload is its own object version (an import keys on it).
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    if bucket.expire_after_days:
        rules = [
            {
                "ID": f"expire-{prefix.strip('/') or 'all'}",
                "Filter": {"Prefix": prefix},
                "Status": "Enabled",
                "Expiration": {"Days": days},
            }
            for prefix, days in bucket.expire_after_days
        ]
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
    return name


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
    if table.stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
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
    if _unless_exists(dynamodb.create_table, **request) and table.ttl_attribute:
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


def create_topic(sns: Any, sqs: Any, topic: Topic, env: dict[str, str]) -> str:
    """The topic, and its subscribed queues as on AWS: raw delivery off, so each message
    arrives wrapped in its SNS envelope (moto delivers SNS to SQS)."""
    arn = str(sns.create_topic(Name=topic.name)["TopicArn"])
    for queue in topic.subscribed_queues:
        queue_url = env[env_name_for("queue", queue)]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True)
    return arn


def create_delivery_stream(firehose: Any, stream: DeliveryStream) -> str:
    """The delivery stream as the CDK app configures it (moto keeps the partitioning settings
    but does not apply them: infra.local.stream_pollers.DynamicPartitioner does)."""
    _unless_exists(
        firehose.create_delivery_stream,
        DeliveryStreamName=stream.name,
        DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={
            "RoleARN": FIREHOSE_ROLE_ARN,
            "BucketARN": f"arn:aws:s3:::{LAKE_BUCKET}",
            "Prefix": stream.prefix,
            "ErrorOutputPrefix": stream.error_prefix,
            "DynamicPartitioningConfiguration": {"Enabled": True},
        },
    )
    return stream.name
