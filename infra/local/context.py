"""A LambdaContext for in-process invocations (Lambda itself needs Docker here)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from cxloop.adapters.call_log import acting_as
from infra.local.defaults import ACCOUNT_ID, REGION


class LocalLambdaContext:
    def __init__(self, function_name: str, timeout_s: int, memory_mb: int) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_mb
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def invoke(handler: Callable[[Any, Any], Any], event: Any, context: LocalLambdaContext) -> Any:
    """Call a handler as Lambda would, the AWS calls it makes attributed to its function
    (cxloop.adapters.call_log: the IAM contract test checks them against its role)."""
    with acting_as(context.function_name):
        return handler(event, context)
