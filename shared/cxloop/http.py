"""The REST resolver every API function uses, with domain errors mapped to HTTP in
one place (docs/ARCHITECTURE.md, Rules every step keeps) and the contract's error body:
{"error": {"code", "message", "details": [{"field", "problem"}]}}."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from pydantic import BeforeValidator

from cxloop.domain.kernel.errors import (
    Conflict,
    CxloopError,
    FieldProblem,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
    Unavailable,
)
from cxloop.observability import logger

if TYPE_CHECKING:
    from cxloop.domain.organisation.access import Caller

_STATUS: dict[type[CxloopError], int] = {
    InvalidInput: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    InvalidTransition: 409,
    Conflict: 409,
    PayloadTooLarge: 413,
    Unavailable: 503,
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
# The browser origins (scheme://host[:port]) allowed to call this API, comma-separated: the
# dashboard's CloudFront origin on AWS (set by CDK on the staff-route functions), unset locally
# where the dashboard is the API's own origin.
ALLOWED_ORIGINS_VARIABLE = "CXLOOP_ALLOWED_ORIGINS"
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
# What the dashboard sends besides the CORS-safelisted headers.
CORS_REQUEST_HEADERS = ["Authorization", "Content-Type", "If-Match", "X-Correlation-Id"]
CORS_EXPOSED_HEADERS = ["ETag", "X-Correlation-Id"]
CORS_MAX_AGE_S = 600


class _OriginCors(CORSConfig):
    """Powertools' CORS headers plus `Vary: Origin`: the answer depends on the caller's
    origin, so no cache may hand one origin's answer to another."""

    def to_dict(self, origin: str | None) -> dict[str, str]:
        headers = super().to_dict(origin)
        if headers:
            headers["Vary"] = "Origin"
        return headers


def allowed_origins_from(env: Mapping[str, str]) -> tuple[str, ...]:
    """The configured origins; a wildcard or anything that is not a bare origin is refused at
    cold start, so a typo cannot open the API to every site."""
    listed = tuple(
        o.strip().rstrip("/") for o in env.get(ALLOWED_ORIGINS_VARIABLE, "").split(",") if o.strip()
    )
    wrong = [o for o in listed if not _ORIGIN.match(o)]
    if wrong:
        raise ValueError(f"{ALLOWED_ORIGINS_VARIABLE}: not a scheme://host origin: {', '.join(wrong)}")
    return listed


def cors_config(origins: tuple[str, ...]) -> CORSConfig | None:
    """CORS for exactly these origins, echoed back only to them; None when there are none."""
    if not origins:
        return None
    return _OriginCors(
        allow_origin=origins[0],
        extra_origins=list(origins[1:]),
        allow_headers=CORS_REQUEST_HEADERS,
        expose_headers=CORS_EXPOSED_HEADERS,
        max_age=CORS_MAX_AGE_S,
    )


@cache
def allowed_origins() -> tuple[str, ...]:
    """The process's allowed origins, read once at cold start."""
    return allowed_origins_from(os.environ)


def error_response(
    status: int, code: str, message: str, details: list[FieldProblem] | None = None
) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = [{"field": d.field, "problem": d.problem} for d in details]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return Response(status, content_types.APPLICATION_JSON, {"error": body}, headers=headers)


def make_resolver(
    *, enable_validation: bool = False, origins: tuple[str, ...] | None = None
) -> APIGatewayRestResolver:
    """A resolver whose errors all answer in the contract's JSON shape, with CORS headers for
    the allowed browser origins (default: CXLOOP_ALLOWED_ORIGINS) on every answer, errors
    included, so a browser shows the error instead of a CORS failure."""
    cors = cors_config(allowed_origins() if origins is None else origins)
    app = APIGatewayRestResolver(enable_validation=enable_validation, cors=cors)

    @app.exception_handler(CxloopError)
    def _domain_error(exc: CxloopError) -> Response:
        status = next((s for kind, s in _STATUS.items() if isinstance(exc, kind)), 500)
        if status >= 500:
            logger.exception("dependency failure", extra={"code": exc.code})
        else:
            logger.info("request refused", extra={"code": exc.code, "status": status})
        return error_response(status, exc.code, exc.message, exc.details)

    if enable_validation:
        from aws_lambda_powertools.event_handler.openapi.exceptions import (  # noqa: PLC0415
            RequestValidationError,
        )

        @app.exception_handler(RequestValidationError)
        def _invalid_request(exc: RequestValidationError) -> Response:
            details = [FieldProblem(field_of(e), e["msg"]) for e in exc.errors()]
            return error_response(400, "validation_error", "the request is invalid", details)

    @app.exception_handler(UnicodeDecodeError)
    def _not_text(exc: UnicodeDecodeError) -> Response:
        # Powertools decodes a base64 body (bytes that are not UTF-8) to text when it reads the
        # JSON, and raises this instead of a validation error: the caller's bytes, not our fault.
        if not (app.current_event.raw_event or {}).get("isBase64Encoded"):
            raise exc
        problem = FieldProblem("body", "is not UTF-8 text: a JSON body is expected")
        return error_response(400, "validation_error", "the body is not JSON", [problem])

    @app.exception_handler(ValueError)
    def _unreadable_body(exc: ValueError) -> Response:
        # Powertools reads a multipart body only with its boundary, and raises this without one.
        if "boundary" not in str(exc):
            raise exc
        problem = FieldProblem("body", "multipart/form-data without a boundary: a JSON body is expected")
        return error_response(400, "validation_error", "the body cannot be read", [problem])

    @app.not_found
    def _no_route(_exc: Exception) -> Response:
        return error_response(404, "not_found", "no such route")

    return app


def _iso_date(value: Any) -> Any:
    """Pydantic's lax dates also read a number ("0" is 1970-01-01); the contract says YYYY-MM-DD."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise ValueError("must be a date, YYYY-MM-DD")


# A date parameter or body field as the OpenAPI document declares it (format: date), and only that.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


def field_of(error: Any) -> str:
    """The dotted field a validation error is about, as the caller wrote it: no "query",
    "path" or "body" prefix, and a discriminated union's tag field named when it is wrong."""
    if error.get("type") == "json_invalid":  # loc is ("body", offset): the body is not JSON at all
        return "body"
    parts = [str(p) for p in error["loc"] if p not in ("query", "path", "body")]
    if error.get("type") in ("union_tag_invalid", "union_tag_not_found"):
        parts.append(str((error.get("ctx") or {}).get("discriminator", "")).strip("'"))
    return ".".join(parts) or "body"


def correlation_id_from(headers: dict[str, str]) -> str:
    """Honour a caller's X-Correlation-Id when it is sane; otherwise start a new one."""
    offered = next((v for k, v in headers.items() if k.lower() == "x-correlation-id"), "")
    return offered if _CORRELATION_ID.match(offered) else str(uuid.uuid4())


def header(headers: dict[str, str] | None, name: str) -> str | None:
    """Case-insensitive header lookup (API Gateway keeps the client's casing)."""
    wanted = name.lower()
    return next((v for k, v in (headers or {}).items() if k.lower() == wanted), None)


def caller_of(event: dict[str, Any]) -> Caller:
    """The staff member the authorizer vouched for (Cognito on AWS, the local token check
    here), from the claims API Gateway put in the event; refused without them."""
    from cxloop.domain.organisation.access import Caller  # noqa: PLC0415 - only staff APIs need role scoping

    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims")
    return Caller.from_claims(claims)
