"""The local HTTP gateway: real HTTP in, an API Gateway REST proxy event to the same
handler the Lambda runs, the proxy result back out as HTTP.

Routes come from infra.pipeline. Staff routes check the bearer token the way the
Cognito authorizer does on AWS and pass its claims in requestContext.authorizer. With
CXLOOP_ALLOWED_ORIGINS set, staff routes answer CORS preflights the way the CDK's mock OPTIONS
integration does and the gateway's own errors carry the origin, as API Gateway's gateway
responses do; the functions add it to their answers themselves (cxloop.http).
"""

from __future__ import annotations

import base64
import importlib
import json
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from infra.local.auth import verify_bearer
from infra.local.context import LocalLambdaContext, invoke
from infra.local.fake_channels import FakeChannels
from infra.local.fake_salesforce import FakeSalesforce
from infra.local.fake_servicenow import FakeServiceNow
from infra.local.fake_zendesk import FakeZendesk
from infra.local.oauth import (
    AUTHORIZE_PATH,
    CLIENT_ID,
    LOGOUT_PATH,
    SCOPES,
    TOKEN_PATH,
    AuthorizationServer,
    Identity,
    OAuthEndpoints,
    published_people,
)
from infra.local.recorder import RemoteRecorder
from infra.pipeline import Function, Pipeline, Route

# API Gateway's own payload limit; the handlers enforce the contract's smaller ones.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
log = logging.getLogger("cxloop.local.gateway")
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass(frozen=True)
class BoundRoute:
    route: Route
    function: Function
    pattern: re.Pattern[str]

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.route.method:
            return None
        found = self.pattern.fullmatch(path)
        return found.groupdict() if found else None


def compile_path(template: str) -> re.Pattern[str]:
    """/v1/tickets/{ticket_id} -> a regex with a named group per path parameter."""
    parts = re.split(r"(\{[a-z_]+\})", template)
    regex = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(regex)


def load_handler(function: Function) -> Handler:
    return importlib.import_module(function.handler_module).handler  # type: ignore[no-any-return]


class Gateway:
    def __init__(
        self,
        pipeline: Pipeline,
        *,
        staff_secret: str,
        recorder: RemoteRecorder,
        stage: str = "local",
        fire_schedule: Callable[[str, datetime | None], Any] | None = None,
        allowed_origins: tuple[str, ...] | None = None,
        people: Callable[[], list[Identity]] = published_people,
        channels: FakeChannels | None = None,
        zendesk: FakeZendesk | None = None,
        servicenow: FakeServiceNow | None = None,
        salesforce: FakeSalesforce | None = None,
    ) -> None:
        self.routes = [
            BoundRoute(route, function, compile_path(route.path))
            for function in pipeline.functions
            for route in function.routes
        ]
        self.staff_secret = staff_secret
        self.recorder = recorder
        self.stage = stage
        self.fire_schedule = fire_schedule
        # End User Messaging SMS and WhatsApp, faked under /_local/ (moto has neither).
        self.channels = channels
        # The Zendesk Tickets API, faked under /_local/zendesk (the Zendesk connector's tool).
        self.zendesk = zendesk
        # ServiceNow's Table API, faked under /_local/servicenow (the ServiceNow connector's tool).
        self.servicenow = servicenow
        # The Salesforce REST API, faked under /_local/salesforce (the Salesforce connector's tool).
        self.salesforce = salesforce
        self.cors = CorsPolicy(
            allowed_origins if allowed_origins is not None else origins_from_env(),
            methods_by_path=staff_methods(self.routes),
        )
        self.oauth = OAuthEndpoints(AuthorizationServer(staff_secret, people))
        self._handlers: dict[str, Handler] = {}
        self._running: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def _busy(self, function: Function) -> threading.Lock:
        with self._lock:
            return self._running.setdefault(function.name, threading.Lock())

    def handler_for(self, function: Function) -> Handler:
        with self._lock:
            if function.name not in self._handlers:
                self._handlers[function.name] = load_handler(function)
            return self._handlers[function.name]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        return self.dispatch(request)(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        signing_in = self.oauth(request)
        if signing_in is not None:
            return signing_in
        local = self._faked_channel(request) or self._local_endpoint(request)
        if local is not None:
            return local
        preflight = self.cors.preflight(request)
        if preflight is not None:
            return preflight
        if (request.content_length or 0) > MAX_PAYLOAD_BYTES:
            return self.cors.gateway_error(request, _json(413, {"message": "Request Too Long"}))
        for bound in self.routes:
            params = bound.match(request.method, request.path)
            if params is not None:
                return self._invoke(bound, params, request)
        return self.cors.gateway_error(request, self._no_route(request))

    def _no_route(self, request: Request) -> Response:
        """404 for a path no route serves; 405 naming the methods that path does serve (the
        Allow header RFC 9110 requires), for any other method."""
        methods = sorted({b.route.method for b in self.routes if b.pattern.fullmatch(request.path)})
        if not methods:
            return _json(404, {"error": {"code": "not_found", "message": "no such route"}})
        message = f"{request.method} is not served here; use {', '.join(methods)}"
        refused = _json(405, {"error": {"code": "method_not_allowed", "message": message}})
        refused.headers["Allow"] = ", ".join(methods)
        return refused

    def _faked_channel(self, request: Request) -> Response | None:
        """End User Messaging SMS and Social calls, and GET /_local/channels (fake_channels); the
        Zendesk Tickets API under /_local/zendesk (fake_zendesk); ServiceNow's Table API under
        /_local/servicenow (fake_servicenow); Salesforce's REST API under /_local/salesforce
        (fake_salesforce)."""
        if not request.path.startswith("/_local/"):
            return None
        fakes: tuple[FakeChannels | FakeZendesk | FakeServiceNow | FakeSalesforce | None, ...] = (
            self.channels,
            self.zendesk,
            self.servicenow,
            self.salesforce,
        )
        for fake in fakes:
            answer = fake.handle(request) if fake is not None else None
            if answer is not None:
                return answer
        return None

    def _local_endpoint(self, request: Request) -> Response | None:
        if request.method == "POST" and request.path.startswith("/_local/schedules/"):
            return self._fire(request.path.removeprefix("/_local/schedules/"), request.args.get("at"))
        if request.method != "GET":
            return None
        outbox, alerts = self.recorder.snapshot() if request.path.startswith("/_local/") else ([], [])
        if request.path == "/_local/outbox":
            return _json(200, outbox)
        if request.path == "/_local/alerts":
            return _json(200, alerts)
        if request.path == "/_local/health":
            return _json(200, {"status": "ok"})
        return dashboard_route(request.path)

    def _fire(self, name: str, at: str | None) -> Response:
        """POST /_local/schedules/{function}[?at=ISO-8601]: run a scheduled function now, or as
        of another time; answers what it returned."""
        if self.fire_schedule is None:
            return _json(404, {"error": {"code": "not_found", "message": "no scheduler"}})
        try:
            moment = datetime.fromisoformat(at) if at else None
        except ValueError:
            moment = None
        if at and (moment is None or moment.tzinfo is None):
            problem = {"field": "at", "problem": "an ISO 8601 time with its offset"}
            return _json(
                400, {"error": {"code": "validation_error", "message": "bad at", "details": [problem]}}
            )
        try:
            return _json(200, self.fire_schedule(name, moment))
        except KeyError:
            return _json(404, {"error": {"code": "not_found", "message": f"no scheduled function {name}"}})

    def _invoke(self, bound: BoundRoute, params: dict[str, str], request: Request) -> Response:
        claims = None
        if bound.route.auth == "staff":
            claims = verify_bearer(self.staff_secret, request.headers.get("Authorization"))
            if claims is None:
                refused = _json(
                    401, {"error": {"code": "unauthorized", "message": "a valid bearer token is required"}}
                )
                return self.cors.gateway_error(request, refused)
        event = proxy_event(bound, params, request, claims, self.stage)
        function = bound.function
        context = LocalLambdaContext(function.name, function.timeout_s, function.memory_mb)
        try:
            # One request at a time per function, as in one Lambda execution environment: the
            # Powertools resolver keeps the current event on the app object it shares.
            with self._busy(function):
                result = invoke(self.handler_for(function), event, context)
        except Exception:
            # What API Gateway answers when the integration fails; the traceback goes to our log.
            log.exception("handler %s failed", function.name)
            return self.cors.gateway_error(request, _json(502, {"message": "Internal server error"}))
        # The function's own answer, CORS headers included (or not) by the function itself.
        return proxy_result(result)


def proxy_event(
    bound: BoundRoute, params: dict[str, str], request: Request, claims: dict[str, Any] | None, stage: str
) -> dict[str, Any]:
    """The REST API (v1) Lambda proxy event API Gateway would send."""
    raw = request.get_data(cache=False)
    try:
        body, is_base64 = raw.decode("utf-8"), False
    except UnicodeDecodeError:
        body, is_base64 = base64.b64encode(raw).decode(), True
    query = request.args
    headers = dict(request.headers.items())
    return {
        "resource": bound.route.path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": {k: request.headers.getlist(k) for k in headers},
        "queryStringParameters": {k: query.getlist(k)[-1] for k in query} or None,
        "multiValueQueryStringParameters": {k: query.getlist(k) for k in query} or None,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": bound.route.path,
            "httpMethod": request.method,
            "path": f"/{stage}{request.path}",
            "stage": stage,
            "requestId": str(uuid.uuid4()),
            "requestTime": datetime.now(UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {
                "sourceIp": request.remote_addr or "127.0.0.1",
                "userAgent": request.user_agent.string,
            },
            "authorizer": {"claims": claims} if claims else None,
        },
        "body": body if raw else None,
        "isBase64Encoded": is_base64,
    }


def proxy_result(result: dict[str, Any]) -> Response:
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    response = Response(data, status=int(result.get("statusCode", 502)))
    for name, value in (result.get("headers") or {}).items():
        response.headers[name] = str(value)
    for name, values in (result.get("multiValueHeaders") or {}).items():
        response.headers.remove(name)
        for value in values:
            response.headers.add(name, str(value))
    return response


# --- CORS for a cross-origin dashboard (API Gateway's OPTIONS mock and gateway responses on AWS) ---

ALLOWED_ORIGINS_VARIABLE = "CXLOOP_ALLOWED_ORIGINS"
# What infra/cdk/constructs/api.py passes to add_cors_preflight.
CORS_ALLOW_HEADERS = ("Authorization", "Content-Type", "If-Match", "X-Correlation-Id")
CORS_MAX_AGE_S = 600


def origins_from_env() -> tuple[str, ...]:
    listed = os.environ.get(ALLOWED_ORIGINS_VARIABLE, "")
    return tuple(o.strip().rstrip("/") for o in listed.split(",") if o.strip())


def staff_methods(routes: list[BoundRoute]) -> dict[re.Pattern[str], set[str]]:
    """Each staff resource's path pattern and the methods it serves."""
    found: dict[str, tuple[re.Pattern[str], set[str]]] = {}
    for bound in routes:
        if bound.route.auth == "staff":
            found.setdefault(bound.route.path, (bound.pattern, set()))[1].add(bound.route.method)
    return {pattern: methods for pattern, methods in found.values()}


@dataclass(frozen=True)
class CorsPolicy:
    origins: tuple[str, ...]
    methods_by_path: dict[re.Pattern[str], set[str]]

    def allowed(self, request: Request) -> str | None:
        origin = request.headers.get("Origin")
        return origin if origin and origin in self.origins else None

    def preflight(self, request: Request) -> Response | None:
        """OPTIONS on a staff resource, answered without the authorizer: 204 with the allowed
        methods and headers, and the origin only when it is an allowed one."""
        if not self.origins or request.method != "OPTIONS":
            return None
        methods = next((m for p, m in self.methods_by_path.items() if p.fullmatch(request.path)), None)
        if methods is None:
            return None
        response = Response(status=204)
        origin = self.allowed(request)
        if origin:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Headers"] = ",".join(CORS_ALLOW_HEADERS)
            response.headers["Access-Control-Allow-Methods"] = ",".join(sorted({*methods, "OPTIONS"}))
            response.headers["Access-Control-Max-Age"] = str(CORS_MAX_AGE_S)
        response.headers["Vary"] = "Origin"
        return response

    def gateway_error(self, request: Request, response: Response) -> Response:
        """The gateway's own answers (401, 404, 413, 502) carry the origin too, or the browser
        reports a CORS failure instead of "sign in again"."""
        origin = self.allowed(request)
        if origin:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
        return response


# --- the staff dashboard (static files; S3 + CloudFront on AWS, infra/cdk/constructs/dashboard.py) ---

DASHBOARD_DIR = Path(__file__).resolve().parents[1] / "dashboard"
# The same policy CloudFront adds on AWS: nothing from elsewhere, no inline script or style.
DASHBOARD_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'; frame-ancestors 'none'"
)
DASHBOARD_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}
DASHBOARD_CONFIG = {
    "apiUrl": "",
    "signIn": "oauth",
    "authorizeUrl": AUTHORIZE_PATH,
    "tokenUrl": TOKEN_PATH,
    "logoutUrl": LOGOUT_PATH,
    "clientId": CLIENT_ID,
    "scopes": SCOPES,
}
_ASSET_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*\.[a-z]+$")


def dashboard_route(path: str) -> Response | None:
    """GET /dashboard/...: the staff dashboard's files; None for any other path."""
    if path == "/dashboard":  # relative asset URLs need the trailing slash
        return Response(status=308, headers={"Location": "/dashboard/"})
    if path.startswith("/dashboard/"):
        return dashboard_asset(path.removeprefix("/dashboard/"))
    return None


def dashboard_asset(name: str) -> Response:
    """GET /dashboard/ and its files. Only plain file names of the folder, so no path can
    climb out of it; config.json is answered here as BucketDeployment writes it on AWS (the
    API is this same origin locally, so its base URL is empty, and sign-in is the local OAuth
    stand-in for Cognito's managed login, infra/local/oauth.py)."""
    if name == "":
        name = "index.html"
    elif name == "config.json":
        return _dashboard_response(json.dumps(DASHBOARD_CONFIG).encode(), ".json")
    path = DASHBOARD_DIR / name
    suffix = path.suffix
    if not _ASSET_NAME.fullmatch(name) or suffix not in DASHBOARD_TYPES or not path.is_file():
        return _json(404, {"error": {"code": "not_found", "message": "no such file"}})
    return _dashboard_response(path.read_bytes(), suffix)


def _dashboard_response(body: bytes, suffix: str) -> Response:
    response = Response(body, status=200, content_type=DASHBOARD_TYPES[suffix])
    # index.html and config.json must never be stale; the assets revalidate (they are not
    # content-hashed, so a long max-age would pin an old app.js after an upgrade).
    response.headers["Cache-Control"] = "no-store" if suffix in (".html", ".json") else "no-cache"
    response.headers["Content-Security-Policy"] = DASHBOARD_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _json(status: int, document: object) -> Response:
    return Response(json.dumps(document, ensure_ascii=False), status=status, mimetype="application/json")
