"""reports_api: the staff API for the case-management health report and the periodic
customer-experience report.

GET /v1/reports/health?group=owner|team|branch&from=YYYY-MM-DD&to=YYYY-MM-DD

The report covers exactly the tickets the caller may list (cxloop.domain.organisation.access): an agent
sees a report of their own tickets, a branch manager of their branch. The figures are
computed by cxloop.domain.insights.health.

GET /v1/reports/metrics?scope=branch:quito-norte&period=2026-11|2026-Q4&format=html|pdf|json&lang=es|en

The report publish_reports mails to managers (cxloop.domain.insights.report), for any scope the caller
may read metrics of (the metrics API's rules: a scope outside theirs answers 404), as the HTML
page itself, the same report as an A4 PDF (cxloop.domain.insights.report_pdf; base64-encoded for API
Gateway, which turns it back into bytes because application/pdf is a binary media type of the
API) or its figures as JSON. `cxloop report` fetches it locally.
"""

from __future__ import annotations

from cxloop.startup import built_once

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query

from cxloop.adapters.aggregate_scopes import scopes_with_counts
from cxloop.adapters.aggregates import DynamoAggregateStore
from cxloop.adapters.config_store import CachedRulebook, DynamoConfigStore
from cxloop.adapters.tickets import DynamoTicketStore
from cxloop.config import settings
from cxloop.domain.casework.ports import TicketStore
from cxloop.domain.configuration.rulebook import Rulebook
from cxloop.domain.feedback.ports import AggregateStore
from cxloop.domain.insights import health
from cxloop.domain.insights.periods import period_between
from cxloop.domain.kernel.errors import Unavailable
from cxloop.http import IsoDate, caller_of, make_resolver
from cxloop.observability import logger, metrics

if TYPE_CHECKING:
    # The metrics report's modules (the report, its insights, its PDF) load with its first
    # request: the health report, the other route, never needs them (cold start).
    from cxloop.domain.insights import report as periodic


@dataclass(frozen=True)
class Deps:
    tickets: TicketStore
    rulebook: Callable[[], Rulebook] = Rulebook
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # The metrics report's counters and the scopes present in a period (its touchpoints).
    aggregates: AggregateStore | None = None
    scopes_between: periodic.ScopesBetween | None = None


def create_app(deps: Deps) -> APIGatewayRestResolver:
    app = make_resolver(enable_validation=True)

    @app.get("/v1/reports/health", summary="Case-management health per owner, team or branch")
    def health_report(
        group: Annotated[health.Grouping, Query(description="One row per owner, team or branch")] = "branch",
        start: Annotated[
            IsoDate | None, Query(alias="from", description="First day (UTC), included; default to - 29 days")
        ] = None,
        end: Annotated[
            IsoDate | None, Query(alias="to", description="Last day (UTC), included; default today")
        ] = None,
    ) -> dict[str, Any]:
        caller = caller_of(app.current_event.raw_event)
        now = deps.clock()
        period = period_between(start, end, today=now.astimezone(UTC).date())
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

    @app.get("/v1/reports/metrics", summary="The periodic customer-experience report of a scope")
    def metrics_report(
        scope: Annotated[
            str | None,
            Query(
                max_length=160,
                description="all, country:<code>, region:<id>, branch:<id> or touchpoint:<id>; "
                "default your own scope",
            ),
        ] = None,
        period: Annotated[
            str | None,
            Query(max_length=7, description="A month (2026-11) or a quarter (2026-Q4); default last month"),
        ] = None,
        output: Annotated[
            ReportFormat,
            Query(
                alias="format", description="The HTML page, the same report as a PDF, or its figures as JSON"
            ),
        ] = "html",
        lang: Annotated[
            Lang | None, Query(description="The page's language; default yours, else English")
        ] = None,
    ) -> Response[str]:
        if deps.aggregates is None or deps.scopes_between is None:
            raise Unavailable("the metrics report is not configured")
        from cxloop.domain.insights import report as periodic  # noqa: PLC0415 - see the imports

        caller = caller_of(app.current_event.raw_event)
        organisation = deps.rulebook().organisation
        today = deps.clock().astimezone(UTC).date()
        found = periodic.scope_report(
            caller,
            scope=scope,
            period=(
                periodic.parse_period(period)
                if period and period.strip()
                else periodic.previous_period(today, "monthly")
            ),
            aggregates=deps.aggregates,
            organisation=organisation,
            scopes_between=deps.scopes_between,
        )
        logger.info(
            "metrics report",
            extra={"caller": caller.user, "role": caller.role, "scope": found.scope, "format": output},
        )
        if output == "json":
            return Response(
                200, content_types.APPLICATION_JSON, json.dumps(found.to_json(), ensure_ascii=False)
            )
        person = organisation.person(caller.user) if organisation else None
        language = lang or (person.language if person else "en")
        if output == "pdf":
            from cxloop.domain.insights import report_pdf  # noqa: PLC0415 - see the imports

            document = report_pdf.render_pdf(found, language, generated=deps.clock())
            return pdf_response(document, pdf_filename(found, language))
        from cxloop.domain.insights import report_html  # noqa: PLC0415 - see the imports

        return Response(200, "text/html; charset=utf-8", report_html.render_html(found, language))

    return app


ReportFormat = Literal["html", "pdf", "json"]
Lang = Literal["es", "en"]


def pdf_response(document: bytes, filename: str) -> Response[str]:
    """Powertools validates a response's body as text, so the PDF leaves base64-encoded already,
    flagged the way API Gateway expects (as qr_codes_api's PNG does)."""
    from cxloop.domain.insights.report_pdf import PDF_CONTENT_TYPE  # noqa: PLC0415 - see the imports

    response = Response(
        200,
        PDF_CONTENT_TYPE,
        base64.b64encode(document).decode("ascii"),
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )
    response.base64_encoded = True
    return response


def pdf_filename(report: periodic.ScopeReport, language: str) -> str:
    """report-branch-quito-norte-2026-11.es.pdf: the scope's characters a file name keeps."""
    from cxloop.domain.insights.report import report_language  # noqa: PLC0415 - see the imports

    place = "".join(c if (c.isascii() and c.isalnum()) or c in "-_." else "-" for c in report.scope)
    return f"report-{place}-{report.period.label}.{report_language(language)}.pdf"


@built_once
def _app() -> APIGatewayRestResolver:
    config = settings()
    rulebook = CachedRulebook(DynamoConfigStore(config.table("config")), reads=("sla", "organisation"))
    aggregates = config.table("aggregates")
    return create_app(
        Deps(
            tickets=DynamoTicketStore(config.table("tickets")),
            rulebook=rulebook,
            aggregates=DynamoAggregateStore(aggregates),
            scopes_between=scopes_with_counts(aggregates),
        )
    )


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
