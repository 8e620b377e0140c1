"""What the report's HTML page (report_html) and its PDF (report_pdf) both show: the words in the
manager's language (assets/report_copy.json, package data), numbers written for that language,
the data table under each chart and the scale of each chart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cxloop.domain.feedback.metrics import Estimate
from cxloop.domain.insights.report import ChildScores, Language, report_language
from cxloop.domain.insights.scope_insights import DriverEffect, TopicShare, TrendPoint
from cxloop.domain.kernel.package_files import package_json

# What a figure without a value shows: an en dash.
NO_VALUE = "\u2013"


def copy_for(language: str) -> dict[str, str]:
    copy: dict[str, dict[str, str]] = package_json("cxloop.domain.insights", "assets", "report_copy.json")
    return copy[report_language(language)]


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


# --- the charts' scales -------------------------------------------------------------------------


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


def short_scope(scope: str) -> str:
    value = scope.partition(":")[2] or scope
    return value if len(value) <= 28 else value[:27] + "…"


# --- the tables under the charts -----------------------------------------------------------------


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
