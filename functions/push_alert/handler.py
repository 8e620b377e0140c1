"""push_alert: consumes `alerts`; publishes each ticket's alert once to SNS."""

from __future__ import annotations

from cxloop.startup import built_once

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cxloop.adapters.messaging import SnsAlertPublisher
from cxloop.adapters.webhooks import announcer_for
from cxloop.config import settings
from cxloop.consumer import IdempotentStep, consume
from cxloop.domain.casework.models import Ticket
from cxloop.domain.casework.ports import AlertPublisher
from cxloop.domain.casework.push_alert import alert_for
from cxloop.domain.integrations.announcements import Announcer
from cxloop.domain.integrations.ticket_events import alert_published
from cxloop.observability import MetricUnit, logger, metrics


@dataclass(frozen=True)
class Deps:
    publisher: AlertPublisher
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # Outbound webhooks' alert.published; None: nobody is told.
    announcer: Announcer | None = None


def create_step(deps: Deps) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def push(message: dict[str, Any]) -> dict[str, Any]:
        alert = alert_for(
            Ticket.model_validate(message["ticket"]),
            message["kind"],
            level=int(message.get("level", 0)),
            audience=str(message.get("audience", "owner")),
            recipients=[str(r) for r in message.get("recipients", [])],
        )
        message_id = deps.publisher.publish(alert)
        if deps.announcer:
            deps.announcer.announce(alert_published(alert), correlation_id=alert.correlation_id)
        answer_to_alert_ms = (deps.clock() - alert.answered_at).total_seconds() * 1000
        metrics.add_metric(name="AlertsPublished", unit=MetricUnit.Count, value=1)
        if alert.kind == "detractor":
            metrics.add_metric(name="AnswerToAlert", unit=MetricUnit.Milliseconds, value=answer_to_alert_ms)
        logger.info(
            "alert published",
            extra={
                "alert_id": alert.alert_id,
                "severity": alert.severity,
                "answer_to_alert_ms": answer_to_alert_ms,
            },
        )
        return {"alert_id": alert.alert_id, "message_id": message_id}

    return push


@built_once
def _step() -> IdempotentStep:
    config = settings()
    deps = Deps(
        publisher=SnsAlertPublisher(config.topic_arn("alerts")),
        announcer=announcer_for(
            config.table("webhooks"), config.queue_url("webhooks"), ttl_s=config.webhook_cache_ttl_s
        ),
    )
    # The suppression window: the same ticket, kind and level alerts once per day at most.
    return IdempotentStep(
        create_step(deps), table_name=config.table("idempotency"), key="dedupe_key", expires_after_s=86400
    )


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    step = _step()
    return consume(event, context, lambda message: step(message, context))
