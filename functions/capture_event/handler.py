"""capture_event: POST /v1/events, the signed ERP webhook (contract §3.1)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types

from cxloop.adapters.dynamo import DynamoInteractionStore
from cxloop.adapters.messaging import SqsQueue
from cxloop.adapters.secrets import webhook_secrets
from cxloop.config import settings
from cxloop.domain.capture import SignedRequest, accept_event
from cxloop.domain.errors import FieldProblem, PayloadTooLarge
from cxloop.domain.events import MAX_BODY_BYTES
from cxloop.domain.ports import InteractionStore, MessageQueue
from cxloop.http import correlation_id_from, header, make_resolver
from cxloop.observability import MetricUnit, logger, metrics, set_correlation_id, tracer


@dataclass(frozen=True)
class Deps:
    interactions: InteractionStore
    dispatch: MessageQueue
    secrets: Callable[[], list[str]]
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


def create_app(deps: Deps) -> APIGatewayRestResolver:
    app = make_resolver()

    @app.post("/v1/events")
    def post_event() -> Response[dict[str, Any]]:
        event = app.current_event
        headers = dict(event.headers or {})
        correlation_id = correlation_id_from(headers)
        set_correlation_id(correlation_id)
        accepted = accept_event(
            SignedRequest(
                body=raw_body(event.raw_event),
                timestamp=header(headers, "X-Cx-Timestamp"),
                signature=header(headers, "X-Cx-Signature"),
                correlation_id=correlation_id,
            ),
            secrets=deps.secrets(),
            now=deps.clock(),
            interactions=deps.interactions,
            dispatch=deps.dispatch,
        )
        set_correlation_id(accepted.correlation_id)
        logger.info(
            "event accepted", extra={"interaction_id": accepted.interaction_id, "new": accepted.is_new}
        )
        if accepted.is_new:
            metrics.add_metric(name="EventsAccepted", unit=MetricUnit.Count, value=1)
        return Response(
            202 if accepted.is_new else 200,
            content_types.APPLICATION_JSON,
            {"interaction_id": accepted.interaction_id, "status": "accepted"},
            headers={"X-Correlation-Id": accepted.correlation_id},
        )

    return app


def raw_body(event: dict[str, Any]) -> bytes:
    """The bytes the ERP signed; refused when too large, before any HMAC or parsing."""
    body = event.get("body") or ""
    data = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")
    if len(data) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"body exceeds {MAX_BODY_BYTES} bytes", [FieldProblem("body", "too large")])
    return data


@cache
def _app() -> APIGatewayRestResolver:
    config = settings()
    return create_app(
        Deps(
            interactions=DynamoInteractionStore(config.table("interactions")),
            dispatch=SqsQueue(config.queue_url("dispatch")),
            secrets=lambda: webhook_secrets(config),
        )
    )


@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
