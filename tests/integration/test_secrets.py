"""Secrets Manager reads (cxloop.adapters.secrets) on moto: through cxloop's own client, so a
cold start builds one boto3 session and the IAM contract test sees the calls, with
Powertools' cache keeping a value for max_age."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from cxloop.adapters import aws as aws_clients
from cxloop.adapters.call_log import RECORD_VARIABLE, acting_as
from cxloop.adapters.secrets import secret_value, secrets_provider, webhook_secrets
from cxloop.config import settings_from
from tests.conftest import LocalAws


def _secrets_manager(aws: LocalAws) -> object:
    session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1")
    return session.client("secretsmanager", endpoint_url=aws.endpoint)


def _created(aws: LocalAws, document: dict[str, str]) -> str:
    """A new secret's ARN."""
    answer = _secrets_manager(aws).create_secret(  # type: ignore[attr-defined]
        Name=f"cxloop/test/{uuid.uuid4().hex}", SecretString=json.dumps(document)
    )
    return str(answer["ARN"])


def test_the_webhook_secrets_are_read_with_cxloop_s_client_and_kept_for_max_age(
    lambda_env: LocalAws,
) -> None:
    arn = _created(lambda_env, {"current": "secret-2", "previous": "secret-1"})
    settings = settings_from({"WEBHOOK_SECRET_ARN": arn})
    assert webhook_secrets(settings) == ["secret-2", "secret-1"]
    assert secrets_provider().client is aws_clients.client("secretsmanager")
    _secrets_manager(lambda_env).put_secret_value(  # type: ignore[attr-defined]
        SecretId=arn, SecretString=json.dumps({"current": "secret-3", "previous": "secret-2"})
    )
    assert webhook_secrets(settings) == ["secret-2", "secret-1"], "within max_age the cached value stands"


def test_a_json_secret_is_parsed(lambda_env: LocalAws) -> None:
    arn = _created(lambda_env, {"email": "agent@example.com", "api_token": "token"})
    assert secret_value(arn, max_age=300, transform="json") == {
        "email": "agent@example.com",
        "api_token": "token",
    }


@pytest.fixture
def recording(lambda_env: LocalAws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """cxloop's session made afresh with the call log on (it registers when it is made)."""
    monkeypatch.setenv(RECORD_VARIABLE, str(tmp_path))
    _fresh_session()
    yield tmp_path
    _fresh_session()


def _fresh_session() -> None:
    aws_clients._session.cache_clear()
    aws_clients.client.cache_clear()
    secrets_provider.cache_clear()


def test_a_function_s_secret_read_is_in_the_iam_contract_s_record(
    lambda_env: LocalAws, recording: Path
) -> None:
    arn = _created(lambda_env, {"current": "secret-2"})
    with acting_as("capture_event"):
        webhook_secrets(settings_from({"WEBHOOK_SECRET_ARN": arn}))
    lines = [
        json.loads(line) for path in recording.glob("calls-*.jsonl") for line in path.read_text().splitlines()
    ]
    assert lines == [
        {
            "function": "capture_event",
            "service": "secretsmanager",
            "client": "secretsmanager",
            "operation": "GetSecretValue",
            "params": {"SecretId": arn},
        }
    ]
