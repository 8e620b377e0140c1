"""The webhook secrets in force: current and previous, so rotation needs no downtime."""

from __future__ import annotations

import json

from cxloop.config import Settings


def webhook_secrets(settings: Settings) -> list[str]:
    """From Secrets Manager on AWS (cached 5 minutes, so a rotation lands within that),
    from CXLOOP_WEBHOOK_SECRET locally. The secret holds {"current": ..., "previous": ...}."""
    if not settings.webhook_secret_arn:
        return list(settings.webhook_secrets)
    from aws_lambda_powertools.utilities.parameters import get_secret  # noqa: PLC0415

    raw = str(get_secret(settings.webhook_secret_arn, max_age=300))
    try:
        document = json.loads(raw)
    except ValueError:
        return [s.strip() for s in raw.split(",") if s.strip()]
    return [str(document[k]) for k in ("current", "previous") if document.get(k)]
