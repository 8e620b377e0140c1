"""sync_cases: consumes `cases`; creates a connected team's case once in its helpdesk and
pushes the changes made in cxloop to it (cxloop.domain.integrations.sync_cases)."""

from __future__ import annotations

from cxloop.startup import built_once

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cxloop.adapters.config_store import CachedRulebook, DynamoConfigStore
from cxloop.adapters.helpdesks import helpdesk_for
from cxloop.adapters.messaging import SqsQueue
from cxloop.adapters.send_log import DynamoSendLog
from cxloop.adapters.tickets import DynamoTicketStore
from cxloop.config import settings
from cxloop.consumer import consume
from cxloop.domain.configuration.rulebook import Rulebook
from cxloop.domain.integrations.case_changes import CaseChange
from cxloop.domain.integrations.sync_cases import SyncPorts, sync_case
from cxloop.observability import MetricUnit, logger, metrics


@dataclass(frozen=True)
class Deps:
    ports: SyncPorts
    public_base_url: str
    rulebook: Callable[[], Rulebook] = Rulebook


def create_step(deps: Deps) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def sync(message: dict[str, Any]) -> dict[str, Any]:
        change = CaseChange.model_validate(message)
        book = deps.rulebook()
        synced = sync_case(
            change,
            connectors=book.connectors,
            organisation=book.organisation,
            public_base_url=deps.public_base_url,
            ports=deps.ports,
        )
        if synced.outcome == "created":
            metrics.add_metric(name="CasesCreated", unit=MetricUnit.Count, value=1)
        if synced.outcome == "retry_later":
            metrics.add_metric(name="CasesThrottled", unit=MetricUnit.Count, value=1)
        logger.info(
            "case synced",
            extra={
                "ticket_id": change.ticket_id,
                "change": change.change,
                "entry": change.entry,
                "connector": synced.connector,
                "case_id": synced.case_id,
                "outcome": synced.outcome,
                "throttled": change.throttled,
            },
        )
        return {"outcome": synced.outcome, "case_id": synced.case_id}

    return sync


@built_once
def _step() -> Callable[[dict[str, Any]], dict[str, Any]]:
    config = settings()
    ports = SyncPorts(
        tickets=DynamoTicketStore(config.table("tickets")),
        helpdesk_for=helpdesk_for,
        retries=SqsQueue(config.queue_url("cases")),
        sends=DynamoSendLog(config.table("idempotency")),
    )
    rulebook = CachedRulebook(DynamoConfigStore(config.table("config")), reads=("connectors", "organisation"))
    return create_step(Deps(ports=ports, public_base_url=str(config.public_base_url), rulebook=rulebook))


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return consume(event, context, _step())
