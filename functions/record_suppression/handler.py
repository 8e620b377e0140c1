"""record_suppression: consumes `suppressions`; puts each address that bounced for good,
complained, or replied STOP on the suppression list, once per notification.

The queue is subscribed to two topics (raw delivery off, so each body is an SNS envelope):
`email_events`, where SES's configuration set publishes Bounce and Complaint events of the
mail we send, and `sms_replies`, where End User Messaging publishes two-way SMS replies.
cxloop.domain.contact.record_suppression decides what suppresses (a permanent bounce, a complaint that is
not "not-spam", a reply starting with an opt-out keyword); the rest suppresses nothing.

Idempotent on the notification's SNS MessageId (the producer's id, not SQS's): see
cxloop.adapters.suppressions. A body that is not a valid notification is a permanent
failure: retrying cannot fix it, so it is logged (its reason, never the body: it holds
addresses), counted (metric SuppressionNotificationsDropped) and dropped, instead of being
received five times and parked in the dead-letter queue.
"""

from __future__ import annotations

from cxloop.startup import built_once

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from cxloop.adapters.suppressions import suppression_list
from cxloop.adapters.webhooks import announcer_for
from cxloop.config import settings
from cxloop.consumer import consume_bodies
from cxloop.domain.contact.record_suppression import SuppressionEvent, from_sns, json_object
from cxloop.domain.integrations.announcements import Announcer
from cxloop.domain.integrations.customer_events import address_suppressed
from cxloop.domain.kernel.errors import InvalidInput
from cxloop.observability import MetricUnit, logger, metrics


class SuppressionList(Protocol):
    def record(self, event: SuppressionEvent, *, notification_id: str) -> bool: ...


@dataclass(frozen=True)
class Deps:
    suppressions: SuppressionList
    # Outbound webhooks' customer.opted_out (the address only to personal-data subscribers).
    announcer: Announcer | None = None


def create_step(deps: Deps) -> Callable[[str], dict[str, Any]]:
    """The step takes the raw SQS body: a body that is not even JSON is dropped like any
    other invalid notification."""

    def record(body: str) -> dict[str, Any]:
        try:
            envelope = json_object(body, "the message body")
            notification_id = _notification_id(envelope)
            events = from_sns(envelope)
        except InvalidInput as exc:
            metrics.add_metric(name="SuppressionNotificationsDropped", unit=MetricUnit.Count, value=1)
            logger.warning("notification dropped", extra={"problem": str(exc)})
            return {"dropped": str(exc)}
        recorded = sum(deps.suppressions.record(event, notification_id=notification_id) for event in events)
        if deps.announcer:
            for event in events:
                suppressed = address_suppressed(
                    event.channel, event.reason, event.address, key=notification_id, at=event.at
                )
                deps.announcer.announce(suppressed, correlation_id=notification_id)
        metrics.add_metric(name="AddressesSuppressed", unit=MetricUnit.Count, value=recorded)
        # Channel and reason only: the addresses are personal data.
        logger.info(
            "suppressions recorded",
            extra={
                "notification_id": notification_id,
                "suppressions": [f"{event.channel}/{event.reason}" for event in events],
                "recorded": recorded,
            },
        )
        return {"notification_id": notification_id, "found": len(events), "recorded": recorded}

    return record


def _notification_id(envelope: dict[str, Any]) -> str:
    notification_id = envelope.get("MessageId")
    if not isinstance(notification_id, str) or not notification_id:
        raise InvalidInput("the SNS notification has no MessageId")
    return notification_id


@built_once
def _step() -> Callable[[str], dict[str, Any]]:
    config = settings()
    table = suppression_list(config)
    announcer = announcer_for(
        config.table("webhooks"), config.queue_url("webhooks"), ttl_s=config.webhook_cache_ttl_s
    )
    return create_step(Deps(suppressions=table, announcer=announcer))


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Partial batch responses like every consumer, on the raw body (a body that is not JSON
    is the step's to drop, not a failure to retry)."""
    return consume_bodies(event, context, _step())
