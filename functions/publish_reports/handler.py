"""publish_reports: scheduled once a day; on the first day of a period (a month, or a quarter
when REPORTS_PERIOD=quarterly) it builds the previous period's report for each manager's scope
(branch managers, country managers, executives), stores it in the reports bucket as an HTML page
and, beside it under the same key with .pdf, as an A4 PDF (cxloop.domain.insights.report_pdf), and mails
each manager presigned links to both, in their language.

On any other day it does nothing. A manual invoke with {"detail": {"period": "2026-11"}} (or
"2026-Q4") publishes that period's reports whatever the day.

At-least-once. EventBridge may deliver the day's event twice, and Lambda retries a failed run:
the objects are simply written again (same key, same content), but the emails go out again, and
SES has no idempotency token; a manager may get the link twice. We err that way: a missed report
is worse than a repeated email. A failed store or send is counted, logged and left (raising would
make Lambda retry and mail everyone else again); only a failure before anything is sent (reading
the rulebook or the aggregates) raises.

The link is an S3 presigned GET valid 7 days (S3's maximum for SigV4). On AWS a URL signed with a
Lambda role's temporary credentials stops working when those credentials expire (hours), whatever
its own expiry says; the email therefore also says how to get the report again through the staff
API. Serving reports through CloudFront signed URLs or the API is the lasting answer.
"""

from __future__ import annotations

from cxloop.startup import built_once

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from pydantic import ConfigDict

from cxloop.adapters.aggregate_scopes import scopes_with_counts
from cxloop.adapters.aggregates import DynamoAggregateStore
from cxloop.adapters.config_store import CachedRulebook, DynamoConfigStore
from cxloop.adapters.messaging import SesEmailSender
from cxloop.adapters.reports import S3ReportStore
from cxloop.config import settings
from cxloop.domain.configuration.rulebook import Rulebook
from cxloop.domain.contact.ports import EmailSender
from cxloop.domain.feedback.ports import AggregateStore
from cxloop.domain.insights.daily_digest import managers
from cxloop.domain.insights.report import (
    PeriodKind,
    PresentScopes,
    ReportPeriod,
    ScopeReport,
    ScopesBetween,
    parse_period,
    previous_period,
    report_for,
    report_key,
    report_language,
    starts_period,
)
from cxloop.domain.insights.report_email import report_email
from cxloop.domain.insights.report_html import render_html
from cxloop.domain.insights.report_pdf import PDF_CONTENT_TYPE, pdf_key, render_pdf
from cxloop.domain.kernel.errors import Unavailable
from cxloop.domain.kernel.modelling import DomainModel
from cxloop.domain.organisation.hierarchy import Organisation, Person
from cxloop.observability import MetricUnit, logger, metrics
from cxloop.schedule import scheduled_time

# S3's longest presigned URL (SigV4).
LINK_VALID = timedelta(days=7)
HTML_CONTENT_TYPE = "text/html; charset=utf-8"


class ReportStore(Protocol):
    def put(self, key: str, body: bytes, content_type: str) -> None: ...

    def link(self, key: str, *, valid_for: timedelta) -> str: ...


@dataclass(frozen=True)
class Deps:
    aggregates: AggregateStore
    scopes_between: ScopesBetween
    reports: ReportStore
    email: EmailSender
    sender_address: str
    period_kind: PeriodKind = "monthly"
    rulebook: Callable[[], Rulebook] = Rulebook


@dataclass
class _Run:
    """One run's period, organisation and what it has built, stored and sent so far."""

    period: ReportPeriod
    organisation: Organisation
    present: PresentScopes
    now: datetime
    built: dict[str, ScopeReport]
    stored: set[str]
    emails: int = 0
    failures: int = 0


def run(event: dict[str, Any], deps: Deps) -> dict[str, Any]:
    now = scheduled_time(event)
    period = period_to_report(event, now, deps.period_kind)
    if period is None:
        return {"skipped": "not the first day of a period", "period_kind": deps.period_kind}
    organisation = deps.rulebook().organisation
    if organisation is None:
        # Without an organisation nobody is a manager: say so rather than succeed silently.
        logger.warning("no organisation published: no reports built")
        return {"period": period.label, "skipped": "no organisation"}
    state = _Run(period, organisation, deps.scopes_between(period.start, period.end), now, {}, set())
    people = managers(organisation)
    for person in people:
        _publish_for(person, state, deps)
    metrics.add_metric(name="ReportsStored", unit=MetricUnit.Count, value=len(state.stored))
    metrics.add_metric(name="ReportFailures", unit=MetricUnit.Count, value=state.failures)
    summary = {
        "period": period.label,
        "managers": len(people),
        "scopes": len(state.built),
        "stored": len(state.stored),
        "emails": state.emails,
        "failures": state.failures,
    }
    logger.info("reports published", extra=summary)
    return summary


def period_to_report(event: Mapping[str, Any], now: datetime, kind: PeriodKind) -> ReportPeriod | None:
    """The period asked for in the event's detail, else the one that just ended on its first
    day, else None (not a day to publish)."""
    asked = (event.get("detail") or {}).get("period")
    if isinstance(asked, str):
        return parse_period(asked)
    today = now.astimezone(UTC).date()
    return previous_period(today, kind) if starts_period(today, kind) else None


def _publish_for(person: Person, state: _Run, deps: Deps) -> None:
    scope = state.organisation.scope_of(person)
    language = report_language(person.language)
    report = state.built.get(scope)
    if report is None:
        report = report_for(
            scope,
            state.period,
            aggregates=deps.aggregates,
            organisation=state.organisation,
            present=state.present,
        )
        state.built[scope] = report
    key = report_key(scope, state.period, language)
    # Ids only in the logs: the manager's email address is personal data.
    where = {"manager": person.id, "scope": scope, "key": key}
    try:
        if key not in state.stored:
            _store(report, key, language, state, deps)
        if person.email is None:
            return
        message = report_email(
            report,
            name=person.name,
            language=language,
            link=deps.reports.link(key, valid_for=LINK_VALID),
            pdf_link=deps.reports.link(pdf_key(scope, state.period, language), valid_for=LINK_VALID),
            expires=state.now + LINK_VALID,
        )
        deps.email.send(sender=deps.sender_address, to=person.email, message=message)
        state.emails += 1
    except Unavailable as exc:
        state.failures += 1
        logger.error("report not delivered", extra=where | {"error": str(exc)})


def _store(report: ScopeReport, key: str, language: str, state: _Run, deps: Deps) -> None:
    """The PDF first, then the page: `stored` counts a report once both are there, and a rerun
    that finds neither writes both again."""
    document = render_pdf(report, language, generated=state.now)
    deps.reports.put(pdf_key(report.scope, state.period, language), document, PDF_CONTENT_TYPE)
    deps.reports.put(key, render_html(report, language).encode("utf-8"), HTML_CONTENT_TYPE)
    state.stored.add(key)


class ReportSettings(DomainModel):
    """The reports bucket (BUCKET_REPORTS_NAME, infra.pipeline's env_name_for) and the period
    kind (REPORTS_PERIOD, monthly by default), validated at cold start like cxloop.config."""

    model_config = ConfigDict(frozen=True)

    bucket: str
    period_kind: PeriodKind = "monthly"


def report_settings_from(env: Mapping[str, str]) -> ReportSettings:
    bucket = env.get("BUCKET_REPORTS_NAME")
    if not bucket:
        raise RuntimeError("BUCKET_REPORTS_NAME is not configured for this function")
    return ReportSettings.model_validate(
        {"bucket": bucket, "period_kind": env.get("REPORTS_PERIOD") or "monthly"}
    )


@built_once
def _deps() -> Deps:
    config = settings()
    own = report_settings_from(os.environ)
    aggregates = config.table("aggregates")
    return Deps(
        aggregates=DynamoAggregateStore(aggregates),
        scopes_between=scopes_with_counts(aggregates),
        reports=S3ReportStore(own.bucket),
        email=SesEmailSender(configuration_set=config.ses_configuration_set),
        sender_address=config.sender_address,
        period_kind=own.period_kind,
        rulebook=CachedRulebook(DynamoConfigStore(config.table("config")), reads=("organisation",)),
    )


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run(event, _deps())
