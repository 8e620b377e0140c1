"""boto3 clients, created once per process and only when first used.

boto3 honours AWS_ENDPOINT_URL, which is how the local runtime points every
client at moto server without a line of code knowing about it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from functools import cache
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from cxloop.adapters.call_log import watch
from cxloop.adapters.unconfirmed_sends import hold_unconfirmed_sends
from cxloop.domain.kernel.errors import Unavailable

_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)


_CLIENTS_LOCK = threading.Lock()


@cache
def _session() -> Any:
    import boto3  # noqa: PLC0415 - imported on first use; the import is most of a cold start

    session = boto3.session.Session()
    watch(session)  # only under the IAM contract test (cxloop.adapters.call_log)
    hold_unconfirmed_sends(session.events)
    return session


@cache
def client(service: str) -> Any:
    """One client per service from ONE session: a session per client costs ~60 ms each
    at cold start. Sessions are not thread-safe to create clients from, and the local
    runtime runs handlers on many threads, hence the lock (free on Lambda)."""
    with _CLIENTS_LOCK:
        return _session().client(service, config=_CLIENT_CONFIG)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


@contextmanager
def translated(operation: str) -> Iterator[None]:
    """Any AWS failure a retry may fix becomes Unavailable (503 / SQS retry)."""
    try:
        yield
    except ClientError as exc:
        raise Unavailable(f"{operation} failed: {error_code(exc)}") from exc
    except BotoCoreError as exc:
        raise Unavailable(f"{operation} failed: {type(exc).__name__}") from exc


def to_json(document: Any) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, default=_decimal)


def _decimal(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(type(value).__name__)


Factory = Callable[[str], Any]
