"""The periodic report as a PDF: the same content as cxloop.domain.insights.report_html's page, on A4
portrait, for managers who print it or file it.

The same header, the three metric cards (NPS, CSAT, CES with n, 95 % interval and the flag under
30 answers), the NPS by week and the children compared drawn as vector lines (never an image),
the topics and the drivers; every chart is followed by its data table, so the PDF carries the
numbers as text (what a screen reader and a search find).

fpdf2 writes it with the PDF core fonts (Helvetica), which encode Latin-1 only: Spanish, English,
Portuguese and French accents fit, and `latin1` replaces the rest (a minus sign, an en dash, a
narrow no-break space, an emoji in an analyst's name) before any text reaches the page.

fpdf2 (and the Pillow it depends on) is imported inside `render_pdf` only: the report function
answers HTML and JSON far more often, and its cold start must not pay for the PDF library.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

from cxloop.domain.feedback.metrics import Estimate
from cxloop.domain.insights.report import (
    ChildScores,
    Language,
    ReportPeriod,
    ScopeReport,
    report_key,
    report_language,
)
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
from cxloop.domain.kernel.package_files import package_json

if TYPE_CHECKING:
    from fpdf import FPDF

PDF_CONTENT_TYPE = "application/pdf"

# --- text the core fonts can encode -------------------------------------------------------------

# Characters our own copy and figures use, or analysts type, that Latin-1 lacks: each gets the
# nearest Latin-1 text. Anything else outside Latin-1 loses its accent (NFKD) when it has one,
# disappears when it is a symbol or an emoji, and becomes "?" otherwise (say, a CJK name).
LATIN1_STAND_INS: Mapping[str, str] = {
    "\u2212": "-",  # minus sign
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2013": "-",  # en dash: NO_VALUE, what a figure without a value shows
    "\u2014": "-",  # em dash
    "\u202f": " ",  # narrow no-break space (French before ; : ! ? and in thousands)
    "\u2009": " ",  # thin space
    "\u2007": " ",  # figure space
    "\u200b": "",  # zero-width space
    "\u200d": "",  # zero-width joiner (inside emoji sequences)
    "\ufe0f": "",  # emoji presentation selector
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\u2022": "\u00b7",  # bullet -> middle dot
    "\u20ac": "EUR",
}
_DROPPED_CATEGORIES = frozenset({"So", "Sk", "Cs", "Co", "Cf", "Mn", "Me"})


def latin1(text: str) -> str:
    """The text with every character the core fonts cannot encode replaced (see above)."""
    return "".join(_latin1_char(char) for char in text)


def _latin1_char(char: str) -> str:
    if ord(char) < 0x100:
        return char
    if char in LATIN1_STAND_INS:
        return LATIN1_STAND_INS[char]
    base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
    if base:
        return base
    return "" if unicodedata.category(char) in _DROPPED_CATEGORIES else "?"


# --- where it is kept ----------------------------------------------------------------------------


def pdf_key(scope: str, period: ReportPeriod, language: str) -> str:
    """Beside the HTML page: reports/2026-11/branch/quito-norte/report.es.pdf."""
    return report_key(scope, period, language).removesuffix(".html") + ".pdf"


# --- words only the PDF needs ----------------------------------------------------------------------

_ASSETS = ("cxloop.domain.insights", "assets")


def _pdf_copy(lang: Language) -> dict[str, str]:
    """The PDF's own words (assets/report_pdf_copy.json, package data); the rest is the page's."""
    copy: dict[Language, dict[str, str]] = package_json(*_ASSETS, "report_pdf_copy.json")
    return copy[lang]


# --- the page's geometry (millimetres) and colours -----------------------------------------------

_MARGIN = 15.0
_WIDTH = 210.0 - 2 * _MARGIN
_GAP = 4.0
_PAD = 3.0
_TREND_HEIGHT = 62.0
_ROW = 7.0  # one child's row in the comparison
_LABEL_WIDTH = 50.0  # the children's names left of their dots
_INK = (26, 26, 26)
_MUTED = (85, 85, 85)
_WARN = (138, 75, 0)
_BLUE = (31, 95, 168)
_BAND = (201, 220, 242)
_GREY = (136, 136, 136)
_HEAD_FILL = (232, 239, 248)
_WHITE = (255, 255, 255)

Colour = tuple[int, int, int]


def render_pdf(report: ScopeReport, language: str, *, generated: datetime | None = None) -> bytes:
    """The whole report as one A4 PDF in the language (English when not Spanish); `generated`,
    when given, is printed under the title and is the document's creation date."""
    from fpdf import FPDF  # noqa: PLC0415 - only a PDF request pays for fpdf2 and Pillow

    lang = report_language(language)
    copy = copy_for(lang)
    where = display_name(report.scope, report.name, copy)
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(auto=True, margin=_MARGIN + 5)
    pdf.set_title(latin1(f"{copy['title']} {report.period.label}: {where}"))
    pdf.set_subject(latin1(f"{report.scope} {report.period.label}"))
    pdf.set_lang(lang)
    pdf.set_creator("cxloop")
    pdf.set_author("cxloop")
    if generated is not None:
        pdf.set_creation_date(generated)
    pdf.add_page()

    _header(pdf, report, where=where, copy=copy, lang=lang, generated=generated)
    _cards(pdf, report.scores, lang, copy)
    _trend_section(pdf, report.weeks, lang, copy)
    _children_section(pdf, report.children, lang, copy)
    _topics_section(pdf, report.topics, lang, copy)
    _drivers_section(pdf, report.drivers, lang, copy)
    _paragraph(pdf, copy["footer"], size=8, colour=_MUTED, before=6)
    _page_numbers(pdf, _pdf_copy(lang)["page"])
    return bytes(pdf.output())


# --- text ----------------------------------------------------------------------------------------


def _paragraph(
    pdf: FPDF,
    text: str,
    *,
    size: float = 10,
    style: str = "",
    colour: Colour = _INK,
    before: float = 0,
) -> None:
    pdf.set_y(pdf.get_y() + before)
    pdf.set_font("helvetica", style, size)
    pdf.set_text_color(*colour)
    pdf.multi_cell(0, size * 0.45, latin1(text), align="L", new_x="LMARGIN", new_y="NEXT")


def _label(pdf: FPDF, x: float, y: float, text: str, *, align: str = "L", size: float = 7) -> None:
    """A chart's label, its middle at height y and anchored at x by its left, centre or right."""
    text = latin1(text)
    pdf.set_font("helvetica", "", size)
    pdf.set_text_color(*_MUTED)
    width = pdf.get_string_width(text) + 2 * pdf.c_margin
    left = {"L": x, "C": x - width / 2, "R": x - width}[align]
    pdf.set_xy(left, y - 2)
    pdf.cell(width, 4, text, align=align)


def _heading(pdf: FPDF, text: str, *, room: float = 30) -> None:
    """A section's title, on a new page when the section's start would not fit under it."""
    _ensure_room(pdf, room)
    _paragraph(pdf, text, size=12, style="B", before=5)
    pdf.set_y(pdf.get_y() + 1)


def _ensure_room(pdf: FPDF, height: float) -> None:
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()


def _page_numbers(pdf: FPDF, words: str) -> None:
    """Page n of N at the foot of every page: a printout's pages come apart."""
    pages = pdf.pages_count
    pdf.set_auto_page_break(auto=False)
    for page in range(1, pages + 1):
        pdf.page = page
        pdf.set_xy(_MARGIN, 297 - _MARGIN)
        pdf.set_font("helvetica", "", 8)
        pdf.set_text_color(*_MUTED)
        pdf.cell(_WIDTH, 4, latin1(words.format(page=page, pages=pages)), align="R")


# --- header and cards ----------------------------------------------------------------------------


def _header(
    pdf: FPDF,
    report: ScopeReport,
    *,
    where: str,
    copy: Mapping[str, str],
    lang: Language,
    generated: datetime | None,
) -> None:
    period = report.period
    dates = copy["period"].format(start=period.start.isoformat(), end=period.end.isoformat())
    _paragraph(pdf, f"{copy['title']}: {where}", size=16, style="B")
    responses = f"{copy['responses']}: {report.scores.counts.responses}"
    _paragraph(pdf, f"{period.label} \u00b7 {dates} \u00b7 {responses}", colour=_MUTED, before=1)
    if generated is not None:
        at = generated.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        _paragraph(pdf, _pdf_copy(lang)["generated"].format(at=at), size=8, colour=_MUTED)
    if not report.scores.counts.responses:
        _paragraph(pdf, copy["nothing"], colour=_WARN, before=1)
    pdf.set_y(pdf.get_y() + _GAP)


class _Card(NamedTuple):
    label: str
    estimate: Estimate
    note: str | None
    unit: str
    digits: int


def _cards(pdf: FPDF, scores: Scores, lang: Language, copy: Mapping[str, str]) -> None:
    """NPS, CSAT and CES side by side, each boxed to the tallest of the three."""
    easy = percent(scores.ces_easy_share, lang)
    cards = [
        _Card(copy["nps"], scores.nps, None, "", 1),
        _Card(copy["csat"], scores.csat, copy["csat_note"], " %", 1),
        _Card(copy["ces"], scores.ces, copy["ces_note"].format(easy=easy), "", 2),
    ]
    top = pdf.get_y()
    width = (_WIDTH - 2 * _GAP) / 3
    lefts = [_MARGIN + index * (width + _GAP) for index in range(len(cards))]
    bottoms = [
        _card(pdf, (left, top, width), card, lang=lang, copy=copy)
        for left, card in zip(lefts, cards, strict=True)
    ]
    bottom = max(bottoms) + _PAD
    pdf.set_draw_color(204, 204, 204)
    pdf.set_line_width(0.3)
    for left in lefts:
        pdf.rect(left, top, width, bottom - top, round_corners=True, corner_radius=2)
    pdf.set_xy(_MARGIN, bottom + _GAP)


def _card(
    pdf: FPDF,
    box: tuple[float, float, float],
    card: _Card,
    *,
    lang: Language,
    copy: Mapping[str, str],
) -> float:
    """One card's lines, written from its box's top left (left, top, width); answers how far
    down they reach."""
    left, top, width = box
    label, estimate, note, unit, digits = card
    lines: list[tuple[str, float, str, Colour]] = [(label, 10, "B", _INK)]
    if estimate.value is None:
        lines += [(NO_VALUE, 20, "B", _INK), (copy["no_answers"], 8.5, "", _MUTED)]
    else:
        interval = copy["interval"].format(
            low=number(estimate.low, lang, digits), high=number(estimate.high, lang, digits)
        )
        lines += [
            (f"{number(estimate.value, lang, digits)}{unit}", 20, "B", _INK),
            (interval, 8.5, "", _MUTED),
            (copy["n"].format(n=estimate.n), 8.5, "", _MUTED),
        ]
        if estimate.small_sample:
            lines.append((copy["small"], 8.5, "", _WARN))
    if note:
        lines.append((note, 8.5, "", _MUTED))
    pdf.set_xy(left + _PAD, top + _PAD)
    for text, size, style, colour in lines:
        pdf.set_font("helvetica", style, size)
        pdf.set_text_color(*colour)
        pdf.multi_cell(width - 2 * _PAD, size * 0.45, latin1(text), align="L", new_x="LEFT", new_y="NEXT")
    return pdf.get_y()


# --- charts --------------------------------------------------------------------------------------


def _dashed_line(pdf: FPDF, x1: float, y1: float, x2: float, y2: float, *, dashed: bool) -> None:
    pdf.set_draw_color(*_GREY)
    pdf.set_line_width(0.2)
    if dashed:
        pdf.set_dash_pattern(dash=0.7, gap=1.0)
    pdf.line(x1, y1, x2, y2)
    pdf.set_dash_pattern()


def _dot(pdf: FPDF, x: float, y: float, *, hollow: bool) -> None:
    """A filled dot, or a hollow one for fewer than 30 answers (as on the page)."""
    pdf.set_draw_color(*_BLUE)
    pdf.set_fill_color(*(_WHITE if hollow else _BLUE))
    pdf.set_line_width(0.5)
    pdf.circle(x, y, 1.3, style="FD")


def _interval(pdf: FPDF, x1: float, y1: float, x2: float, y2: float) -> None:
    pdf.set_draw_color(*_BLUE)
    pdf.set_line_width(0.5)
    pdf.line(x1, y1, x2, y2)


def _trend_chart(pdf: FPDF, points: list[TrendPoint]) -> None:
    """NPS by week: its axis, the 95 % interval as a band and a bar per week, the NPS as a line
    with dots; an empty week leaves a gap, as on the page."""
    _ensure_room(pdf, _TREND_HEIGHT)
    top = pdf.get_y()
    low, high = trend_range(points)
    plot_left, plot_right = _MARGIN + 12, _MARGIN + _WIDTH - 2
    y = Scale(low, high, top + _TREND_HEIGHT - 9, top + 3)
    step = (plot_right - plot_left) / max(1, len(points))

    def x(index: int) -> float:
        return plot_left + (index + 0.5) * step

    for tick in sorted({low, 0.0, high}):
        _dashed_line(pdf, plot_left, y(tick), plot_right, y(tick), dashed=tick != 0)
        _label(pdf, plot_left - 2, y(tick), f"{tick:.0f}", align="R")
    for run in answered_runs(points):
        estimates = [(index, points[index].scores.nps) for index in run]
        upper = [(x(i), y(e.high or 0)) for i, e in estimates]
        lower = [(x(i), y(e.low or 0)) for i, e in estimates]
        pdf.set_fill_color(*_BAND)
        pdf.polygon(upper + lower[::-1], style="F")
        for i, e in estimates:
            _interval(pdf, x(i), y(e.low or 0), x(i), y(e.high or 0))
        pdf.set_line_width(0.6)
        pdf.polyline([(x(i), y(e.value or 0)) for i, e in estimates], style="D")
        for i, e in estimates:
            _dot(pdf, x(i), y(e.value or 0), hollow=e.small_sample)
    for index, point in enumerate(points):
        _label(pdf, x(index), top + _TREND_HEIGHT - 5, point.bucket.split("-")[-1], align="C")
    pdf.set_xy(_MARGIN, top + _TREND_HEIGHT)


def _children_chart(pdf: FPDF, children: list[ChildScores], copy: Mapping[str, str]) -> None:
    """Each child's NPS as a dot on its 95 % interval, on a -100..100 axis; a long list goes on
    over the next pages, the axis repeated on each."""
    remaining = list(children)
    while remaining:
        rows = int((pdf.page_break_trigger - pdf.get_y() - 10) // _ROW)
        if rows < min(3, len(remaining)):
            pdf.add_page()
            continue
        _children_block(pdf, remaining[:rows], copy)
        remaining = remaining[rows:]


def _children_block(pdf: FPDF, children: list[ChildScores], copy: Mapping[str, str]) -> None:
    top = pdf.get_y()
    bottom = top + 2 + _ROW * len(children)
    x = Scale(-100.0, 100.0, _MARGIN + _LABEL_WIDTH, _MARGIN + _WIDTH - 4)
    for tick in (-100, -50, 0, 50, 100):
        _dashed_line(pdf, x(tick), top, x(tick), bottom, dashed=tick != 0)
        _label(pdf, x(tick), bottom + 3, str(tick), align="C")
    for index, child in enumerate(children):
        middle = top + 2 + _ROW * index + _ROW / 2
        _label(pdf, _MARGIN + _LABEL_WIDTH - 2, middle, short_scope(child.scope), align="R", size=8)
        estimate = child.scores.nps
        if estimate.value is None or estimate.low is None or estimate.high is None:
            _label(pdf, x(0) + 1.5, middle, copy["no_answers"])
            continue
        _interval(pdf, x(estimate.low), middle, x(estimate.high), middle)
        _dot(pdf, x(estimate.value), middle, hollow=estimate.small_sample)
    pdf.set_xy(_MARGIN, bottom + 7)


# --- tables --------------------------------------------------------------------------------------


def _table(
    pdf: FPDF,
    caption: str,
    header: Sequence[tuple[str, bool]],
    rows: Sequence[Sequence[tuple[str, bool]]],
    widths: Sequence[float],
) -> None:
    """A data table under its caption; each cell is (text, numeric), numbers right-aligned."""
    from fpdf.fonts import FontFace  # noqa: PLC0415 - fpdf2 is loaded by render_pdf already

    _ensure_room(pdf, 20)
    _paragraph(pdf, caption, size=9, style="B", before=2)
    pdf.set_font("helvetica", "", 8.5)
    pdf.set_text_color(*_INK)
    pdf.set_draw_color(221, 221, 221)
    pdf.set_fill_color(*_WHITE)  # the charts' dots leave blue behind, which body rows would take
    pdf.set_line_width(0.2)
    aligns = tuple("RIGHT" if numeric else "LEFT" for _, numeric in header)
    with pdf.table(
        width=_WIDTH,
        col_widths=tuple(widths),
        text_align=aligns,
        line_height=4.5,
        borders_layout="HORIZONTAL_LINES",
        headings_style=FontFace(emphasis="BOLD", fill_color=_HEAD_FILL),
        repeat_headings=1,
    ) as table:
        for line in [header, *rows]:
            row = table.row()
            for text, _ in line:
                row.cell(latin1(text))
    pdf.set_y(pdf.get_y() + 2)


def _trend_section(pdf: FPDF, points: list[TrendPoint], lang: Language, copy: Mapping[str, str]) -> None:
    _heading(pdf, copy["trend"], room=_TREND_HEIGHT + 15)
    _paragraph(pdf, copy["trend_desc"], size=8.5, colour=_MUTED)
    pdf.set_y(pdf.get_y() + 2)
    _trend_chart(pdf, points)
    _table(pdf, copy["trend"], *trend_table(points, lang, copy), (18, 20, 20, 12, 12, 12, 10))


def _children_section(
    pdf: FPDF, children: list[ChildScores], lang: Language, copy: Mapping[str, str]
) -> None:
    if not children:
        return
    kind_word, title = children_title(children, copy)
    _heading(pdf, title, room=15 + 3 * _ROW)
    _paragraph(pdf, copy["children_desc"].format(kind=kind_word), size=8.5, colour=_MUTED)
    pdf.set_y(pdf.get_y() + 2)
    _children_chart(pdf, children, copy)
    _table(pdf, title, *children_table(children, lang, copy), (60, 12, 12, 12, 10))


def _topics_section(pdf: FPDF, topics: list[TopicShare], lang: Language, copy: Mapping[str, str]) -> None:
    if not topics:
        return
    _heading(pdf, copy["topics"])
    _table(pdf, copy["topics"], *topics_table(topics, lang, copy), (40, 15, 25, 15))


def _drivers_section(pdf: FPDF, drivers: list[DriverEffect], lang: Language, copy: Mapping[str, str]) -> None:
    """Strengths and weaknesses: each driver's effect on NPS with its interval and role."""
    if not drivers:
        return
    _heading(pdf, copy["drivers"])
    _paragraph(pdf, copy["drivers_note"], size=8.5, colour=_MUTED)
    _table(pdf, copy["drivers"], *drivers_table(drivers, lang, copy), (30, 8, 10, 16, 10, 10, 16))
