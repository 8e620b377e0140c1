"""The periodic report as PDF: read back with pypdf, it carries the same figures as the HTML page
(as text, in the manager's language), its metadata, vector charts only, and every text the core
fonts cannot encode replaced; fpdf2 loads only when a PDF is asked for."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pypdf import PdfReader

from cxloop.domain.feedback.metrics import DriverCounts, TopicCounts
from cxloop.domain.insights.report import ScopeReport, build_report, parse_period
from cxloop.domain.insights.report_content import NO_VALUE
from cxloop.domain.insights.report_email import report_email
from cxloop.domain.insights.report_html import render_html
from cxloop.domain.insights.report_pdf import LATIN1_STAND_INS, latin1, pdf_key, render_pdf
from cxloop.domain.organisation.hierarchy import Organisation
from tests.unit.insights.test_report import ORGANISATION, adjusted_wald, counts

NOVEMBER = parse_period("2026-11")
GENERATED = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def known_report() -> ScopeReport:
    """Quito Norte in November: 50 promoters, 20 passives, 30 detractors (NPS 20); CSAT 30 of 40;
    CES from 10 answers; a topic; a driver; two touchpoints, one under 30 answers."""
    cleanliness = DriverCounts(
        answers=40,
        total=200,
        low=10,
        high=30,
        promoters=20,
        passives=10,
        detractors=10,
        low_detractors=8,
        low_passives=2,
        high_promoters=20,
        high_passives=8,
        high_detractors=2,
    )
    days = {
        date(2026, 11, 2): counts(
            30,
            10,
            10,
            csat_answers=40,
            csat_satisfied=30,
            ces_answers=10,
            ces_sum=55,
            ces_sum_sq=325,
            ces_easy=7,
            comments=20,
            topics={"waiting_time": TopicCounts(mentions=8, negative=6)},
            drivers={"cleanliness": cleanliness},
        ),
        date(2026, 11, 20): counts(20, 10, 20),
    }
    children = {
        "touchpoint:quito-norte/claims": {date(2026, 11, 2): counts(30, 10, 10)},
        "touchpoint:quito-norte/counter": {date(2026, 11, 20): counts(2, 1, 3)},
    }
    return build_report("branch:quito-norte", NOVEMBER, days, children, ORGANISATION)


def read(document: bytes) -> tuple[PdfReader, str]:
    """The document and its text, each run of whitespace one space (lines wrap in a card)."""
    reader = PdfReader(io.BytesIO(document))
    return reader, " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def card_values(page: str) -> list[str]:
    """The NPS, CSAT and CES figures exactly as the HTML page's cards show them."""
    return re.findall(r'<p class="value">([^<]+)</p>', page)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("es", ["Informe de experiencia del cliente", "NPS por semana", "Temas más comentados"]),
        ("en", ["Customer experience report", "NPS by week", "Top comment topics"]),
    ],
)
def test_the_pdf_carries_the_pages_figures_as_text_in_the_language(language: str, words: list[str]) -> None:
    report = known_report()
    document = render_pdf(report, language, generated=GENERATED)

    assert document.startswith(b"%PDF-")
    _, text = read(document)
    # The scope's name (markup and all: a PDF has nothing to escape), its id and the period.
    assert "Quito <Norte> & Co" in text and "branch:quito-norte" in text
    assert "2026-11" in text and "2026-11-01" in text and "2026-11-30" in text
    assert "2026-12-01 06:00 UTC" in text
    figures = card_values(render_html(report, language))
    assert len(figures) == 3 and all(figure in text for figure in figures)
    nps, csat, _ = figures
    assert nps == ("20,0" if language == "es" else "20.0")  # (50 - 30) / 100
    assert csat == ("75,0 %" if language == "es" else "75.0 %")  # 30 of 40
    low, high = adjusted_wald(50, 30, 100)
    interval = f"{low:.1f} a {high:.1f}" if language == "es" else f"{low:.1f} to {high:.1f}"
    assert interval.replace(".", "," if language == "es" else ".") in text
    assert all(word in text for word in words)


def test_each_chart_has_its_data_table_and_the_sections_their_rows() -> None:
    _, text = read(render_pdf(known_report(), "en"))
    # Week 45 holds the first day's 50 answers: NPS 40 with its interval; empty weeks show a dash.
    w_low, w_high = adjusted_wald(30, 10, 50)
    assert re.search(rf"2026-W45 2026-11-02 2026-11-08 40\.0 {w_low:.1f} {w_high:.1f} 50", text)
    assert re.search(r"2026-W46 2026-11-09 2026-11-15 - - - 0", text)
    # The children compared, named in the chart and in the table, the small one flagged by n.
    c_low, c_high = adjusted_wald(2, 3, 6)
    assert "touchpoint:quito-norte/counter" in text
    assert f"-16.7 {c_low:.1f} {c_high:.1f} 6" in text
    assert "NPS by touchpoint" in text
    # Topics and drivers, with the driver's role.
    assert "waiting_time 8 40.0 % 75.0 %" in text
    assert "cleanliness" in text and "Drivers of NPS" in text
    assert re.search(r"cleanliness 40 5\.00 \S+ \S+ \S+ (strength|weakness|-)", text)


def test_the_metric_cards_show_n_and_flag_small_samples() -> None:
    _, text = read(render_pdf(known_report(), "es"))
    assert "n = 100" in text and "n = 40" in text and "n = 10" in text
    # The CES (10 answers) is under 30: flagged as on the page.
    assert "menos de 30 respuestas: leer con cautela" in text
    assert "70,0 % respondió 5-7" in text  # 7 of 10 easy answers


def test_the_metadata_name_the_report_its_language_and_cxloop() -> None:
    reader, _ = read(render_pdf(known_report(), "es", generated=GENERATED))
    metadata = reader.metadata
    assert metadata is not None
    assert (
        metadata.title
        == "Informe de experiencia del cliente 2026-11: Quito <Norte> & Co (branch:quito-norte)"
    )
    assert metadata.creator == "cxloop"
    assert metadata.creation_date == GENERATED
    assert reader.root_object["/Lang"] == "es"
    english, _ = read(render_pdf(known_report(), "fr"))
    assert english.root_object["/Lang"] == "en"


def test_the_charts_are_vector_drawings_not_images() -> None:
    reader, _ = read(render_pdf(known_report(), "en"))
    first = reader.pages[0]
    assert len(first.images) == 0
    content = first.get_contents()
    assert content is not None
    operators = content.get_data().decode("latin-1")
    # Lines (m ... l S), the dots' Bezier circles (c) and the cards' boxes.
    assert len(re.findall(r" l\n", operators)) >= 10 and len(re.findall(r" c\n", operators)) >= 4


def test_a_period_without_answers_says_so_and_shows_no_zero() -> None:
    report = build_report("branch:quito-sur", NOVEMBER, {}, {}, ORGANISATION)
    _, text = read(render_pdf(report, "es"))
    assert "Sin respuestas en este periodo." in text and "sin respuestas" in text
    assert "Quito Sur (branch:quito-sur)" in text
    assert "0,0" not in text


def test_a_long_list_of_children_goes_on_over_pages_with_every_one_named() -> None:
    children = {
        f"touchpoint:quito-norte/desk-{i:02d}": {date(2026, 11, 3): counts(i, 1, 2)} for i in range(60)
    }
    report = build_report("branch:quito-norte", NOVEMBER, {date(2026, 11, 3): counts(40, 5, 5)}, children)
    reader, text = read(render_pdf(report, "en"))
    assert len(reader.pages) >= 3
    assert all(f"quito-norte/desk-{i:02d}" in text for i in range(60))
    pages = len(reader.pages)
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text


# --- text the core fonts cannot encode -------------------------------------------------------------


def test_latin1_keeps_latin_accents_and_maps_what_latin1_lacks() -> None:
    assert latin1("Señor Müller, São Paulo, garçon, ¿qué?") == "Señor Müller, São Paulo, garçon, ¿qué?"
    assert latin1("\u22125,0") == "-5,0"  # minus sign
    assert latin1(f"NPS {NO_VALUE}") == "NPS -"  # en dash
    assert latin1("1\u202f234\u00a0€") == "1 234\u00a0EUR"  # narrow no-break space kept as a space
    assert latin1("Quito Norte \U0001f600\u2764\ufe0f") == "Quito Norte "  # emoji dropped
    assert latin1("Łódź Gdańsk") == "?ódz Gdansk"  # accents dropped; a letter without base: ?
    assert latin1("\u201cok\u201d \u2026") == '"ok" ...'
    for original, stand_in in LATIN1_STAND_INS.items():
        assert latin1(original) == stand_in
        stand_in.encode("latin-1")


@pytest.mark.parametrize("block", [0x100, 0x2000, 0x2200, 0x3000, 0x4E00, 0xFB00, 0x1F300])
def test_whatever_comes_in_leaves_encodable_in_latin1(block: int) -> None:
    text = "".join(chr(code) for code in range(block, block + 0x100) if not 0xD800 <= code < 0xE000)
    latin1(text).encode("latin-1")  # raises UnicodeEncodeError if anything slipped through


def test_names_outside_latin1_render_sanitised() -> None:
    organisation = Organisation.model_validate(
        {
            "countries": [
                {
                    "code": "EC",
                    "name": "Ecuador",
                    "timezone": "America/Guayaquil",
                    "regions": [
                        {
                            "id": "norte",
                            "name": "Norte",
                            "branches": [{"id": "ibarra", "name": "Ibarra \u2013 Centro \U0001f3e2 \u22121"}],
                        }
                    ],
                }
            ]
        }
    )
    report = build_report("branch:ibarra", NOVEMBER, {date(2026, 11, 3): counts(5, 1, 1)}, {}, organisation)
    _, text = read(render_pdf(report, "es"))
    assert "Ibarra - Centro -1 (branch:ibarra)" in text


# --- where it is kept, how a manager hears of it, and what it costs a cold start -------------------


def test_the_pdf_lives_beside_the_page() -> None:
    assert pdf_key("branch:quito-norte", NOVEMBER, "es") == "reports/2026-11/branch/quito-norte/report.es.pdf"
    assert pdf_key("all", parse_period("2026-Q4"), "fr") == "reports/2026-Q4/all/report.en.pdf"


def test_the_email_lists_the_page_and_the_pdf() -> None:
    link = "https://reports.example/reports/2026-11/branch/quito-norte/report.es.html?X-Amz-Signature=a&b=c"
    pdf_link = link.replace(".html", ".pdf")
    expires = datetime(2026, 12, 8, 6, 0, tzinfo=UTC)
    message = report_email(
        known_report(), name="Verónica Salgado", language="es", link=link, pdf_link=pdf_link, expires=expires
    )
    assert f"Abrir el informe: {link}" in message.text
    assert f"El mismo informe en PDF: {pdf_link}" in message.text
    assert message.html.count("<a href=") == 2 and pdf_link.replace("&", "&amp;") in message.html
    without: Any = report_email(known_report(), name="Ana", language="en", link=link, expires=expires)
    assert "PDF" not in without.text and without.html.count("<a href=") == 1


@pytest.mark.parametrize(
    "module",
    [
        "cxloop.domain.insights.report_pdf",
        "functions.reports_api.handler",
        "functions.publish_reports.handler",
    ],
)
def test_importing_the_report_code_does_not_load_fpdf_or_pillow(module: str) -> None:
    probe = f"import sys, {module}; print(sorted(m for m in ('fpdf', 'PIL') if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
