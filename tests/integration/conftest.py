"""Integration fixtures: real adapters on moto, and the Lambda environment for the
real handlers. `lambda_env` is the one place the handlers' cold-start caches are cleared."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cxloop.adapters import aws as aws_clients
from cxloop.adapters import secrets
from cxloop.config import settings
from cxloop.observability import logger
from infra.local.defaults import SENDER_ADDRESS
from tests.conftest import LocalAws
from tests.integration.support import BASE_URL, HANDLERS, PREVIOUS_SECRET, SECRET, Ports


@pytest.fixture
def ports(aws: LocalAws) -> Ports:
    return Ports(aws)


@pytest.fixture
def permissive_contact_policy(ports: Ports) -> int:
    """A company that published a contact policy with no quiet hours, no gap and a wide cap
    (tests.helpers.PERMISSIVE_CONTACT_POLICY), for modules about something else whose
    surveys must go out at once: under the default, NOW (04:30 in Quito) is quiet hours and
    a second survey within a day waits. Its version."""
    return ports.publish_contact_policy()


def _cold_start() -> None:
    """Handlers build settings, clients and ports once per process; a test is a new process."""
    settings.cache_clear()
    aws_clients.client.cache_clear()
    secrets.secrets_provider.cache_clear()  # it holds a client
    for module in HANDLERS.values():
        for name in ("_app", "_step", "_deps"):
            if hasattr(module, name):
                getattr(module, name).cache_clear()


@pytest.fixture
def lambda_env(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalAws]:
    """The environment the CDK app / local runtime gives every function, pointed at moto."""
    for name, value in aws.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint)
    monkeypatch.setenv("CXLOOP_WEBHOOK_SECRET", f"{SECRET},{PREVIOUS_SECRET}")
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE_URL)
    monkeypatch.setenv("SENDER_ADDRESS", SENDER_ADDRESS)
    _cold_start()
    yield aws
    _cold_start()


class _CurrentStdout:
    """Writes to whatever sys.stdout is now: capsys swaps it between test phases."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@pytest.fixture
def json_logs(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The Powertools JSON log lines written during the test.

    The Logger's stream handler holds the stdout of import time; for the length of
    the test it writes to the current stdout instead, which capsys captures.
    """
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler), "Lambda logs to stdout"
    previous = handler.setStream(_CurrentStdout())  # type: ignore[arg-type]

    def read() -> list[dict[str, Any]]:
        lines = capsys.readouterr().out.splitlines()
        return [json.loads(line) for line in lines if line.startswith("{") and '"level"' in line]

    yield read
    handler.setStream(previous)
