"""The periodic report of one scope: a self-contained HTML page a manager opens from an email.

A report covers a calendar month ("2026-11") or quarter ("2026-Q4") of one scope and shows, from
the same daily counters and the same arithmetic as the metrics API (cxloop.domain.insights.scope_insights):
- the headline NPS, CSAT and CES with their 95 % intervals and n (under 30 answers flagged);
- NPS by ISO week with its interval band (weeks cut to the period, empty weeks left as gaps);
- the scope's children compared with their intervals (a country's branches, a branch's
  touchpoints), as a dot-and-interval chart;
- the top comment topics and the drivers, when the surveys ask driver questions.

The page has inline CSS and inline SVG only: no script, no font, no image, no link to fetch, so it
reads the same from S3, from an email client's preview or from a file. Every chart has a data
table beside it (what a screen reader reads and what a printout keeps), every text from data is
escaped, and the page says its language. Spanish or English: the manager's language when we have
it, English otherwise.

Pure domain: the counters come in through AggregateStore; the scopes present in the period (for
the touchpoints, which the organisation does not list) through a mapping of scope -> parent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape
from typing import Any, Literal

from cxloop.domain.contact.messages import EmailMessage
from cxloop.domain.feedback.metrics import Counters, Estimate
from cxloop.domain.feedback.ports import AggregateStore
from cxloop.domain.insights.health import Period
from cxloop.domain.insights.scope_insights import (
    DriverEffect,
    Scores,
    TopicShare,
    TrendPoint,
    access_chain,
    check_visible,
    home_scope,
    parse_scope,
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

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
# The children a report compares: the level below that managers act on.
CHILD_KIND = {"all": "country", "country": "branch", "region": "branch", "branch": "touchpoint"}
TOP_DRIVERS = 8
# What a figure without a value shows: an en dash.
NO_VALUE = "\u2013"


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
    if month := _MONTH.match(text):
        return month_of(date(int(month[1]), int(month[2]), 1))
    if quarter := _QUARTER.match(text):
        return quarter_of(date(int(quarter[1]), 3 * int(quarter[2]) - 2, 1))
    problem = "must be a month (2026-11) or a quarter (2026-Q4)"
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


# --- words ---------------------------------------------------------------------------------------

_COPY: dict[Language, dict[str, str]] = {
    "en": {
        "title": "Customer experience report",
        "all": "The whole company",
        "period": "{start} to {end}",
        "responses": "Responses",
        "nps": "NPS",
        "csat": "CSAT",
        "ces": "CES",
        "csat_note": "share of 4-5 answers on 1-5",
        "ces_note": "mean on 1-7, higher is easier; {easy} answered 5-7",
        "interval": "95 % interval {low} to {high}",
        "n": "n = {n}",
        "small": "fewer than 30 answers: read with care",
        "no_answers": "no answers",
        "trend": "NPS by week",
        "trend_desc": "NPS of each ISO week of the period with its 95 % interval as a band.",
        "children": "NPS by {kind}",
        "children_desc": "Each {kind}'s NPS as a dot with its 95 % interval as a line; "
        "a hollow dot has fewer than 30 answers.",
        "kind.country": "country",
        "kind.branch": "branch",
        "kind.touchpoint": "touchpoint",
        "col.week": "Week",
        "col.from": "From",
        "col.to": "To",
        "col.scope": "Where",
        "col.nps": "NPS",
        "col.low": "Low",
        "col.high": "High",
        "col.n": "n",
        "col.topic": "Topic",
        "col.mentions": "Mentions",
        "col.share": "Share of comments",
        "col.negative": "Negative",
        "col.driver": "Driver",
        "col.mean": "Mean",
        "col.effect": "Effect on NPS",
        "col.role": "Role",
        "role.strength": "strength",
        "role.weakness": "weakness",
        "topics": "Top comment topics",
        "drivers": "Drivers of NPS",
        "drivers_note": "Effect: NPS of customers who rated the driver high minus NPS of those who "
        "rated it low, with its 95 % interval.",
        "nothing": "No answers in this period.",
        "footer": "Computed from the answers counted by cxloop up to the end of the period. "
        "Intervals are 95 %: adjusted Wald for NPS, Wilson for CSAT, Student t for CES.",
    },
    "es": {
        "title": "Informe de experiencia del cliente",
        "all": "Toda la empresa",
        "period": "{start} a {end}",
        "responses": "Respuestas",
        "nps": "NPS",
        "csat": "CSAT",
        "ces": "CES",
        "csat_note": "porcentaje de respuestas 4-5 en 1-5",
        "ces_note": "media en 1-7, más alto es más fácil; {easy} respondió 5-7",
        "interval": "intervalo del 95 % de {low} a {high}",
        "n": "n = {n}",
        "small": "menos de 30 respuestas: leer con cautela",
        "no_answers": "sin respuestas",
        "trend": "NPS por semana",
        "trend_desc": "NPS de cada semana ISO del periodo con su intervalo del 95 % como banda.",
        "children": "NPS por {kind}",
        "children_desc": "El NPS de cada {kind} como punto con su intervalo del 95 % como línea; "
        "un punto hueco tiene menos de 30 respuestas.",
        "kind.country": "país",
        "kind.branch": "sucursal",
        "kind.touchpoint": "punto de contacto",
        "col.week": "Semana",
        "col.from": "Desde",
        "col.to": "Hasta",
        "col.scope": "Dónde",
        "col.nps": "NPS",
        "col.low": "Mínimo",
        "col.high": "Máximo",
        "col.n": "n",
        "col.topic": "Tema",
        "col.mentions": "Menciones",
        "col.share": "Porcentaje de comentarios",
        "col.negative": "Negativas",
        "col.driver": "Factor",
        "col.mean": "Media",
        "col.effect": "Efecto en el NPS",
        "col.role": "Papel",
        "role.strength": "fortaleza",
        "role.weakness": "debilidad",
        "topics": "Temas más comentados",
        "drivers": "Factores del NPS",
        "drivers_note": "Efecto: NPS de quienes valoraron alto el factor menos NPS de quienes lo "
        "valoraron bajo, con su intervalo del 95 %.",
        "nothing": "Sin respuestas en este periodo.",
        "footer": "Calculado con las respuestas contadas por cxloop hasta el final del periodo. "
        "Intervalos del 95 %: Wald ajustado para el NPS, Wilson para el CSAT, t de Student para el CES.",
    },
}


def copy_for(language: str) -> dict[str, str]:
    return _COPY[report_language(language)]


def number(value: float | None, language: str, digits: int = 1) -> str:
    """One decimal, with the decimal comma in Spanish; a dash for no value."""
    if value is None:
        return NO_VALUE
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if report_language(language) == "es" else text


def percent(share: float | None, language: str) -> str:
    return NO_VALUE if share is None else f"{number(100 * share, language)} %"


def display_name(report_scope: str, name: str | None, copy: Mapping[str, str]) -> str:
    if report_scope == "all":
        return copy["all"]
    return f"{name} ({report_scope})" if name else report_scope


# --- the page ------------------------------------------------------------------------------------

_CSS = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1a1a1a;"
    "max-width:760px;margin:24px auto;padding:0 16px;line-height:1.4}"
    "h1{font-size:1.5em;margin-bottom:0}h2{font-size:1.15em;margin-top:32px}"
    ".sub{color:#555;margin-top:4px}"
    ".cards{display:flex;flex-wrap:wrap;gap:12px}"
    ".card{border:1px solid #ccc;border-radius:8px;padding:12px 16px;min-width:200px;flex:1}"
    ".card .value{font-size:2em;font-weight:600}.card p{margin:4px 0;font-size:.9em;color:#444}"
    ".warn{color:#8a4b00}"
    "table{border-collapse:collapse;margin:8px 0 16px;font-size:.9em}"
    "caption{text-align:left;font-weight:600;padding:4px 0}"
    "th,td{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}"
    "td.num,th.num{text-align:right}"
    "svg{max-width:100%;height:auto}"
    "footer{color:#555;font-size:.85em;margin-top:32px}"
)


def render_html(report: ScopeReport, language: str) -> str:
    """The whole report as one HTML document in the language (English when not Spanish)."""
    lang = report_language(language)
    copy = _COPY[lang]
    where = display_name(report.scope, report.name, copy)
    title = f"{copy['title']} {report.period.label}: {where}"
    sections = [
        _header(report, where, copy),
        _cards(report.scores, lang, copy),
        _trend_section(report.weeks, lang, copy),
        _children_section(report, lang, copy),
        _topics_section(report.topics, lang, copy),
        _drivers_section(report.drivers, lang, copy),
        f"<footer><p>{escape(copy['footer'])}</p></footer>",
    ]
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>"
        f"<body><main>{''.join(sections)}</main></body></html>"
    )


def _header(report: ScopeReport, where: str, copy: Mapping[str, str]) -> str:
    dates = copy["period"].format(start=report.period.start.isoformat(), end=report.period.end.isoformat())
    nothing = "" if report.scores.counts.responses else f'<p class="warn">{escape(copy["nothing"])}</p>'
    return (
        f"<header><h1>{escape(copy['title'])}: {escape(where)}</h1>"
        f'<p class="sub">{escape(report.period.label)} · {escape(dates)} · '
        f"{escape(copy['responses'])}: {report.scores.counts.responses}</p>{nothing}</header>"
    )


def _cards(scores: Scores, lang: Language, copy: Mapping[str, str]) -> str:
    easy = percent(scores.ces_easy_share, lang)
    cards = [
        _card(copy["nps"], scores.nps, lang, copy, None),
        _card(copy["csat"], scores.csat, lang, copy, copy["csat_note"], unit=" %"),
        _card(copy["ces"], scores.ces, lang, copy, copy["ces_note"].format(easy=easy), digits=2),
    ]
    return f'<section class="cards" aria-label="{escape(copy["responses"])}">{"".join(cards)}</section>'


def _card(
    label: str,
    estimate: Estimate,
    lang: Language,
    copy: Mapping[str, str],
    note: str | None,
    *,
    unit: str = "",
    digits: int = 1,
) -> str:
    if estimate.value is None:
        body = f'<p class="value">{NO_VALUE}</p><p>{escape(copy["no_answers"])}</p>'
    else:
        interval = copy["interval"].format(
            low=number(estimate.low, lang, digits), high=number(estimate.high, lang, digits)
        )
        body = (
            f'<p class="value">{number(estimate.value, lang, digits)}{unit}</p>'
            f"<p>{escape(interval)}</p><p>{escape(copy['n'].format(n=estimate.n))}</p>"
        )
        if estimate.small_sample:
            body += f'<p class="warn">{escape(copy["small"])}</p>'
    if note:
        body += f"<p>{escape(note)}</p>"
    return f'<div class="card"><h2 style="margin:0;font-size:1em">{escape(label)}</h2>{body}</div>'


# --- charts --------------------------------------------------------------------------------------

_WIDTH, _HEIGHT = 640, 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 12, 12, 32
_BLUE, _BAND, _GREY = "#1f5fa8", "#c9dcf2", "#888"


@dataclass(frozen=True)
class Scale:
    """Maps NPS points to pixels along one axis (the first bound maps to `start`)."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)


def trend_range(points: list[TrendPoint]) -> tuple[float, float]:
    """Tens around the intervals (and zero), within -100..100, so a band fills the chart."""
    bounds = [0.0]
    for point in points:
        estimate = point.scores.nps
        bounds += [b for b in (estimate.low, estimate.high) if b is not None]
    low = max(-100.0, 10 * (min(bounds) // 10))
    high = min(100.0, -10 * ((-max(bounds)) // 10))
    return (low, high) if high > low else (-100.0, 100.0)


def answered_runs(points: list[TrendPoint]) -> list[list[int]]:
    """Consecutive weeks with answers: a band and a line never bridge an empty week."""
    runs: list[list[int]] = []
    current: list[int] = []
    for index, point in enumerate(points):
        if point.scores.nps.value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(index)
    return [*runs, current] if current else runs


def trend_svg(points: list[TrendPoint], copy: Mapping[str, str]) -> str:
    low, high = trend_range(points)
    y = Scale(low, high, _HEIGHT - _BOTTOM, _TOP)
    step = (_WIDTH - _LEFT - _RIGHT) / max(1, len(points))

    def x(index: int) -> float:
        return _LEFT + (index + 0.5) * step

    parts = [_y_axis(y, low, high)]
    for run in answered_runs(points):
        estimates = [points[i].scores.nps for i in run]
        upper = [f"{x(i):.1f},{y(e.high or 0):.1f}" for i, e in zip(run, estimates, strict=True)]
        lower = [f"{x(i):.1f},{y(e.low or 0):.1f}" for i, e in zip(run, estimates, strict=True)]
        parts.append(f'<polygon points="{" ".join(upper + lower[::-1])}" fill="{_BAND}" stroke="none"/>')
        for i, e in zip(run, estimates, strict=True):
            parts.append(_interval_line(x(i), y(e.low or 0), x(i), y(e.high or 0)))
        line = " ".join(f"{x(i):.1f},{y(e.value or 0):.1f}" for i, e in zip(run, estimates, strict=True))
        parts.append(f'<polyline points="{line}" fill="none" stroke="{_BLUE}" stroke-width="2"/>')
        parts += [
            _dot(x(i), y(e.value or 0), hollow=e.small_sample) for i, e in zip(run, estimates, strict=True)
        ]
    for index, point in enumerate(points):
        parts.append(_text(x(index), _HEIGHT - 10, point.bucket.split("-")[-1], anchor="middle"))
    return _svg("trend", copy["trend"], copy["trend_desc"], _HEIGHT, parts)


def children_svg(children: list[ChildScores], kind_word: str, copy: Mapping[str, str]) -> str:
    label_width, row = 200, 28
    height = _TOP + row * len(children) + _BOTTOM
    x = Scale(-100.0, 100.0, label_width, _WIDTH - _RIGHT)
    parts = []
    for tick in (-100, -50, 0, 50, 100):
        dash = "" if tick == 0 else ' stroke-dasharray="2,3"'
        parts.append(
            f'<line x1="{x(tick):.1f}" y1="{_TOP}" x2="{x(tick):.1f}" y2="{height - _BOTTOM}" '
            f'stroke="{_GREY}"{dash}/>'
        )
        parts.append(_text(x(tick), height - 10, str(tick), anchor="middle"))
    for index, child in enumerate(children):
        middle = _TOP + row * index + row / 2
        parts.append(_text(label_width - 8, middle + 4, short_scope(child.scope), anchor="end"))
        estimate = child.scores.nps
        if estimate.value is None or estimate.low is None or estimate.high is None:
            parts.append(_text(x(0) + 6, middle + 4, copy["no_answers"]))
            continue
        parts.append(_interval_line(x(estimate.low), middle, x(estimate.high), middle))
        parts.append(_dot(x(estimate.value), middle, hollow=estimate.small_sample))
    title = copy["children"].format(kind=kind_word)
    return _svg("children", title, copy["children_desc"].format(kind=kind_word), height, parts)


def _y_axis(y: Scale, low: float, high: float) -> str:
    ticks = sorted({low, 0.0, high})
    parts = []
    for tick in ticks:
        dash = "" if tick == 0 else ' stroke-dasharray="2,3"'
        parts.append(
            f'<line x1="{_LEFT}" y1="{y(tick):.1f}" x2="{_WIDTH - _RIGHT}" y2="{y(tick):.1f}" '
            f'stroke="{_GREY}"{dash}/>'
        )
        parts.append(_text(_LEFT - 6, y(tick) + 4, f"{tick:.0f}", anchor="end"))
    return "".join(parts)


def _svg(name: str, title: str, description: str, height: int, parts: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}" '
        f'height="{height}" role="img" aria-labelledby="{name}-title {name}-desc">'
        f'<title id="{name}-title">{escape(title)}</title><desc id="{name}-desc">{escape(description)}</desc>'
        f"{''.join(parts)}</svg>"
    )


def _interval_line(x1: float, y1: float, x2: float, y2: float) -> str:
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{_BLUE}" stroke-width="2"/>'
    )


def _dot(cx: float, cy: float, *, hollow: bool) -> str:
    fill = "#fff" if hollow else _BLUE
    return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4.5" fill="{fill}" stroke="{_BLUE}" stroke-width="2"/>'


def _text(x: float, y: float, text: str, *, anchor: str = "start") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="12" text-anchor="{anchor}" fill="#333">'
        f"{escape(text)}</text>"
    )


def short_scope(scope: str) -> str:
    value = scope.partition(":")[2] or scope
    return value if len(value) <= 28 else value[:27] + "…"


# --- sections with their tables ------------------------------------------------------------------


def _table(caption: str, header: list[tuple[str, bool]], rows: list[list[tuple[str, bool]]]) -> str:
    """A data table; each cell is (text, numeric). Every text is escaped here."""

    def cell(tag: str, text: str, numeric: bool, scope: str = "") -> str:
        classes = ' class="num"' if numeric else ""
        return f"<{tag}{scope}{classes}>{escape(text)}</{tag}>"

    head = "".join(cell("th", text, numeric, ' scope="col"') for text, numeric in header)
    body = "".join(
        "<tr>"
        + cell("th", row[0][0], row[0][1], ' scope="row"')
        + "".join(cell("td", text, numeric) for text, numeric in row[1:])
        + "</tr>"
        for row in rows
    )
    return (
        f"<table><caption>{escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def nps_cells(estimate: Estimate, lang: Language) -> list[tuple[str, bool]]:
    return [
        (number(estimate.value, lang), True),
        (number(estimate.low, lang), True),
        (number(estimate.high, lang), True),
        (str(estimate.n), True),
    ]


def nps_header(copy: Mapping[str, str]) -> list[tuple[str, bool]]:
    return [(copy[k], True) for k in ("col.nps", "col.low", "col.high", "col.n")]


# The tables under each chart, one definition for the HTML page and the PDF (report_pdf).
Cell = tuple[str, bool]  # the text, and whether it is a number (right-aligned)
Table = tuple[list[Cell], list[list[Cell]]]  # the header and the rows


def trend_table(points: list[TrendPoint], lang: Language, copy: Mapping[str, str]) -> Table:
    header = [
        (copy["col.week"], False),
        (copy["col.from"], False),
        (copy["col.to"], False),
        *nps_header(copy),
    ]
    rows = [
        [
            (p.bucket, False),
            (p.start.isoformat(), False),
            (p.end.isoformat(), False),
            *nps_cells(p.scores.nps, lang),
        ]
        for p in points
    ]
    return header, rows


def children_table(children: list[ChildScores], lang: Language, copy: Mapping[str, str]) -> Table:
    rows = [[(display_name(c.scope, c.name, copy), False), *nps_cells(c.scores.nps, lang)] for c in children]
    return [(copy["col.scope"], False), *nps_header(copy)], rows


def children_title(children: list[ChildScores], copy: Mapping[str, str]) -> tuple[str, str]:
    """The children's kind as a word ("branches"), and the section's title."""
    kind = children[0].scope.partition(":")[0]
    kind_word = copy.get(f"kind.{kind}", kind)
    return kind_word, copy["children"].format(kind=kind_word)


def topics_table(topics: list[TopicShare], lang: Language, copy: Mapping[str, str]) -> Table:
    header = [
        (copy["col.topic"], False),
        (copy["col.mentions"], True),
        (copy["col.share"], True),
        (copy["col.negative"], True),
    ]
    rows = [
        [
            (t.topic, False),
            (str(t.mentions), True),
            (percent(t.mentions / t.comments if t.comments else None, lang), True),
            (percent(t.negative / t.mentions if t.mentions else None, lang), True),
        ]
        for t in topics
    ]
    return header, rows


def drivers_table(drivers: list[DriverEffect], lang: Language, copy: Mapping[str, str]) -> Table:
    header = [
        (copy["col.driver"], False),
        (copy["col.n"], True),
        (copy["col.mean"], True),
        (copy["col.effect"], True),
        (copy["col.low"], True),
        (copy["col.high"], True),
        (copy["col.role"], False),
    ]
    rows = [
        [
            (d.driver, False),
            (str(d.counts.answers), True),
            (number(d.mean, lang, 2), True),
            (number(d.effect.value, lang), True),
            (number(d.effect.low, lang), True),
            (number(d.effect.high, lang), True),
            (copy[f"role.{d.role}"] if d.role else NO_VALUE, False),
        ]
        for d in drivers
    ]
    return header, rows


def _section(anchor: str, title: str, body: str) -> str:
    return f'<section aria-labelledby="{anchor}"><h2 id="{anchor}">{escape(title)}</h2>{body}</section>'


def _trend_section(points: list[TrendPoint], lang: Language, copy: Mapping[str, str]) -> str:
    table = _table(copy["trend"], *trend_table(points, lang, copy))
    return _section("s-trend", copy["trend"], trend_svg(points, copy) + table)


def _children_section(report: ScopeReport, lang: Language, copy: Mapping[str, str]) -> str:
    if not report.children:
        return ""
    kind_word, title = children_title(report.children, copy)
    table = _table(title, *children_table(report.children, lang, copy))
    return _section("s-children", title, children_svg(report.children, kind_word, copy) + table)


def _topics_section(topics: list[TopicShare], lang: Language, copy: Mapping[str, str]) -> str:
    if not topics:
        return ""
    return _section("s-topics", copy["topics"], _table(copy["topics"], *topics_table(topics, lang, copy)))


def _drivers_section(drivers: list[DriverEffect], lang: Language, copy: Mapping[str, str]) -> str:
    if not drivers:
        return ""
    table = _table(copy["drivers"], *drivers_table(drivers, lang, copy))
    return _section("s-drivers", copy["drivers"], f"<p>{escape(copy['drivers_note'])}</p>{table}")


# --- where it is kept and how a manager hears of it -------------------------------------------------

# Every report object lives under this prefix of the reports bucket (the functions' grants too).
REPORTS_PREFIX = "reports/"


def report_key(scope: str, period: ReportPeriod, language: str) -> str:
    """reports/2026-11/branch/quito-norte/report.es.html; reports/2026-Q4/all/report.en.html."""
    place = scope.replace(":", "/")
    return f"{REPORTS_PREFIX}{period.label}/{place}/report.{report_language(language)}.html"


_EMAIL_COPY: dict[Language, dict[str, str]] = {
    "en": {
        "subject": "Customer experience report {period}: {where}",
        "greeting": "Hello {name},",
        "ready": "The customer experience report for {where}, {period} ({start} to {end}), is ready.",
        "headline": "NPS {nps} (95 % interval {low} to {high}) from {n} answers.",
        "no_answers": "There were no answers in this period.",
        "link": "Open the report",
        "pdf": "The same report as PDF",
        "expires": "The link works until {expires} UTC; after that, ask cxloop for the report again "
        "(cxloop report --scope {scope} --period {period}, or GET /v1/reports/metrics).",
    },
    "es": {
        "subject": "Informe de experiencia del cliente {period}: {where}",
        "greeting": "Hola {name}:",
        "ready": "El informe de experiencia del cliente de {where}, {period} ({start} a {end}), está listo.",
        "headline": "NPS {nps} (intervalo del 95 % de {low} a {high}) con {n} respuestas.",
        "no_answers": "No hubo respuestas en este periodo.",
        "link": "Abrir el informe",
        "pdf": "El mismo informe en PDF",
        "expires": "El enlace funciona hasta el {expires} UTC; después, pida el informe de nuevo a "
        "cxloop (cxloop report --scope {scope} --period {period}, o GET /v1/reports/metrics).",
    },
}


def report_email(
    report: ScopeReport,
    *,
    name: str,
    language: str,
    link: str,
    expires: datetime,
    pdf_link: str | None = None,
) -> EmailMessage:
    """The email with the report's link (and its PDF's, when stored), in the manager's language.
    Only the headline NPS: the figures live behind the links, which expire."""
    lang = report_language(language)
    copy = _EMAIL_COPY[lang]
    where = display_name(report.scope, report.name, _COPY[lang])
    period = report.period
    nps = report.scores.nps
    values = {
        "period": period.label,
        "where": where,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "scope": report.scope,
        "expires": expires.strftime("%Y-%m-%d %H:%M"),
        "name": name.split(" ", maxsplit=1)[0],
    }
    headline = (
        copy["headline"].format(
            nps=number(nps.value, lang), low=number(nps.low, lang), high=number(nps.high, lang), n=nps.n
        )
        if nps.value is not None
        else copy["no_answers"]
    )
    texts = [copy["greeting"].format(**values), copy["ready"].format(**values), headline]
    expiry = copy["expires"].format(**values)
    links = [(copy["link"], link)] + ([(copy["pdf"], pdf_link)] if pdf_link else [])
    text = "\n\n".join([*texts, *(f"{label}: {url}" for label, url in links), expiry]) + "\n"
    html = (
        f'<!doctype html><html lang="{lang}"><body style="font-family:sans-serif;color:#1a1a1a">'
        + "".join(f"<p>{escape(t)}</p>" for t in texts)
        + "".join(f'<p><a href="{escape(url, quote=True)}">{escape(label)}</a></p>' for label, url in links)
        + f'<p style="color:#555;font-size:13px">{escape(expiry)}</p></body></html>'
    )
    return EmailMessage(subject=copy["subject"].format(**values)[:200], html=html, text=text)
