"""boto3 clients, created once per process and only when first used.

boto3 honours AWS_ENDPOINT_URL, which is how the local runtime points every
client at moto server without a line of code knowing about it.
"""

from __future__ import annotations

import gzip
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from cxloop.adapters.call_log import watch
from cxloop.adapters.unconfirmed_sends import hold_unconfirmed_sends
from cxloop.domain.kernel.errors import Unavailable

_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)


_CLIENTS_LOCK = threading.Lock()

# botocore's data for the clients cxloop creates, cut down by infra/botocore_data.py (which
# says how and why): the service models without documentation, endpoints.json with only them.
BOTOCORE_DATA = Path(__file__).with_name("botocore_data")
BOTOCORE_MODELS = BOTOCORE_DATA / "models"
BOTOCORE_ENDPOINTS = BOTOCORE_DATA / "endpoints.json.gz"


def new_session() -> Any:
    """A boto3 session whose loader reads cxloop's smaller copies first. The first client of a
    process otherwise parses botocore's endpoints.json (1.2 MB) and the service's whole model,
    mostly documentation: ~40 ms of the dynamodb client's cold start.
    Only this session reads them (the data path is set on it, not in the environment)."""
    import boto3  # noqa: PLC0415 - imported on first use; the import is most of a cold start
    import botocore.session  # noqa: PLC0415
    from botocore.regions import EndpointResolver  # noqa: PLC0415

    core = botocore.session.Session()
    searched = [str(BOTOCORE_MODELS), core.get_config_variable("data_path")]  # AWS_DATA_PATH still counts
    core.set_config_variable("data_path", os.pathsep.join(path for path in searched if path))
    core.register_component("data_loader", _shipped_first_loader(core.get_config_variable("data_path")))
    # The endpoints are botocore's own, trimmed, so they are given as builtin data: loaded from
    # a data path instead, botocore would pass their legacy endpoint to every endpoint rule set
    # as a custom endpoint (account-id, FIPS and dual-stack endpoints would be lost).
    # A private botocore method: tests/unit/adapters/test_botocore_data.py checks its effect.
    with gzip.open(BOTOCORE_ENDPOINTS, "rb") as endpoints:
        resolver = EndpointResolver(json.load(endpoints), uses_builtin_data=True)
    core._register_internal_component("endpoint_resolver", resolver)  # type: ignore[attr-defined]
    return boto3.session.Session(botocore_session=core)


# The model types botocore looks a service up by before it loads a client.
LOOKED_UP_TYPES = ("service-2", "endpoint-rule-set-1")


def _shipped_first_loader(data_path: str) -> Any:
    """botocore's loader, except that a service cxloop ships a model of is known without listing
    botocore's whole data folder: before loading a client's model and its endpoint rules,
    botocore lists every service's folder to check the name (some 3,000 file checks, twice:
    ~9 ms of each cold start). cxloop's session makes clients only for the shipped services
    (tests/unit/adapters/test_botocore_data.py); another name fails as botocore's unknown
    service does."""
    from botocore.loaders import Loader  # noqa: PLC0415

    shipped = sorted(entry.name for entry in BOTOCORE_MODELS.iterdir() if entry.is_dir())

    class ShippedFirstLoader(Loader):  # type: ignore[misc]
        def list_available_services(self, type_name: str) -> list[str]:
            if type_name in LOOKED_UP_TYPES:
                return shipped
            return super().list_available_services(type_name)  # type: ignore[no-any-return]

    searched = [os.path.expanduser(path) for path in data_path.split(os.pathsep) if path]
    return ShippedFirstLoader(extra_search_paths=searched)


@cache
def _session() -> Any:
    session = new_session()
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
