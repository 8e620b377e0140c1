"""reports_api: the staff API for the case-management health report.

GET /v1/reports/health?group=owner|team|branch&from=YYYY-MM-DD&to=YYYY-MM-DD

The report covers exactly the tickets the caller may list (cxloop.domain.access): an agent
sees a report of their own tickets, a branch manager of their branch. The figures are
computed by cxloop.domain.health.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Query

from cxloop.adapters.config_store import CachedRulebook, DynamoConfigStore
from cxloop.adapters.dynamo import DynamoTicketStore
from cxloop.config import settings
from cxloop.domain import health
from cxloop.domain.access import Caller
from cxloop.domain.ports import TicketStore
from cxloop.domain.rulebook import Rulebook
from cxloop.http import make_resolver
from cxloop.observability import logger, metrics, tracer


@dataclass(frozen=True)
class Deps:
    tickets: TicketStore
    rulebook: Callable[[], Rulebook] = Rulebook
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


def caller_of(event: dict[str, Any]) -> Caller:
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims")
    return Caller.from_claims(claims)


def create_app(deps: Deps) -> APIGatewayRestResolver:
    app = make_resolver(enable_validation=True)

    @app.get("/v1/reports/health", summary="Case-management health per owner, team or branch")
    def health_report(
        group: Annotated[health.Grouping, Query(description="One row per owner, team or branch")] = "branch",
        start: Annotated[
            date | None, Query(alias="from", description="First day (UTC), included; default to - 29 days")
        ] = None,
        end: Annotated[
            date | None, Query(alias="to", description="Last day (UTC), included; default today")
        ] = None,
    ) -> dict[str, Any]:
        caller = caller_of(app.current_event.raw_event)
        now = deps.clock()
        period = health.period_between(start, end, today=now.astimezone(UTC).date())
        report = health.health_report(
            health.visible_tickets(caller, deps.tickets),
            group=group,
            period=period,
            now=now,
            sla=deps.rulebook().sla,
        )
        logger.info(
            "health report",
            extra={"caller": caller.user, "role": caller.role, "group": group, "rows": len(report.rows)},
        )
        return report.to_json()

    return app


@cache
def _app() -> APIGatewayRestResolver:
    config = settings()
    rulebook = CachedRulebook(DynamoConfigStore(config.table("config")))
    return create_app(Deps(tickets=DynamoTicketStore(config.table("tickets")), rulebook=rulebook))


@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
