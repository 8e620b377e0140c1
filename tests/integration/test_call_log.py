"""The record of AWS calls the IAM contract test reads (cxloop.adapters.call_log): only calls
made while a function runs, once each, naming resources but never an item's key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from cxloop.adapters.call_log import RECORD_VARIABLE, acting_as, watch
from tests.conftest import LocalAws


def _client(aws: LocalAws, service: str) -> Any:
    session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1")
    watch(session)
    return session.client(service, endpoint_url=aws.endpoint)


def _recorded(directory: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line) for path in directory.glob("calls-*.jsonl") for line in path.read_text().splitlines()
    ]


def test_calls_inside_a_function_are_recorded_once_without_item_keys(
    aws: LocalAws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(RECORD_VARIABLE, str(tmp_path))
    dynamodb = _client(aws, "dynamodb")
    key = {"customer_key": {"S": "C-1042"}}
    dynamodb.get_item(TableName=aws.table("contacts"), Key=key)  # a test's own read: not recorded
    with acting_as("send_survey"):
        dynamodb.get_item(TableName=aws.table("contacts"), Key=key)
        dynamodb.get_item(TableName=aws.table("contacts"), Key={"customer_key": {"S": "C-7731"}})
    assert _recorded(tmp_path) == [
        {
            "function": "send_survey",
            "service": "dynamodb",
            "client": "dynamodb",
            "operation": "GetItem",
            "params": {"TableName": aws.table("contacts")},
        }
    ]


def test_nothing_is_recorded_without_the_variable(
    aws: LocalAws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(RECORD_VARIABLE, raising=False)
    sqs = _client(aws, "sqs")
    with acting_as("capture_event"):
        sqs.get_queue_attributes(QueueUrl=aws.queue_url("dispatch"), AttributeNames=["QueueArn"])
    assert not list(tmp_path.iterdir())
