"""webhooks_api: outbound webhook subscriptions (Standard Webhooks), for executives.

POST   /v1/webhooks                                         subscribe: 201 with the secret, shown once
GET    /v1/webhooks                                         every subscription (never a secret)
GET    /v1/webhooks/{id}                                    one subscription
DELETE /v1/webhooks/{id}                                    unsubscribe
POST   /v1/webhooks/{id}/rotate                             a new secret; the old one signs a day more
GET    /v1/webhooks/{id}/deliveries                         the newest deliveries and their attempts
POST   /v1/webhooks/{id}/deliveries/{delivery_id}/replay    send one delivery again
"""

from __future__ import annotations

from cxloop.startup import built_once

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from pydantic import ConfigDict, Field

from cxloop.adapters.messaging import SqsQueue
from cxloop.adapters.webhook_http import resolve_host
from cxloop.adapters.webhooks import DynamoDeliveryStore, DynamoSecretStore, DynamoSubscriptionStore
from cxloop.config import settings
from cxloop.domain.integrations import subscriptions as manage
from cxloop.domain.integrations.deliver_webhook import attempt_message
from cxloop.domain.integrations.destinations import Resolver
from cxloop.domain.integrations.models import EVENT_TYPES
from cxloop.domain.integrations.ports import DeliveryStore, SecretStore, SubscriptionStore
from cxloop.domain.kernel.modelling import DomainModel
from cxloop.domain.kernel.queues import MessageQueue
from cxloop.domain.organisation.access import Caller
from cxloop.http import caller_of, make_resolver
from cxloop.observability import MetricUnit, logger, metrics

WebhookId = Annotated[str, Path(max_length=64, description="The subscription's id (wh_...)")]
DeliveryId = Annotated[str, Path(max_length=64, description="The delivery's id (its webhook-id, msg_...)")]


class NewSubscription(DomainModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2048, description="https URL of the receiver (loopback http locally)")
    events: list[str] = Field(min_length=1, max_length=len(EVENT_TYPES), description=", ".join(EVENT_TYPES))
    description: str | None = Field(default=None, max_length=500)
    include_personal_data: bool = Field(
        default=False,
        description="Names, addresses, phones and comments in the events; an audited choice",
    )


@dataclass(frozen=True)
class Deps:
    subscriptions: SubscriptionStore
    secrets: SecretStore
    deliveries: DeliveryStore
    queue: MessageQueue
    resolve: Resolver = resolve_host
    local: bool = False
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def webhooks(self) -> manage.Webhooks:
        return manage.Webhooks(
            self.subscriptions, self.secrets, resolve=self.resolve, clock=self.clock, local=self.local
        )


def create_app(deps: Deps) -> APIGatewayRestResolver:
    app = make_resolver(enable_validation=True)

    def caller() -> Caller:
        return caller_of(app.current_event.raw_event)

    @app.post("/v1/webhooks", summary="Subscribe an endpoint to events (answers its secret, once)")
    def subscribe(request: Annotated[NewSubscription, Body()]) -> Response[dict[str, Any]]:
        who = caller()
        created = manage.subscribe(
            who,
            url=request.url,
            events=request.events,
            description=request.description,
            include_personal_data=request.include_personal_data,
            deps=deps.webhooks(),
        )
        metrics.add_metric(name="WebhookSubscriptions", unit=MetricUnit.Count, value=1)
        # The audit line: who chose, and whether personal data goes out (never the URL's secret parts).
        logger.info(
            "webhook subscribed",
            extra={
                "webhook_id": created["id"],
                "events": created["events"],
                "include_personal_data": created["include_personal_data"],
                "caller": who.user,
            },
        )
        return Response(201, content_types.APPLICATION_JSON, created)

    @app.get("/v1/webhooks", summary="Every webhook subscription (never their secrets)")
    def listed() -> dict[str, Any]:
        manage.require_executive(caller())
        found = sorted(deps.subscriptions.everything(), key=lambda s: s.created_at)
        return {"items": [s.public() for s in found]}

    @app.get("/v1/webhooks/<webhook_id>", summary="One webhook subscription (never its secret)")
    def one(webhook_id: WebhookId) -> dict[str, Any]:
        return manage.find(caller(), webhook_id, deps.webhooks()).public()

    @app.delete("/v1/webhooks/<webhook_id>", summary="Unsubscribe: nothing more is delivered")
    def deleted(webhook_id: WebhookId) -> dict[str, Any]:
        who = caller()
        manage.unsubscribe(who, webhook_id, deps.webhooks())
        logger.info("webhook unsubscribed", extra={"webhook_id": webhook_id, "caller": who.user})
        return {"id": webhook_id, "status": "deleted"}

    @app.post("/v1/webhooks/<webhook_id>/rotate", summary="A new secret; the old one also signs for 24 h")
    def rotated(webhook_id: WebhookId) -> dict[str, Any]:
        who = caller()
        answer = manage.rotate(who, webhook_id, deps.webhooks())
        logger.info("webhook secret rotated", extra={"webhook_id": webhook_id, "caller": who.user})
        return answer

    @app.get("/v1/webhooks/<webhook_id>/deliveries", summary="The newest deliveries and their attempts")
    def deliveries(webhook_id: WebhookId) -> dict[str, Any]:
        found = manage.deliveries_of(caller(), webhook_id, deps.webhooks(), deps.deliveries)
        return {"items": [d.public() for d in found]}

    @app.post(
        "/v1/webhooks/<webhook_id>/deliveries/<delivery_id>/replay",
        summary="Send one delivery again, with its webhook-id",
    )
    def replay(webhook_id: WebhookId, delivery_id: DeliveryId) -> Response[dict[str, Any]]:
        who = caller()
        delivery = manage.delivery_of(who, webhook_id, delivery_id, deps.webhooks(), deps.deliveries)
        deps.queue.send(
            attempt_message(delivery, 1, deps.clock(), correlation_id=delivery.message_id, replay=True),
            correlation_id=delivery.message_id,
        )
        logger.info("webhook replay queued", extra={"webhook_id": webhook_id, "caller": who.user})
        return Response(202, content_types.APPLICATION_JSON, {"id": delivery_id, "status": "queued"})

    return app


@built_once
def _app() -> APIGatewayRestResolver:
    config = settings()
    return create_app(
        Deps(
            subscriptions=DynamoSubscriptionStore(config.table("webhooks")),
            secrets=DynamoSecretStore(config.table("webhook_secrets")),
            deliveries=DynamoDeliveryStore(config.table("webhook_deliveries")),
            queue=SqsQueue(config.queue_url("webhooks")),
            local=config.local,
        )
    )


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
