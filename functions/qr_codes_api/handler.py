"""qr_codes_api: the staff API over printed QR codes.

POST   /v1/qr-codes                  create one for a touchpoint (branch managers: their branch)
GET    /v1/qr-codes                  list the scope's codes (?branch=...)
GET    /v1/qr-codes/{qr_id}/image    the printable A6 card (SVG, default) or the code alone (PNG)
DELETE /v1/qr-codes/{qr_id}          deactivate: the printed code then shows a polite 410 page
"""

from __future__ import annotations

from cxloop.startup import built_once

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from cxloop.adapters.config_store import CachedRulebook, DynamoConfigStore
from cxloop.adapters.qr_codes import DynamoQrCodeStore
from cxloop.config import settings
from cxloop.domain.configuration.rulebook import Rulebook
from cxloop.domain.surveys import qr_codes
from cxloop.domain.surveys.qr_codes import QrCode, QrCodeStore, QrRequest
from cxloop.domain.surveys.theme import DEFAULT_THEME, Theme
from cxloop.http import caller_of, make_resolver
from cxloop.observability import MetricUnit, logger, metrics

QrId = Annotated[str, Path(max_length=32, description="The code's id (QR-...), as created")]


@dataclass(frozen=True)
class Deps:
    codes: QrCodeStore
    public_base_url: str
    rulebook: Callable[[], Rulebook] = Rulebook
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    theme: Theme = DEFAULT_THEME


def created_json(code: QrCode, deps: Deps) -> dict[str, Any]:
    """The one answer that carries the code: its public URL, to print or to test."""
    return code.summary() | {
        "url": qr_codes.public_url(deps.public_base_url, code.code),
        "image": f"/v1/qr-codes/{code.qr_id}/image",
    }


def binary(status: int, content_type: str, data: bytes, *, headers: dict[str, str]) -> Response[str]:
    """Powertools encodes a bytes body only after validating the response, which reads bodies
    as text; so it leaves encoded already, flagged the way API Gateway expects."""
    response = Response(status, content_type, base64.b64encode(data).decode("ascii"), headers=headers)
    response.base64_encoded = True
    return response


def create_app(deps: Deps) -> APIGatewayRestResolver:
    app = make_resolver(enable_validation=True)

    @app.post("/v1/qr-codes", summary="Create a printable QR code for a touchpoint")
    def create(request: Annotated[QrRequest, Body()]) -> Response[dict[str, Any]]:
        caller = caller_of(app.current_event.raw_event)
        code = qr_codes.create_code(
            request,
            caller=caller,
            organisation=deps.rulebook().organisation,
            now=deps.clock(),
            store=deps.codes,
        )
        metrics.add_metric(name="QrCodesCreated", unit=MetricUnit.Count, value=1)
        logger.info(
            "QR code created", extra={"qr_id": code.qr_id, "branch": code.branch, "caller": caller.user}
        )
        return Response(201, content_types.APPLICATION_JSON, created_json(code, deps))

    @app.get("/v1/qr-codes", summary="List the QR codes in your scope, newest first")
    def listed(
        branch: Annotated[str | None, Query(max_length=128, description="Only this branch's codes")] = None,
    ) -> dict[str, Any]:
        caller = caller_of(app.current_event.raw_event)
        return {
            "items": [code.summary() for code in qr_codes.list_codes(caller, branch=branch, store=deps.codes)]
        }

    @app.get("/v1/qr-codes/<qr_id>/image", summary="The printable card (SVG) or the code alone (PNG)")
    def image(
        qr_id: QrId,
        format: Annotated[
            Literal["svg", "png"], Query(description="svg: the A6 card; png: the code")
        ] = "svg",
        size: Annotated[int, Query(ge=100, le=2000, description="PNG width in pixels")] = 600,
    ) -> Response[str]:
        code = qr_codes.visible_code(qr_id, caller_of(app.current_event.raw_event), deps.codes)
        url = qr_codes.public_url(deps.public_base_url, code.code)
        headers = {"Cache-Control": "no-store", "Content-Disposition": f'inline; filename="{qr_id}.{format}"'}
        if format == "png":
            return binary(200, "image/png", qr_codes.png_image(url, size_px=size), headers=headers)
        return Response(200, "image/svg+xml", qr_codes.card_svg(code, url, theme=deps.theme), headers=headers)

    @app.delete("/v1/qr-codes/<qr_id>", summary="Deactivate a QR code (it then answers 410)")
    def deactivated(qr_id: QrId) -> dict[str, Any]:
        caller = caller_of(app.current_event.raw_event)
        code = qr_codes.deactivate(qr_id, caller=caller, now=deps.clock(), store=deps.codes)
        logger.info("QR code deactivated", extra={"qr_id": qr_id, "caller": caller.user})
        return code.summary()

    return app


@built_once
def _app() -> APIGatewayRestResolver:
    config = settings()
    return create_app(
        Deps(
            codes=DynamoQrCodeStore(config.table("qr_codes")),
            public_base_url=str(config.public_base_url),
            rulebook=CachedRulebook(DynamoConfigStore(config.table("config")), reads=("organisation",)),
        )
    )


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
