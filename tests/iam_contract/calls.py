"""The AWS calls the suites recorded (cxloop.adapters.call_log), as the IAM requests they
are on AWS: an action and the ARN it acts on. Most operations are authorized as the action
of the same name; the ones below are not (the Service Authorization Reference's tables)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import unquote

# (IAM service prefix, operation) -> the action IAM authorizes it as.
AUTHORIZED_AS = {
    ("sqs", "SendMessageBatch"): "SendMessage",
    ("sqs", "DeleteMessageBatch"): "DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "ChangeMessageVisibility",
    ("sns", "PublishBatch"): "Publish",
    ("s3", "HeadObject"): "GetObject",
    ("s3", "ListObjectsV2"): "ListBucket",
    ("s3", "ListObjects"): "ListBucket",
    ("s3", "HeadBucket"): "ListBucket",
    ("s3", "ListObjectVersions"): "ListBucketVersions",
    ("s3", "DeleteObjects"): "DeleteObject",
    ("firehose", "PutRecord"): "PutRecord",
}
# DynamoDB's transactions are authorized item by item, as the single-item action.
TRANSACT_ITEM_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}


@dataclass(frozen=True, order=True)
class Request:
    action: str
    resource: str


@dataclass(frozen=True, order=True)
class Call:
    function: str
    service: str
    operation: str
    params: str  # the naming parameters, as JSON (hashable)

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(json.loads(self.params))

    def __str__(self) -> str:
        return f"{self.function}: {self.service}:{self.operation} {self.params}"


def load_calls(directory: Path) -> set[Call]:
    calls: set[Call] = set()
    for path in sorted(directory.glob("calls-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            raw = json.loads(line)
            params = dict(raw["params"])
            if "QueueUrl" in params:  # the moto server's port differs between test workers
                params["QueueUrl"] = params["QueueUrl"].rsplit("/", 1)[-1]
            calls.add(
                Call(raw["function"], raw["service"], raw["operation"], json.dumps(params, sort_keys=True))
            )
    return _with_streams_read(calls)


def _with_streams_read(calls: set[Call]) -> set[Call]:
    """GetRecords names a shard iterator, not its stream: it reads the streams its function
    got iterators for (GetShardIterator names them)."""
    reads = {c for c in calls if c.operation == "GetRecords" and "StreamArn" not in c.parameters}
    opened = {(c.function, c.parameters["StreamArn"]) for c in calls if c.operation == "GetShardIterator"}
    named = {
        Call(read.function, read.service, read.operation, json.dumps({"StreamArn": stream}))
        for read in reads
        for function, stream in opened
        if function == read.function
    }
    return (calls - reads) | named


def requests_of(call: Call, region: str, account: str) -> list[Request]:
    """The IAM requests one call makes (a batch or transaction makes one per table)."""
    action = f"{call.service}:{AUTHORIZED_AS.get((call.service, call.operation), call.operation)}"
    resources = _RESOURCES.get(call.service)
    if resources is None:  # never allowed: teach this module the service
        return [Request(action, f"unknown:{call.service}:{call.operation}")]
    return resources(action, call.parameters, f"{region}:{account}")


def _sqs(action: str, params: dict[str, Any], where: str) -> list[Request]:
    return [Request(action, f"arn:aws:sqs:{where}:{params.get('QueueUrl', params.get('QueueName', ''))}")]


def _sns(action: str, params: dict[str, Any], where: str) -> list[Request]:
    return [Request(action, params.get("TopicArn") or params.get("TargetArn") or "*")]  # "*": SMS


def _ses(action: str, params: dict[str, Any], where: str) -> list[Request]:
    sender = parseaddr(params.get("FromEmailAddress", ""))[1]
    found = [
        Request(action, params.get("FromEmailAddressIdentityArn") or f"arn:aws:ses:{where}:identity/{sender}")
    ]
    if "ConfigurationSetName" in params:
        found.append(
            Request(action, f"arn:aws:ses:{where}:configuration-set/{params['ConfigurationSetName']}")
        )
    return found


def _firehose(action: str, params: dict[str, Any], where: str) -> list[Request]:
    return [Request(action, f"arn:aws:firehose:{where}:deliverystream/{params['DeliveryStreamName']}")]


def _secretsmanager(action: str, params: dict[str, Any], where: str) -> list[Request]:
    secret = params["SecretId"]
    return [
        Request(
            action, secret if secret.startswith("arn:") else f"arn:aws:secretsmanager:{where}:secret:{secret}"
        )
    ]


def _social_messaging(action: str, params: dict[str, Any], where: str) -> list[Request]:
    # The ARN names the id without the "phone-number-id-" the API takes.
    number = params.get("originationPhoneNumberId", "").removeprefix("phone-number-id-")
    return [
        Request(
            action,
            number
            if number.startswith("arn:")
            else f"arn:aws:social-messaging:{where}:phone-number-id/{number}",
        )
    ]


def _comprehend(action: str, params: dict[str, Any], where: str) -> list[Request]:
    return [Request(action, "*")]  # DetectSentiment has no resource type


def _dynamodb(action: str, params: dict[str, Any], where: str) -> list[Request]:
    tables = f"arn:aws:dynamodb:{where}:table/"
    if "TransactItems" in params:
        items = [json.loads(item) for item in params["TransactItems"]]
        return [
            Request(f"dynamodb:{TRANSACT_ITEM_ACTIONS[kind]}", tables + table)
            for item in items
            for kind, table in item.items()
        ]
    if "RequestItems" in params:
        return [Request(action, tables + table) for table in params["RequestItems"]]
    if "StreamArn" in params:
        return [Request(action, params["StreamArn"])]
    resource = tables + params["TableName"]
    if "IndexName" in params:
        resource += f"/index/{params['IndexName']}"
    return [Request(action, resource)]


def _s3(action: str, params: dict[str, Any], where: str) -> list[Request]:
    bucket = f"arn:aws:s3:::{params['Bucket']}"
    if "Key" not in params:
        return [Request(action, bucket)]
    if "VersionId" in params and action in ("s3:GetObject", "s3:DeleteObject"):
        action += "Version"
    found = [Request(action, f"{bucket}/{params['Key']}")]
    if "CopySource" in params:
        found.append(Request("s3:GetObject", f"arn:aws:s3:::{unquote(params['CopySource'].split('?')[0])}"))
    return found


def _sms_voice(action: str, params: dict[str, Any], where: str) -> list[Request]:
    found = []
    origin = params.get("OriginationIdentity", "")
    if origin:
        kind = "pool" if origin.startswith("pool-") else "phone-number"
        found.append(
            Request(
                action, origin if origin.startswith("arn:") else f"arn:aws:sms-voice:{where}:{kind}/{origin}"
            )
        )
    if "ConfigurationSetName" in params:
        found.append(
            Request(action, f"arn:aws:sms-voice:{where}:configuration-set/{params['ConfigurationSetName']}")
        )
    return found or [Request(action, "*")]


_RESOURCES: dict[str, Callable[[str, dict[str, Any], str], list[Request]]] = {
    "dynamodb": _dynamodb,
    "sqs": _sqs,
    "sns": _sns,
    "s3": _s3,
    "ses": _ses,
    "firehose": _firehose,
    "secretsmanager": _secretsmanager,
    "sms-voice": _sms_voice,
    "social-messaging": _social_messaging,
    "comprehend": _comprehend,
}
