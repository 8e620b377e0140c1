"""deliver_webhook: consumes `webhooks`; fans announced events out to their subscribers and sends
each delivery signed (Standard Webhooks), retrying over a day, then the dead-letter queue."""

from __future__ import annotations

from cxloop.startup import built_once

import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cxloop.adapters.messaging import SqsQueue
from cxloop.adapters.webhook_http import PinnedHttpPoster, resolve_host
from cxloop.adapters.webhooks import DynamoDeliveryStore, DynamoSecretStore, DynamoSubscriptionStore
from cxloop.config import settings
from cxloop.consumer import consume
from cxloop.domain.integrations.deliver_webhook import (
    DEFAULT_RETRY_DELAYS_S,
    Delivering,
    RetryPolicy,
    deliver_webhook,
)
from cxloop.observability import MetricUnit, logger, metrics

# infra.pipeline.dead_letters_name("webhooks"): the queue's own dead-letter queue.
DEAD_LETTERS = "webhooks_dead_letters"


def create_step(deps: Delivering) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def deliver(message: dict[str, Any]) -> dict[str, Any]:
        outcome = deliver_webhook(message, deps)
        status = outcome.get("status")
        if status == "delivered":
            metrics.add_metric(name="WebhooksDelivered", unit=MetricUnit.Count, value=1)
        elif status in ("retrying", "failed"):
            metrics.add_metric(name="WebhookAttemptsFailed", unit=MetricUnit.Count, value=1)
        if outcome.get("disabled"):
            # The ops alarm watches this metric (infra/cdk/constructs/monitoring.py).
            metrics.add_metric(name="WebhookEndpointsDisabled", unit=MetricUnit.Count, value=1)
            logger.warning(
                "webhook endpoint disabled",
                extra={"webhook_id": message.get("webhook_id"), "reason": outcome["disabled"]},
            )
        # Ids, statuses and codes only: the body may carry personal data, the URL a token.
        logger.info(
            "webhook step",
            extra={"kind": message.get("kind"), "webhook_id": message.get("webhook_id"), **outcome},
        )
        return outcome

    return deliver


@built_once
def _step() -> Callable[[dict[str, Any]], dict[str, Any]]:
    config = settings()
    return create_step(
        Delivering(
            subscriptions=DynamoSubscriptionStore(config.table("webhooks")),
            secrets=DynamoSecretStore(config.table("webhook_secrets")),
            deliveries=DynamoDeliveryStore(config.table("webhook_deliveries")),
            queue=SqsQueue(config.queue_url("webhooks")),
            dead_letters=SqsQueue(config.queue_url(DEAD_LETTERS)),
            poster=PinnedHttpPoster(),
            resolve=resolve_host,
            clock=lambda: datetime.now(UTC),
            random=random.random,
            policy=RetryPolicy(delays_s=config.webhook_retry_delays_s or DEFAULT_RETRY_DELAYS_S),
            local=config.local,
        )
    )


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    step = _step()
    return consume(event, context, step)
