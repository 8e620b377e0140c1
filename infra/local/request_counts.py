"""What the functions ask of AWS, counted by the local stand-in: every request by service and
operation (`GET /_cxloop/requests`), so a benchmark can tell how many requests a closed loop
costs and which (tests/benchmarks/requests_per_loop.py). The stand-in's own paths are not
counted. Requests that name their function (cxloop.adapters.call_log, FUNCTION_HEADER, when
the benchmark turns it on) are also counted per function (`GET /_cxloop/requests/by-function`:
{function: {service:operation: count}})."""

from __future__ import annotations

import io
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from cxloop.adapters.call_log import FUNCTION_HEADER
from infra.local.faults import SPARED_PREFIXES, service_of

REQUESTS_PATH = "/_cxloop/requests"
BY_FUNCTION_PATH = f"{REQUESTS_PATH}/by-function"
# The WSGI name of cxloop.adapters.call_log's FUNCTION_HEADER.
FUNCTION_KEY = "HTTP_" + FUNCTION_HEADER.upper().replace("-", "_")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def with_request_counts(app: WsgiApp) -> WsgiApp:
    counts: Counter[str] = Counter()
    by_function: dict[str, Counter[str]] = {}
    lock = threading.Lock()

    def counting(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path in (REQUESTS_PATH, BY_FUNCTION_PATH):
            with lock:
                shown = counts if path == REQUESTS_PATH else by_function
                body = json.dumps(shown).encode()
            start_response(
                "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            )
            return [body]
        if not path.startswith(SPARED_PREFIXES):
            name = f"{service_of(environ) or 'unknown'}:{operation_of(environ)}"
            function = environ.get(FUNCTION_KEY)
            with lock:
                counts[name] += 1
                if function:
                    by_function.setdefault(str(function), Counter())[name] += 1
        return app(environ, start_response)

    return counting


def operation_of(environ: dict[str, Any]) -> str:
    """The API operation of a request in any of the protocols the stand-in speaks."""
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    if target:  # JSON protocols (DynamoDB, SQS, Firehose...): Service_Version.Operation
        return target.rsplit(".", 1)[-1]
    method, path = str(environ.get("REQUEST_METHOD", "")), str(environ.get("PATH_INFO", ""))
    if str(environ.get("CONTENT_TYPE", "")).startswith("application/x-www-form-urlencoded"):
        return _query_action(environ) or method
    if path.startswith("/v2/email/outbound-emails"):
        return "SendEmail"
    return _rest_operation(method, path)


def _query_action(environ: dict[str, Any]) -> str | None:
    """The Action of a query-protocol request (SNS); the body is read, then put back."""
    size = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(size) if size else b""
    environ["wsgi.input"] = io.BytesIO(body)
    found = parse_qs(body.decode("utf-8", "replace")).get("Action")
    return found[0] if found else None


def _rest_operation(method: str, path: str) -> str:
    """S3 and the other REST protocols: the method and whether it names an object."""
    parts = [part for part in path.split("/") if part]
    on_object = len(parts) > 1
    names = {
        ("GET", True): "GetObject",
        ("PUT", True): "PutObject",
        ("HEAD", True): "HeadObject",
        ("DELETE", True): "DeleteObject",
        ("GET", False): "ListObjects",
    }
    return names.get((method, on_object), f"{method} {'/'.join(parts[:1])}")
