"""capture_event: POST /v1/events, the signed ERP webhook (docs/ARCHITECTURE.md, The public
contract), and its batch form POST /v1/events/batch (up to 500 events, one result each:
cxloop.domain.intake.batch)."""

from __future__ import annotations

from cxloop.startup import built_once

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types

from cxloop.adapters.interactions import DynamoInteractionStore
from cxloop.adapters.messaging import SqsQueue
from cxloop.adapters.secrets import webhook_secrets
from cxloop.config import settings
from cxloop.domain.intake.batch import MAX_BATCH_BODY_BYTES, accept_batch
from cxloop.domain.intake.capture_event import Accepted, SignedRequest, accept_event, accept_valid_event
from cxloop.domain.intake.ports import InteractionStore
from cxloop.domain.kernel.errors import FieldProblem, PayloadTooLarge
from cxloop.domain.kernel.events import MAX_BODY_BYTES, InteractionEvent
from cxloop.domain.kernel.queues import MessageQueue
from cxloop.http import correlation_id_from, header, make_resolver
from cxloop.observability import MetricUnit, logger, metrics, set_correlation_id


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

    @app.post(
        "/v1/events/batch",
        summary="Report up to 500 key customer moments at once (signed ERP webhook)",
        description=BATCH_DESCRIPTION,
        responses={
            200: {"description": "One result per event, in order, with counts"},
            401: {"description": "Missing, wrong or stale signature"},
            413: {"description": "More than 500 events, or a body over 5 MB"},
        },
    )
    def post_batch() -> Response[dict[str, Any]]:
        event = app.current_event
        headers = dict(event.headers or {})
        correlation_id = correlation_id_from(headers)
        set_correlation_id(correlation_id)
        context = app.lambda_context
        now = deps.clock()

        def accept(item: InteractionEvent, item_correlation_id: str) -> Accepted:
            return accept_valid_event(
                item,
                correlation_id=item_correlation_id,
                now=now,
                interactions=deps.interactions,
                dispatch=deps.dispatch,
            )

        outcome = accept_batch(
            SignedRequest(
                body=raw_body(event.raw_event, limit=MAX_BATCH_BODY_BYTES),
                timestamp=header(headers, "X-Cx-Timestamp"),
                signature=header(headers, "X-Cx-Signature"),
                correlation_id=correlation_id,
            ),
            secrets=deps.secrets(),
            now=now,
            accept=accept,
            time_left_s=lambda: context.get_remaining_time_in_millis() / 1000 if context else 60.0,
        )
        counts = {k: v for k, v in outcome.as_json().items() if k != "results"}
        logger.info("batch accepted", extra=counts)
        metrics.add_metric(name="EventsAccepted", unit=MetricUnit.Count, value=counts["accepted"])
        return Response(
            200,
            content_types.APPLICATION_JSON,
            outcome.as_json(),
            headers={"X-Correlation-Id": correlation_id},
        )

    return app


BATCH_DESCRIPTION = (
    'Body {"events": [...]}: 1 to 500 events of POST /v1/events, in at most 5 MB (each event at most '
    "256 KB), signed once over the raw body like a single event. Each event is validated and accepted "
    'on its own: status "accepted" (new), "duplicate" (already accepted: its original interaction_id), '
    '"rejected" (error names each field, as POST /v1/events answers 400) or "retry" (a dependency '
    "failed on it: send just those again; the others stay accepted)."
)


def raw_body(event: dict[str, Any], limit: int = MAX_BODY_BYTES) -> bytes:
    """The bytes the ERP signed; refused when too large, before any HMAC or parsing."""
    body = event.get("body") or ""
    data = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")
    if len(data) > limit:
        raise PayloadTooLarge(f"body exceeds {limit} bytes", [FieldProblem("body", "too large")])
    return data


@built_once
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
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
