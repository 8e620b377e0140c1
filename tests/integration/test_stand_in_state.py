"""The local AWS stand-in with a data directory (infra/local/persistence.py): what it holds
survives a clean stop and, up to its last save, a kill -9; messages in flight come back;
provisioning again leaves the restored state alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests

from infra.local.datadir import STATE_FILE
from infra.local.defaults import REGION, SENDER_ADDRESS
from infra.local.persistence import KEPT_PATH
from infra.local.recorder import RemoteRecorder
from infra.local.resources import LAKE_BUCKET, clients, provision
from infra.local.runtime import start_stand_in, stop_stand_in
from infra.pipeline import env_name_for
from tests.e2e.conftest import wait_for

TABLE = "interactions"


def _store_a_little(endpoint: str) -> tuple[dict[str, str], dict[str, Any]]:
    env = provision(endpoint, REGION, sender=SENDER_ADDRESS)
    aws = clients(endpoint, REGION)
    queue = env[env_name_for("queue", "responses")]
    aws["dynamodb"].put_item(TableName=TABLE, Item={"interaction_id": {"S": "kept"}})
    aws["sqs"].send_message(QueueUrl=queue, MessageBody="one")
    aws["sqs"].send_message(QueueUrl=queue, MessageBody="two")
    aws["s3"].put_object(Bucket=LAKE_BUCKET, Key="responses/dt=2026-12-07/a.json", Body=b'{"dt": "x"}\n')
    aws["sesv2"].send_email(
        FromEmailAddress=SENDER_ADDRESS,
        Destination={"ToAddresses": ["kept@example.com"]},
        Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Html": {"Data": "b"}}}},
    )
    return env, aws


def _receive_all(aws: dict[str, Any], queue: str) -> list[dict[str, Any]]:
    return list(
        aws["sqs"]
        .receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1, AttributeNames=["All"])
        .get("Messages", [])
    )


def test_a_clean_stop_keeps_everything_and_a_kill_keeps_the_last_save(tmp_path: Path) -> None:
    process, old = start_stand_in(tmp_path)
    try:
        env, aws = _store_a_little(old)
        queue = env[env_name_for("queue", "responses")]
        # One received and not deleted: in flight for five minutes, its receiver about to stop.
        received = aws["sqs"].receive_message(QueueUrl=queue, MaxNumberOfMessages=1, VisibilityTimeout=300)
        in_flight = received["Messages"][0]["Body"]
        wait_for(lambda: RemoteRecorder(old).snapshot()[0])
    finally:
        stop_stand_in(process)

    process, endpoint = start_stand_in(tmp_path)
    try:
        again = provision(endpoint, REGION, sender=SENDER_ADDRESS)
        # The same resources; only the queues' URLs name the stand-in's new port.
        assert again == {name: value.replace(old, endpoint) for name, value in env.items()}
        _check_restored(clients(endpoint, REGION), again[env_name_for("queue", "responses")], in_flight)
        assert [m["to"] for m in RemoteRecorder(endpoint).snapshot()[0]] == ["kept@example.com"]
        requests.put(f"{endpoint}{KEPT_PATH}stream-x", json="42", timeout=10).raise_for_status()
        stored_at = _saved_at(tmp_path)
        # The next periodic save after that, then no clean stop at all.
        wait_for(lambda: _saved_at(tmp_path) > stored_at, timeout_s=20)
        process.kill()
        process.wait()
    finally:
        stop_stand_in(process)

    process, endpoint = start_stand_in(tmp_path)
    try:
        item = clients(endpoint, REGION)["dynamodb"].get_item(
            TableName=TABLE, Key={"interaction_id": {"S": "kept"}}
        )
        assert "Item" in item
        assert requests.get(f"{endpoint}{KEPT_PATH}stream-x", timeout=10).json() == "42"
        assert [m["to"] for m in RemoteRecorder(endpoint).snapshot()[0]] == ["kept@example.com"]
    finally:
        stop_stand_in(process)


def _check_restored(aws: dict[str, Any], queue: str, in_flight: str) -> None:
    item = aws["dynamodb"].get_item(TableName=TABLE, Key={"interaction_id": {"S": "kept"}})
    assert "Item" in item
    messages = {m["Body"]: m for m in _receive_all(aws, queue)}
    assert set(messages) == {"one", "two"}
    # Received once before the stop: the dead-letter queue still counts that receive.
    receives = {body: m["Attributes"]["ApproximateReceiveCount"] for body, m in messages.items()}
    assert receives == {in_flight: "2", ({"one", "two"} - {in_flight}).pop(): "1"}
    lake = aws["s3"].get_object(Bucket=LAKE_BUCKET, Key="responses/dt=2026-12-07/a.json")
    assert lake["Body"].read() == b'{"dt": "x"}\n'


def _saved_at(data: Path) -> int:
    saved = data / STATE_FILE
    return saved.stat().st_mtime_ns if saved.exists() else 0
