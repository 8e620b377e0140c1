"""The periodic report as a self-contained HTML page a manager opens from an email.

The page has inline CSS and inline SVG only: no script, no font, no image, no link to fetch, so it
reads the same from S3, from an email client's preview or from a file. Every chart has a data
table beside it (what a screen reader reads and what a printout keeps), every text from data is
escaped, and the page says its language.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from cxloop.domain.feedback.metrics import Estimate
from cxloop.domain.insights.report import ChildScores, Language, ScopeReport, report_language
from cxloop.domain.insights.report_content import (
    NO_VALUE,
    Scale,
    answered_runs,
    children_table,
    children_title,
    copy_for,
    display_name,
    drivers_table,
    number,
    percent,
    short_scope,
    topics_table,
    trend_range,
    trend_table,
)
from cxloop.domain.insights.scope_insights import DriverEffect, Scores, TopicShare, TrendPoint
from cxloop.domain.kernel.package_files import package_text


def _style() -> str:
    """assets/report.css (package data), written one rule a line; the page carries it on one."""
    return package_text("cxloop.domain.insights", "assets", "report.css").replace("\n", "")


def render_html(report: ScopeReport, language: str) -> str:
    """The whole report as one HTML document in the language (English when not Spanish)."""
    lang = report_language(language)
    copy = copy_for(lang)
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
        f"<title>{escape(title)}</title><style>{_style()}</style></head>"
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
