"""Secrets Manager reads, and the webhook secrets in force: current and previous, so
rotation needs no downtime."""

from __future__ import annotations

import json
from functools import cache
from typing import Any, Literal

from cxloop.adapters.aws import client
from cxloop.config import Settings


@cache
def secrets_provider() -> Any:
    """Powertools' secrets cache over cxloop's own client: its default provider (get_secret)
    would build a second boto3 session, whose loader parses botocore's endpoints.json again at
    a cold start (see cxloop.adapters.aws.new_session), and whose calls the IAM contract test
    would not see (cxloop.adapters.call_log)."""
    from aws_lambda_powertools.utilities.parameters import SecretsProvider  # noqa: PLC0415

    return SecretsProvider(boto3_client=client("secretsmanager"))


def secret_value(name: str, *, max_age: int, transform: Literal["json"] | None = None) -> Any:
    """The secret's value, read again once it is max_age seconds old (so a rotation lands
    within that); parsed when transform is "json". Powertools' GetParameterError or
    TransformParameterError when it cannot be read or parsed."""
    return secrets_provider().get(name, max_age=max_age, transform=transform)


def webhook_secrets(settings: Settings) -> list[str]:
    """From Secrets Manager on AWS (cached 5 minutes, so a rotation lands within that),
    from CXLOOP_WEBHOOK_SECRET locally. The secret holds {"current": ..., "previous": ...}."""
    if not settings.webhook_secret_arn:
        return list(settings.webhook_secrets)
    raw = str(secret_value(settings.webhook_secret_arn, max_age=300))
    try:
        document = json.loads(raw)
    except ValueError:
        return [s.strip() for s in raw.split(",") if s.strip()]
    return [str(document[k]) for k in ("current", "previous") if document.get(k)]
