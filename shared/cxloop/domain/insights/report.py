"""The periodic report of one scope: a self-contained HTML page a manager opens from an email.

A report covers a calendar month ("2026-11") or quarter ("2026-Q4") of one scope and shows, from
the same daily counters and the same arithmetic as the metrics API (cxloop.domain.insights.scope_insights):
- the headline NPS, CSAT and CES with their 95 % intervals and n (under 30 answers flagged);
- NPS by ISO week with its interval band (weeks cut to the period, empty weeks left as gaps);
- the scope's children compared with their intervals (a country's branches, a branch's
  touchpoints), as a dot-and-interval chart;
- the top comment topics and the drivers, when the surveys ask driver questions.

This module holds what a report covers and what it holds (its period, its scope's children, its
figures) and where it is kept. Who reads it how: report_html (the page), report_pdf (the same as a
PDF), report_email (the email with their links); report_content holds what the page and the PDF
share (words, numbers, data tables). Spanish or English: the manager's language when we have it,
English otherwise.

Pure domain: the counters come in through AggregateStore; the scopes present in the period (for
the touchpoints, which the organisation does not list) through a mapping of scope -> parent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from cxloop.domain.feedback.metrics import Counters
from cxloop.domain.feedback.ports import AggregateStore
from cxloop.domain.insights.periods import Period
from cxloop.domain.insights.scope_access import access_chain, check_visible, home_scope, parse_scope
from cxloop.domain.insights.scope_insights import (
    DriverEffect,
    Scores,
    TopicShare,
    TrendPoint,
    ranked_drivers,
    top_topics,
    total_of,
    trend,
)
from cxloop.domain.kernel.errors import FieldProblem, InvalidInput
from cxloop.domain.organisation.access import Caller
from cxloop.domain.organisation.hierarchy import Organisation

PeriodKind = Literal["monthly", "quarterly"]
PERIOD_KINDS: tuple[PeriodKind, ...] = ("monthly", "quarterly")
Language = Literal["es", "en"]
# Present scopes: every scope with counts in the period, and the parent stored with them.
PresentScopes = Mapping[str, str | None]
ScopesBetween = Callable[[date, date], PresentScopes]

# ASCII digits only (Python's \d also reads other scripts' digits; the OpenAPI document's [0-9]).
_MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^([0-9]{4})-Q([1-4])$")
# The children a report compares: the level below that managers act on.
CHILD_KIND = {"all": "country", "country": "branch", "region": "branch", "branch": "touchpoint"}
TOP_DRIVERS = 8


# --- periods -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportPeriod:
    label: str  # "2026-11" or "2026-Q4"
    kind: PeriodKind
    start: date
    end: date

    @property
    def days(self) -> Period:
        return Period(self.start, self.end)


def parse_period(text: str) -> ReportPeriod:
    """A month `YYYY-MM` or a quarter `YYYY-Qn`; InvalidInput naming `period` otherwise."""
    text = text.strip()
    month, quarter = _MONTH.match(text), _QUARTER.match(text)
    with suppress(ValueError):  # year 0000: no such date
        if month:
            return month_of(date(int(month[1]), int(month[2]), 1))
        if quarter:
            return quarter_of(date(int(quarter[1]), 3 * int(quarter[2]) - 2, 1))
    problem = "must be a month (2026-11) or a quarter (2026-Q4) of a year from 0001"
    raise InvalidInput("the period is invalid", [FieldProblem("period", problem)])


def month_of(day: date) -> ReportPeriod:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return ReportPeriod(f"{first:%Y-%m}", "monthly", first, following - timedelta(days=1))


def quarter_of(day: date) -> ReportPeriod:
    quarter = (day.month - 1) // 3 + 1
    first = date(day.year, 3 * quarter - 2, 1)
    last_month = month_of(date(day.year, 3 * quarter, 1))
    return ReportPeriod(f"{day.year}-Q{quarter}", "quarterly", first, last_month.end)


def period_containing(day: date, kind: PeriodKind) -> ReportPeriod:
    return month_of(day) if kind == "monthly" else quarter_of(day)


def previous_period(day: date, kind: PeriodKind) -> ReportPeriod:
    """The whole period before the one the day falls in: what a run on that day reports."""
    return period_containing(period_containing(day, kind).start - timedelta(days=1), kind)


def starts_period(day: date, kind: PeriodKind) -> bool:
    return period_containing(day, kind).start == day


# --- which scopes ------------------------------------------------------------------------------------


def children_of(scope: str, organisation: Organisation | None, present: PresentScopes) -> list[str]:
    """The scopes one level below that a report compares, sorted: the organisation's places of
    that kind under the scope (shown even without answers: a silent branch is news too) and any
    scope with counts whose chain of parents reaches the scope (touchpoints, unlisted places)."""
    kind = CHILD_KIND.get(scope.partition(":")[0])
    if kind is None:
        return []
    candidates = set(_places(kind, organisation)) | {s for s in present if s.startswith(f"{kind}:")}
    parent_of = present.get
    return sorted(c for c in candidates if scope in access_chain(c, parent_of, organisation)[1:])


def _places(kind: str, organisation: Organisation | None) -> list[str]:
    if organisation is None:
        return []
    if kind == "country":
        return [f"country:{c.code}" for c in organisation.countries]
    if kind == "branch":
        return [f"branch:{b.id}" for c in organisation.countries for r in c.regions for b in r.branches]
    return []


def scope_name(scope: str, organisation: Organisation | None) -> str | None:
    """The place's name in the organisation; None for `all` and for what it does not name."""
    kind, _, value = scope.partition(":")
    if organisation is None:
        return None
    if kind == "branch":
        place = organisation.place_of_branch(value)
        return place.branch.name if place else None
    if kind == "country":
        return next((c.name for c in organisation.countries if c.code == value), None)
    if kind == "region":
        regions = (r for c in organisation.countries for r in c.regions if r.id == value)
        return next((r.name for r in regions), None)
    return None


# --- the report's figures ------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildScores:
    scope: str
    name: str | None
    scores: Scores


@dataclass(frozen=True)
class ScopeReport:
    scope: str
    name: str | None
    period: ReportPeriod
    scores: Scores
    weeks: list[TrendPoint]
    children: list[ChildScores]
    drivers: list[DriverEffect]
    topics: list[TopicShare]

    def to_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "name": self.name,
            "period": self.period.label,
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            **self.scores.to_json(),
            "weeks": [point.to_json() for point in self.weeks],
            "children": [{"scope": c.scope, "name": c.name, **c.scores.to_json()} for c in self.children],
            "drivers": [effect.to_json() for effect in self.drivers],
            "topics": [topic.to_json() for topic in self.topics],
        }


def build_report(
    scope: str,
    period: ReportPeriod,
    days: Mapping[date, Counters],
    children: Mapping[str, Mapping[date, Counters]],
    organisation: Organisation | None = None,
) -> ScopeReport:
    total = total_of(days)
    return ScopeReport(
        scope=scope,
        name=scope_name(scope, organisation),
        period=period,
        scores=Scores(total),
        weeks=trend(days, period.days, "week"),
        children=[
            ChildScores(child, scope_name(child, organisation), Scores(total_of(child_days)))
            for child, child_days in sorted(children.items())
        ],
        drivers=ranked_drivers(total.drivers)[:TOP_DRIVERS],
        topics=top_topics(total),
    )


def report_for(
    scope: str,
    period: ReportPeriod,
    *,
    aggregates: AggregateStore,
    organisation: Organisation | None,
    present: PresentScopes,
) -> ScopeReport:
    """Read the scope's and its children's days and build the report."""
    start, end = period.start, period.end
    children = {c: aggregates.read_days(c, start, end) for c in children_of(scope, organisation, present)}
    return build_report(scope, period, aggregates.read_days(scope, start, end), children, organisation)


def scope_report(
    caller: Caller,
    *,
    scope: str | None,
    period: ReportPeriod,
    aggregates: AggregateStore,
    organisation: Organisation | None,
    scopes_between: ScopesBetween,
) -> ScopeReport:
    """The report GET /v1/reports/metrics answers, with the metrics API's access rules: the
    caller's own scope by default, a scope outside it 404. Its children are inside it."""
    home = home_scope(caller, organisation)
    wanted = home if scope is None else parse_scope(scope)
    check_visible(home, access_chain(wanted, aggregates.parent_of, organisation))
    return report_for(
        wanted,
        period,
        aggregates=aggregates,
        organisation=organisation,
        present=scopes_between(period.start, period.end),
    )


def report_language(language: str | None) -> Language:
    return "es" if (language or "").lower().startswith("es") else "en"


# --- where it is kept and how a manager hears of it -------------------------------------------------

# Every report object lives under this prefix of the reports bucket (the functions' grants too).
REPORTS_PREFIX = "reports/"


def report_key(scope: str, period: ReportPeriod, language: str) -> str:
    """reports/2026-11/branch/quito-norte/report.es.html; reports/2026-Q4/all/report.en.html."""
    place = scope.replace(":", "/")
    return f"{REPORTS_PREFIX}{period.label}/{place}/report.{report_language(language)}.html"
