"""metrics_api: the staff API over the live aggregates.

GET /v1/metrics?scope=branch:quito-norte&from=YYYY-MM-DD&to=YYYY-MM-DD&interval=day|week|month

NPS, CSAT and CES with n and 95 % intervals, the trend, the benchmark against the parent
scope, drivers ranked by their effect on NPS, the top comment topics and the detractor list.
Which scopes a caller reads and who sees personal data is decided in cxloop.domain.insights.scope_insights;
the figures come from the daily counters score_response keeps (DynamoAggregateStore).
"""

from __future__ import annotations

from cxloop.startup import built_once

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Query

from cxloop.adapters.aggregates import DynamoAggregateStore
from cxloop.adapters.config_store import CachedRulebook, DynamoConfigStore
from cxloop.adapters.tickets import DynamoTicketStore
from cxloop.config import settings
from cxloop.domain.casework.ports import TicketStore
from cxloop.domain.configuration.rulebook import Rulebook
from cxloop.domain.feedback.ports import AggregateStore
from cxloop.domain.insights import scope_insights
from cxloop.domain.insights.periods import period_between
from cxloop.http import IsoDate, caller_of, make_resolver
from cxloop.observability import logger, metrics


@dataclass(frozen=True)
class Deps:
    aggregates: AggregateStore
    tickets: TicketStore
    rulebook: Callable[[], Rulebook] = Rulebook
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


def create_app(deps: Deps) -> APIGatewayRestResolver:
    app = make_resolver(enable_validation=True)

    @app.get("/v1/metrics", summary="NPS, CSAT, CES, trend, benchmark, drivers, topics and detractors")
    def get_metrics(
        scope: Annotated[
            str | None,
            Query(
                max_length=160,
                description="all, country:<code>, region:<id>, branch:<id> or touchpoint:<id>; "
                "default your own scope (an agent's: their team's branch)",
            ),
        ] = None,
        start: Annotated[
            IsoDate | None, Query(alias="from", description="First day (UTC), included; default to - 29 days")
        ] = None,
        end: Annotated[
            IsoDate | None, Query(alias="to", description="Last day (UTC), included; default today")
        ] = None,
        interval: Annotated[
            scope_insights.Interval, Query(description="Trend bucket: day, ISO week or month")
        ] = ("week"),
    ) -> dict[str, Any]:
        caller = caller_of(app.current_event.raw_event)
        period = period_between(start, end, today=deps.clock().astimezone(UTC).date())
        report = scope_insights.metrics_report(
            caller,
            scope=scope,
            period=period,
            interval=interval,
            aggregates=deps.aggregates,
            tickets=deps.tickets,
            organisation=deps.rulebook().organisation,
        )
        logger.info(
            "metrics read",
            extra={
                "caller": caller.user,
                "role": caller.role,
                "scope": report["scope"],
                "n": report["responses"],
            },
        )
        return report

    return app


@built_once
def _app() -> APIGatewayRestResolver:
    config = settings()
    deps = Deps(
        aggregates=DynamoAggregateStore(config.table("aggregates")),
        tickets=DynamoTicketStore(config.table("tickets")),
        rulebook=CachedRulebook(DynamoConfigStore(config.table("config")), reads=("organisation",)),
    )
    return create_app(deps)


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
