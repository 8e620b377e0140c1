"""The AWS calls each function makes, written down for the IAM contract test.

`make test` sets CXLOOP_RECORD_AWS_CALLS to a directory; every client of the one shared
session (cxloop.adapters.aws) then appends, for each distinct call made while a function
runs, a JSON line naming the function, the IAM service prefix, the operation and the
parameters that name its resources. tests/iam_contract/ checks each line against that
function's role in the synthesized template. Without the variable nothing is registered,
so Lambda pays nothing.

Which function is calling is whatever `acting_as` set around its invocation: the local
runtime (infra/local/context.py) and the integration tests' support module do that.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

RECORD_VARIABLE = "CXLOOP_RECORD_AWS_CALLS"
# Set by tests/benchmarks/requests_per_loop.py: every request then names the function making it
# in FUNCTION_HEADER, so the local stand-in counts requests per function
# (infra/local/request_counts.py). Off on Lambda: nothing is added.
TAG_VARIABLE = "CXLOOP_TAG_AWS_REQUESTS"
FUNCTION_HEADER = "X-Cxloop-Function"

# The request parameters that name a call's resources (tests/iam_contract/calls.py turns them
# into ARNs). Only names, never contents: no message bodies or personal data are written.
NAMING_PARAMETERS = (
    "TableName",
    "IndexName",
    "QueueUrl",
    "QueueName",
    "TopicArn",
    "TargetArn",
    "Bucket",
    "Key",
    "VersionId",
    "CopySource",
    "SecretId",
    "KeyId",
    "FromEmailAddress",
    "FromEmailAddressIdentityArn",
    "ConfigurationSetName",
    "DeliveryStreamName",
    "WorkGroup",
    "StreamArn",
    "OriginationIdentity",
    "originationPhoneNumberId",  # socialmessaging's parameters are camelCase
    "UserPoolId",
)

_function: ContextVar[str | None] = ContextVar("cxloop_function", default=None)


@contextmanager
def acting_as(function: str) -> Iterator[None]:
    """Attribute the AWS calls made inside the block to `function`."""
    token = _function.set(function)
    try:
        yield
    finally:
        _function.reset(token)


def watch(session: Any) -> None:
    """Record the calls of the session's clients when CXLOOP_RECORD_AWS_CALLS names a
    directory (register before making clients: each client copies the session's hooks)."""
    directory = os.environ.get(RECORD_VARIABLE)  # a test switch, not a function's settings
    if directory:
        session.events.register("before-parameter-build", _CallWriter(Path(directory)).record)
    if os.environ.get(TAG_VARIABLE):  # a benchmark's switch, likewise
        session.events.register("before-send", _tag_with_function)


def _tag_with_function(request: Any, **_: Any) -> None:
    # After signing: the stand-in does not check signatures, and the header is only ever local.
    request.headers[FUNCTION_HEADER] = _function.get() or "(event source mapping)"


def naming_parameters(params: dict[str, Any]) -> dict[str, Any]:
    # Strings only: DynamoDB's `Key` is an item's key (a customer's id), S3's an object's name.
    found: dict[str, Any] = {n: params[n] for n in NAMING_PARAMETERS if isinstance(params.get(n), str)}
    if "RequestItems" in params:  # BatchGetItem / BatchWriteItem: one entry per table
        found["RequestItems"] = sorted(params["RequestItems"])
    if "TransactItems" in params:  # one {action: table} per item
        found["TransactItems"] = sorted(
            {json.dumps({kind: item[kind]["TableName"]}) for item in params["TransactItems"] for kind in item}
        )
    return found


class _CallWriter:
    """Appends each distinct call once, to one file per process (pytest-xdist workers and
    the served runtime's subprocess each write their own)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.seen: set[str] = set()
        self.lock = threading.Lock()

    def record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        function = _function.get()
        if function is None:  # a test's own set-up or a poller: not a function's call
            return
        service = model.service_model
        line = json.dumps(
            {
                "function": function,
                "service": service.signing_name,
                "client": service.service_name,
                "operation": model.name,
                "params": naming_parameters(params),
            },
            sort_keys=True,
        )
        with self.lock:
            if line in self.seen:
                return
            self.seen.add(line)
            self.directory.mkdir(parents=True, exist_ok=True)
            with (self.directory / f"calls-{os.getpid()}.jsonl").open("a", encoding="utf-8") as out:
                out.write(line + "\n")
