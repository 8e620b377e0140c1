"""Shared fixtures: a moto server per test worker, reset and provisioned from the
pipeline description for each test that asks for `aws`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE", "1")
# Tests never reach real AWS: credentials are fake and every client gets an endpoint.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")


@dataclass(frozen=True)
class LocalAws:
    """moto server with the pipeline's resources; `env` is what functions would read."""

    endpoint: str
    env: dict[str, str]
    clients: dict[str, Any]

    def table(self, name: str) -> str:
        return self.env[f"TABLE_{name.upper()}"]

    def queue_url(self, name: str) -> str:
        return self.env[f"QUEUE_{name.upper()}_URL"]

    def topic_arn(self, name: str) -> str:
        return self.env[f"TOPIC_{name.upper()}_ARN"]

    def drain(self, queue: str) -> list[dict[str, Any]]:
        """Every message waiting on a queue (received and deleted)."""
        sqs, url = self.clients["sqs"], self.queue_url(queue)
        found: list[dict[str, Any]] = []
        while True:
            batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
            messages = batch.get("Messages", [])
            if not messages:
                return found
            for message in messages:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            found.extend(messages)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    from infra.local.runtime import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def moto_clients(moto_endpoint: str) -> dict[str, Any]:
    """Clients outlive a reset (they hold no state); building them costs ~0.2 s a test."""
    from infra.local.defaults import REGION
    from infra.local.resources import clients

    return clients(moto_endpoint, REGION)


@pytest.fixture
def aws(moto_endpoint: str, moto_clients: dict[str, Any]) -> LocalAws:
    from infra.local.defaults import REGION, SENDER_ADDRESS
    from infra.local.resources import provision

    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10)
    env = provision(moto_endpoint, REGION, sender=SENDER_ADDRESS)
    return LocalAws(moto_endpoint, env, moto_clients)
