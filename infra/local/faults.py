"""Faults on purpose: the local AWS stand-in answers a chosen share of requests as AWS does
when it is having a bad minute, so a test or a benchmark can show that nothing is lost and
nothing is done twice when AWS misbehaves.

Three kinds, each on a random share of the requests (`POST /_cxloop/faults`):
- `throttle`: refused unapplied, with the throttling error of the service's protocol
  (DynamoDB's and SQS's ThrottlingException; 503 for the others);
- `server_error`: refused unapplied with a 500;
- `dropped`: applied, then the connection drops mid-answer, so the caller cannot know it
  happened: the case that makes an at-least-once step repeat an external send.

These land below the SDK's retries, as AWS's do: botocore retries each a few times. Run
`cxloop serve --faults-above-retries` to give the functions one attempt per call
(AWS_MAX_ATTEMPTS=1), so every fault reaches the code as an exhausted retry would.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

FAULTS_PATH = "/_cxloop/faults"
KINDS = ("throttle", "server_error", "dropped")
# Paths of the stand-in's own (moto's reset and state, ours for inspection) are never faulted.
SPARED_PREFIXES = ("/_cxloop/", "/moto-api")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass
class FaultPlan:
    share: float = 0.0
    kinds: tuple[str, ...] = KINDS
    seed: int | None = None
    injected: Counter[str] = field(default_factory=Counter)
    # Dropped requests by the service they went to: a dropped send (SES, SNS, SMS) took effect
    # unseen, the one case a step cannot tell from a failure (cxloop.domain.kernel.sends).
    dropped_by_service: Counter[str] = field(default_factory=Counter)
    requests: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.share <= 1:
            raise ValueError("share must be between 0 and 1")
        unknown = set(self.kinds) - set(KINDS)
        if unknown or not self.kinds:
            raise ValueError(f"kinds must be some of {', '.join(KINDS)}")
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()

    def draw(self, service: str = "") -> str | None:
        """The fault for the next request, or None to answer it normally."""
        with self._lock:
            self.requests += 1
            if self.share == 0 or self._random.random() >= self.share:
                return None
            kind = self._random.choice(self.kinds)
            self.injected[kind] += 1
            if kind == "dropped":
                self.dropped_by_service[service or "unknown"] += 1
            return kind

    def as_json(self) -> dict[str, Any]:
        return {
            "share": self.share,
            "kinds": list(self.kinds),
            "requests": self.requests,
            "injected": dict(self.injected),
            "dropped_by_service": dict(self.dropped_by_service),
        }


def with_faults(app: WsgiApp) -> WsgiApp:
    """The stand-in's app, faulting a share of requests; `GET /_cxloop/faults` tells the plan
    and what it injected, `POST` replaces it (`{"share": 0.1, "kinds": [...], "seed": 7}`)."""
    plan = [FaultPlan()]

    def faulty(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path == FAULTS_PATH:
            return _control(plan, environ, start_response)
        kind = None if path.startswith(SPARED_PREFIXES) else plan[0].draw(service_of(environ))
        if kind is None:
            return app(environ, start_response)
        if kind == "dropped":
            return _dropped(app, environ, start_response)
        return _refused(kind, environ, start_response)

    return faulty


def service_of(environ: dict[str, Any]) -> str:
    """The service a signed request is for, from its SigV4 credential scope
    (`Credential=KEY/DATE/REGION/SERVICE/aws4_request`)."""
    found = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", str(environ.get("HTTP_AUTHORIZATION", "")))
    return found.group(1) if found else ""


def _control(
    plan: list[FaultPlan], environ: dict[str, Any], start_response: Callable[..., Any]
) -> list[bytes]:
    if environ.get("REQUEST_METHOD") == "POST":
        size = int(environ.get("CONTENT_LENGTH") or 0)
        asked = json.loads(environ["wsgi.input"].read(size) or b"{}")
        try:
            plan[0] = FaultPlan(
                share=float(asked.get("share", 0)),
                kinds=tuple(asked.get("kinds", KINDS)),
                seed=asked.get("seed"),
            )
        except ValueError as problem:
            return _json(start_response, "400 Bad Request", {"error": str(problem)})
    return _json(start_response, "200 OK", plan[0].as_json())


def _json(start_response: Callable[..., Any], status: str, found: object) -> list[bytes]:
    body = json.dumps(found).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _refused(kind: str, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """The service's own error shape, so botocore reads the code and retries as it would AWS's."""
    code = "ThrottlingException" if kind == "throttle" else "InternalFailure"
    status = "400 Bad Request" if kind == "throttle" else "500 Internal Server Error"
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    if target:  # JSON protocol (DynamoDB, SQS): the code in __type
        return _json(start_response, status, {"__type": code, "message": "injected fault"})
    if str(environ.get("CONTENT_TYPE", "")).startswith("application/x-www-form-urlencoded"):
        # Query protocol (SNS): an ErrorResponse document.
        code = "Throttling" if kind == "throttle" else "InternalFailure"
        error = f"<Type>Sender</Type><Code>{code}</Code><Message>injected fault</Message>"
        body = f"<ErrorResponse><Error>{error}</Error><RequestId>fault</RequestId></ErrorResponse>"
    elif str(environ.get("PATH_INFO", "")).startswith("/v2/"):
        # REST-JSON (SES v2): the code in a header.
        start_response(status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)])
        return [b'{"message": "injected fault"}']
    else:  # REST-XML (S3)
        code = "SlowDown" if kind == "throttle" else "InternalError"
        status = "503 Slow Down" if kind == "throttle" else status
        body = f"<Error><Code>{code}</Code><Message>injected fault</Message></Error>"
    start_response(status, [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
    return [body.encode()]


def _dropped(app: WsgiApp, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Apply the request, then drop the connection before answering: the caller sees a broken
    connection and cannot know that the request took effect."""
    b"".join(app(environ, lambda *_: lambda _: None))
    connection = environ.get("werkzeug.socket")
    if connection is not None:
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)
    # werkzeug takes a ConnectionError for a client that went away: no answer, no log.
    raise ConnectionAbortedError("injected fault: connection dropped after the request was applied")


def set_faults(
    endpoint: str, share: float, kinds: tuple[str, ...] = KINDS, seed: int | None = None
) -> dict[str, Any]:
    """Ask the stand-in at endpoint to fault `share` of the requests from now on; its plan back."""
    import requests  # noqa: PLC0415 - only a faulted run needs it

    answer = requests.post(
        f"{endpoint}{FAULTS_PATH}", json={"share": share, "kinds": list(kinds), "seed": seed}, timeout=10
    )
    answer.raise_for_status()
    return dict(answer.json())


def fault_plan(endpoint: str) -> dict[str, Any]:
    """The stand-in's current plan and what it injected so far (`GET /_cxloop/faults`)."""
    import requests  # noqa: PLC0415 - only a faulted run needs it

    answer = requests.get(f"{endpoint}{FAULTS_PATH}", timeout=10)
    answer.raise_for_status()
    return dict(answer.json())


def stop_faults(endpoint: str) -> Counter[str]:
    """What the stand-in injected under its current plan, by kind; then no more faults."""
    injected = fault_plan(endpoint)["injected"]
    set_faults(endpoint, 0.0)
    return Counter(injected)
