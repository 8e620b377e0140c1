"""scan_qr: GET /q/{code}, a printed QR code scanned at a counter.

Each scan creates an anonymous invitation for the code's touchpoint with a fresh single-use
token and answers 303 to /s/{token}, where survey_page takes over. Unlike /s/{token}, this
GET must change state (a scan needs its own link); link previewers do not scan printed
codes, and `Cache-Control: no-store` keeps any cache from handing one scan's link to the
next person. An unknown code gets a 404 page, a deactivated one a polite 410 page.
"""

from __future__ import annotations

from cxloop.startup import built_once

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from cxloop.adapters.config_store import CachedRulebook, DynamoConfigStore
from cxloop.adapters.invitations import DynamoInvitationStore
from cxloop.adapters.qr_codes import DynamoQrCodeStore
from cxloop.config import settings
from cxloop.domain.configuration.rulebook import Rulebook
from cxloop.domain.contact.sending import survey_url
from cxloop.domain.surveys import qr_codes
from cxloop.domain.surveys.page_document import CONTENT_SECURITY_POLICY
from cxloop.domain.surveys.ports import InvitationStore
from cxloop.domain.surveys.qr_codes import QrCodeStore
from cxloop.domain.surveys.theme import DEFAULT_THEME, Theme
from cxloop.http import header, make_resolver
from cxloop.observability import MetricUnit, logger, metrics, set_correlation_id

_STATUS = {"unknown": 404, "inactive": 410}
_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


@dataclass(frozen=True)
class Deps:
    codes: QrCodeStore
    invitations: InvitationStore
    public_base_url: str
    rulebook: Callable[[], Rulebook] = Rulebook
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    theme: Theme = DEFAULT_THEME


def create_app(deps: Deps) -> APIGatewayRestResolver:
    app = make_resolver()

    @app.get("/q/<code>")
    def scanned(code: str) -> Response[str]:
        book = deps.rulebook()
        outcome = qr_codes.scan(
            code,
            accept_language=header(app.current_event.headers, "Accept-Language"),
            now=deps.clock(),
            codes=deps.codes,
            invitations=deps.invitations,
            catalogue=book.surveys,
            catalogue_version=book.versions.get("surveys"),
        )
        if outcome.token is None or outcome.invitation is None:
            logger.info("QR scan refused", extra={"state": outcome.state})
            page = qr_codes.dead_end_page(outcome.state, language=outcome.language, theme=deps.theme)
            return Response(_STATUS[outcome.state], "text/html; charset=utf-8", page, headers=_HEADERS)
        set_correlation_id(outcome.invitation.correlation_id)
        metrics.add_metric(name="QrScans", unit=MetricUnit.Count, value=1)
        logger.info(
            "QR scanned",
            extra={
                "invitation_id": outcome.invitation.invitation_id,
                "qr_id": outcome.invitation.attributes["qr_id"],
            },
        )
        location = survey_url(deps.public_base_url, outcome.token)
        return Response(303, "text/plain; charset=utf-8", "", headers=_HEADERS | {"Location": location})

    return app


@built_once
def _app() -> APIGatewayRestResolver:
    config = settings()
    return create_app(
        Deps(
            codes=DynamoQrCodeStore(config.table("qr_codes")),
            invitations=DynamoInvitationStore(config.table("invitations")),
            public_base_url=str(config.public_base_url),
            rulebook=CachedRulebook(DynamoConfigStore(config.table("config")), reads=("surveys",)),
        )
    )


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
