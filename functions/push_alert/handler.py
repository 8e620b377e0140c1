"""push_alert: consumes `alerts`; publishes each ticket's alert once to SNS.

No Powertools idempotency record: publishing is the step's effect, and the send log's claim on
"alert#<dedupe key>" (cxloop.domain.kernel.sends, adapters/send_log.py) is a conditional write
on that business key, kept for the suppression window (a day): it finds an alert already
published and stops a copy of the message delivered at the same time. What a redelivery
repeats is the alert.published announcement, with the same webhook-id (announcements.py). That
saves two writes per loop."""

from __future__ import annotations

from cxloop.startup import built_once

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cxloop.adapters.messaging import SnsAlertPublisher, SnsChatPublisher
from cxloop.adapters.send_log import message_send_log
from cxloop.adapters.webhooks import announcer_for
from cxloop.config import settings
from cxloop.consumer import consume
from cxloop.domain.casework.chat_alerts import ChatFilter
from cxloop.domain.casework.models import Alert, Ticket
from cxloop.domain.casework.ports import AlertPublisher
from cxloop.domain.casework.push_alert import alert_for
from cxloop.domain.integrations.announcements import Announcer
from cxloop.domain.integrations.ticket_events import alert_published
from cxloop.domain.kernel.sends import NOT_RECORDED, Outbound, SendLog, send_once
from cxloop.observability import MetricUnit, logger, metrics


@dataclass(frozen=True)
class Deps:
    publisher: AlertPublisher
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # Each publish recorded right after it happens, so a retried step does not publish again.
    sends: SendLog | None = None
    # The chat channel (AWS Chatbot) and the alerts it takes; None: chat alerts are off.
    chat: AlertPublisher | None = None
    chat_filter: ChatFilter = field(default_factory=ChatFilter)
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
        message_id = publish_once(deps.publisher, alert, deps.sends, f"alert#{message['dedupe_key']}")
        if deps.chat is not None and deps.chat_filter.accepts(alert):
            publish_once(deps.chat, alert, deps.sends, f"chat#{message['dedupe_key']}")
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


def publish_once(publisher: AlertPublisher, alert: Alert, sends: SendLog | None, key: str) -> str:
    """Publish unless an earlier attempt of this step did (the send log); the message id."""
    return send_once(
        sends,
        key,
        Outbound(alert),
        publisher.publish,
        facts=lambda published: {"message_id": published},
        earlier=lambda facts: facts.get("message_id", NOT_RECORDED),
    )


@built_once
def _step() -> Callable[[dict[str, Any]], dict[str, Any]]:
    config = settings()
    # The suppression window: the same ticket, kind and level alerts once per day at most.
    window = timedelta(days=1)
    chat_on = config.chat_alert_filter is not None
    deps = Deps(
        publisher=SnsAlertPublisher(config.topic_arn("alerts")),
        sends=message_send_log(config.table("idempotency"), keep_for=window),
        chat=SnsChatPublisher(config.topic_arn("chat_alerts")) if chat_on else None,
        chat_filter=ChatFilter(config.chat_alert_filter),
        announcer=announcer_for(
            config.table("webhooks"), config.queue_url("webhooks"), ttl_s=config.webhook_cache_ttl_s
        ),
    )
    return create_step(deps)


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    step = _step()
    return consume(event, context, step)
