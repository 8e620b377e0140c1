"""sla_watcher: scheduled; reminds owners of tickets close to breach and escalates
breached tickets one level up the organisation, with an alert and a history line."""

from __future__ import annotations

from cxloop.startup import built_once

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cxloop.adapters.config_store import CachedRulebook, DynamoConfigStore
from cxloop.adapters.messaging import SqsQueue
from cxloop.adapters.tickets import DynamoTicketStore
from cxloop.adapters.webhooks import announcer_for
from cxloop.config import settings
from cxloop.domain.casework.ports import TicketStore
from cxloop.domain.casework.sla_watcher import watch_all
from cxloop.domain.configuration.rulebook import Rulebook
from cxloop.domain.integrations.ticket_events import EscalationsAnnounced
from cxloop.domain.kernel.queues import MessageQueue
from cxloop.observability import MetricUnit, logger, metrics
from cxloop.schedule import scheduled_time


@dataclass(frozen=True)
class Deps:
    tickets: TicketStore
    alerts: MessageQueue
    rulebook: Callable[[], Rulebook] = Rulebook


def run(event: dict[str, Any], deps: Deps) -> dict[str, Any]:
    book = deps.rulebook()
    outcome = watch_all(
        now=scheduled_time(event),
        tickets=deps.tickets,
        alerts=deps.alerts,
        sla=book.sla,
        organisation=book.organisation,
    )
    metrics.add_metric(name="SlaReminders", unit=MetricUnit.Count, value=outcome.reminded)
    metrics.add_metric(name="SlaEscalations", unit=MetricUnit.Count, value=outcome.escalated)
    summary = {
        "checked": outcome.checked,
        "reminded": outcome.reminded,
        "escalated": outcome.escalated,
        "conflicts": outcome.conflicts,
    }
    logger.info("sla watch", extra=summary)
    return summary


@built_once
def _deps() -> Deps:
    config = settings()
    return Deps(
        tickets=DynamoTicketStore(config.table("tickets")),
        # Each escalation's alert also announces ticket.escalated to webhook subscribers.
        alerts=EscalationsAnnounced(
            SqsQueue(config.queue_url("alerts")),
            announcer_for(
                config.table("webhooks"), config.queue_url("webhooks"), ttl_s=config.webhook_cache_ttl_s
            ),
            clock=lambda: datetime.now(UTC),
        ),
        rulebook=CachedRulebook(DynamoConfigStore(config.table("config")), reads=("sla", "organisation")),
    )


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run(event, _deps())
