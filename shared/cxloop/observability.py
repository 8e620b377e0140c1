"""The one Logger and Metrics of the process (docs/ARCHITECTURE.md, Rules every step keeps).

Every function logs through `logger`, with the correlation id that follows the
customer from event to alert set by the handler. Personal data (email, phone,
name, comment text) is never passed to the logger: log ids, not people.

No tracer: Lambda's and API Gateway's active X-Ray tracing draws the loop from outside
the code (SQS passes the trace header from step to step), and OpenTelemetry, when a
deployment wants spans inside a function, comes with the ADOT layer and its wrapper
script (the `openTelemetry` deploy setting, infra/cdk/context.py), not from an import
here: every cold start would pay for an SDK most deployments never read.
"""

from __future__ import annotations

import logging

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from cxloop.config import settings

SERVICE = "cxloop"
NAMESPACE = "cxloop"


def _log_handler() -> logging.Handler | None:
    """Lambda logs to stdout (CloudWatch); the local runtime may ask for a file."""
    path = settings().log_file
    return logging.FileHandler(path, encoding="utf-8") if path else None


logger = Logger(service=SERVICE, logger_handler=_log_handler())
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


def set_correlation_id(correlation_id: str | None) -> None:
    """Tag this thread's log lines with the customer's correlation id.

    Thread-safe keys, because the local runtime runs many invocations at once in
    one process (Lambda runs one per instance, where this costs nothing extra).
    """
    logger.thread_safe_remove_keys(["correlation_id"])
    if correlation_id:
        logger.thread_safe_append_keys(correlation_id=correlation_id)


__all__ = ["MetricUnit", "logger", "metrics", "set_correlation_id"]
