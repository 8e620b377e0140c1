"""The REST resolver every API function uses, with domain errors mapped to HTTP in
one place (DESIGN rule 8) and the contract's error body:
{"error": {"code", "message", "details": [{"field", "problem"}]}}."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types

from cxloop.domain.errors import (
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
    from cxloop.domain.access import Caller

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
_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def error_response(
    status: int, code: str, message: str, details: list[FieldProblem] | None = None
) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = [{"field": d.field, "problem": d.problem} for d in details]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return Response(status, content_types.APPLICATION_JSON, {"error": body}, headers=headers)


def make_resolver(*, enable_validation: bool = False) -> APIGatewayRestResolver:
    """A resolver whose errors all answer in the contract's JSON shape."""
    app = APIGatewayRestResolver(enable_validation=enable_validation)

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

    @app.not_found
    def _no_route(_exc: Exception) -> Response:
        return error_response(404, "not_found", "no such route")

    return app


def field_of(error: Any) -> str:
    """The dotted field a validation error is about, as the caller wrote it: no "query",
    "path" or "body" prefix, and a discriminated union's tag field named when it is wrong."""
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
    from cxloop.domain.access import Caller  # noqa: PLC0415 - only staff APIs need role scoping

    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims")
    return Caller.from_claims(claims)
