"""release_contacts: scheduled; sends the surveys the contact policy postponed or grouped,
once due, back through the dispatch queue (send_survey decides again on the way out)."""

from __future__ import annotations

from cxloop.startup import built_once

from dataclasses import dataclass
from typing import Any

from cxloop.adapters.contacts import DynamoContactStore
from cxloop.adapters.messaging import SqsQueue
from cxloop.config import settings
from cxloop.domain.contact.manners import ContactStore, release_due
from cxloop.domain.kernel.queues import MessageQueue
from cxloop.observability import MetricUnit, logger, metrics
from cxloop.schedule import scheduled_time


@dataclass(frozen=True)
class Deps:
    contacts: ContactStore
    dispatch: MessageQueue


def run(event: dict[str, Any], deps: Deps) -> dict[str, Any]:
    released = release_due(now=scheduled_time(event), contacts=deps.contacts, dispatch=deps.dispatch)
    metrics.add_metric(name="ContactsReleased", unit=MetricUnit.Count, value=released)
    logger.info("contacts released", extra={"released": released})
    return {"released": released}


@built_once
def _deps() -> Deps:
    config = settings()
    return Deps(
        contacts=DynamoContactStore(config.table("contacts")), dispatch=SqsQueue(config.queue_url("dispatch"))
    )


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run(event, _deps())
