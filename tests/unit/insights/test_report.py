"""The periodic report: periods, children, figures equal to a direct computation from the
counts, a self-contained escaped page in the manager's language, and the email's link."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from cxloop.domain.feedback.metrics import Counters, TopicCounts
from cxloop.domain.insights.report import (
    REPORTS_PREFIX,
    ScopeReport,
    build_report,
    children_of,
    parse_period,
    previous_period,
    report_key,
    starts_period,
)
from cxloop.domain.insights.report_content import NO_VALUE
from cxloop.domain.insights.report_email import report_email
from cxloop.domain.insights.report_html import render_html
from cxloop.domain.kernel.errors import InvalidInput
from cxloop.domain.organisation.hierarchy import Organisation
from infra.pipeline import REPORTS_PREFIX as PIPELINE_REPORTS_PREFIX

ORGANISATION = Organisation.model_validate(
    {
        "countries": [
            {
                "code": "EC",
                "name": "Ecuador",
                "timezone": "America/Guayaquil",
                "regions": [
                    {
                        "id": "pichincha",
                        "name": "Pichincha",
                        "branches": [
                            # An analyst's name with markup: the page must escape it.
                            {"id": "quito-norte", "name": "Quito <Norte> & Co"},
                            {"id": "quito-sur", "name": "Quito Sur"},
                        ],
                    }
                ],
            },
            {
                "code": "ES",
                "name": "España",
                "timezone": "Europe/Madrid",
                "regions": [
                    {"id": "madrid", "name": "Madrid", "branches": [{"id": "madrid-centro", "name": "M"}]}
                ],
            },
        ]
    }
)
NOVEMBER = parse_period("2026-11")


def counts(promoters: int, passives: int, detractors: int, **extra: Any) -> Counters:
    return Counters(
        responses=promoters + passives + detractors,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        **extra,
    )


def adjusted_wald(p: int, d: int, n: int) -> tuple[float, float]:
    """The metric definitions of docs/ARCHITECTURE.md written out again, independently of
    cxloop.domain.feedback.metrics."""
    n2 = n + 3
    pp, dd = (p + 0.75) / n2, (d + 0.75) / n2
    half = 1.96 * 100 * math.sqrt((pp + dd - (pp - dd) ** 2) / n2)
    return max(-100, 100 * (pp - dd) - half), min(100, 100 * (pp - dd) + half)


# --- periods -------------------------------------------------------------------------------------


def test_months_and_quarters_are_whole_calendar_periods() -> None:
    assert (NOVEMBER.start, NOVEMBER.end, NOVEMBER.kind) == (date(2026, 11, 1), date(2026, 11, 30), "monthly")
    q4 = parse_period("2026-Q4")
    assert (q4.start, q4.end, q4.kind) == (date(2026, 10, 1), date(2026, 12, 31), "quarterly")
    assert parse_period("2028-02").end == date(2028, 2, 29)


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "26-11", "2026-11-01", "november", ""])
def test_a_bad_period_is_refused_naming_the_parameter(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_period(text)
    assert refused.value.details[0].field == "period"


def test_a_run_on_the_first_day_reports_the_period_that_just_ended() -> None:
    assert previous_period(date(2026, 12, 1), "monthly").label == "2026-11"
    assert previous_period(date(2027, 1, 1), "monthly").label == "2026-12"
    assert previous_period(date(2027, 1, 1), "quarterly").label == "2026-Q4"
    assert starts_period(date(2026, 12, 1), "monthly") and not starts_period(date(2026, 12, 2), "monthly")
    assert starts_period(date(2026, 10, 1), "quarterly") and not starts_period(date(2026, 11, 1), "quarterly")


def test_report_keys_live_under_the_prefix_the_pipeline_grants() -> None:
    assert REPORTS_PREFIX == PIPELINE_REPORTS_PREFIX
    assert (
        report_key("branch:quito-norte", NOVEMBER, "es")
        == "reports/2026-11/branch/quito-norte/report.es.html"
    )
    assert report_key("all", parse_period("2026-Q4"), "fr") == "reports/2026-Q4/all/report.en.html"


# --- children ------------------------------------------------------------------------------------


def test_children_come_from_the_organisation_and_from_the_scopes_with_counts() -> None:
    present = {
        "touchpoint:quito-norte/claims": "branch:quito-norte",
        "touchpoint:quito-norte/counter": "branch:quito-norte",
        "touchpoint:quito-sur/claims": "branch:quito-sur",
        "branch:quito-norte": "region:pichincha",
        # A branch the organisation does not list yet, placed by its responses.
        "branch:cuenca": "region:azuay",
        "region:azuay": "country:EC",
    }
    assert children_of("branch:quito-norte", ORGANISATION, present) == [
        "touchpoint:quito-norte/claims",
        "touchpoint:quito-norte/counter",
    ]
    # Quito Sur has no answers this period and is listed all the same.
    assert children_of("country:EC", ORGANISATION, present) == [
        "branch:cuenca",
        "branch:quito-norte",
        "branch:quito-sur",
    ]
    assert children_of("all", ORGANISATION, present) == ["country:EC", "country:ES"]
    assert children_of("touchpoint:quito-norte/claims", ORGANISATION, present) == []


# --- figures and the page ------------------------------------------------------------------------


def sample_report() -> tuple[str, ScopeReport]:
    days = {
        date(2026, 11, 2): counts(
            30,
            10,
            10,
            csat_answers=40,
            csat_satisfied=30,
            comments=20,
            topics={"waiting_time": TopicCounts(mentions=8, negative=6)},
        ),
        date(2026, 11, 20): counts(20, 10, 20),
        date(2026, 10, 31): counts(0, 0, 99),  # outside the period: ignored
    }
    children = {
        "touchpoint:quito-norte/claims": {date(2026, 11, 2): counts(30, 10, 10)},
        "touchpoint:quito-norte/<b>": {date(2026, 11, 20): counts(2, 1, 3)},
    }
    inside = {d: c for d, c in days.items() if NOVEMBER.start <= d <= NOVEMBER.end}
    report = build_report("branch:quito-norte", NOVEMBER, inside, children, ORGANISATION)
    return render_html(report, "en"), report


def test_the_headline_and_the_weeks_equal_a_direct_computation() -> None:
    page, report = sample_report()
    # 50 + 50 answers: 50 promoters, 20 passives, 30 detractors -> NPS 20.
    low, high = adjusted_wald(50, 30, 100)
    assert '<p class="value">20.0</p>' in page
    assert f"95 % interval {low:.1f} to {high:.1f}" in page
    assert "n = 100" in page
    # CSAT: 30 satisfied of 40 answers.
    assert '<p class="value">75.0 %</p>' in page
    # Week 45 (2-8 Nov) holds the first day's 50 answers: NPS 40 with its interval in the table.
    w_low, w_high = adjusted_wald(30, 10, 50)
    assert re.search(
        rf"<th scope=\"row\">2026-W45</th><td>2026-11-02</td><td>2026-11-08</td>"
        rf"<td class=\"num\">40.0</td><td class=\"num\">{w_low:.1f}</td><td class=\"num\">{w_high:.1f}</td>"
        r"<td class=\"num\">50</td>",
        page,
    )
    # Every ISO week touching November, the first and last cut to the month, empty ones included.
    assert [p.bucket for p in report.weeks] == [
        "2026-W44",
        "2026-W45",
        "2026-W46",
        "2026-W47",
        "2026-W48",
        "2026-W49",  # Monday 30 November alone
    ]
    assert report.weeks[0].start == date(2026, 11, 1) and report.weeks[-1].end == date(2026, 11, 30)
    assert f'<td class="num">{NO_VALUE}</td>' in page  # an empty week shows no value, not 0


def test_children_are_compared_with_their_intervals_and_small_samples_flagged() -> None:
    page, _ = sample_report()
    low, high = adjusted_wald(30, 10, 50)
    assert f'<td class="num">40.0</td><td class="num">{low:.1f}</td><td class="num">{high:.1f}</td>' in page
    # 6 answers: a hollow dot in the chart.
    assert page.count('fill="#fff"') >= 1
    assert "NPS by touchpoint" in page


def test_the_page_is_self_contained_and_escapes_everything_from_data() -> None:
    page, _ = sample_report()
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=""", page), "no resource to fetch, no link"
    assert "url(" not in page and "@import" not in page
    assert "<b>" not in page and "&lt;b&gt;" in page
    assert "Quito &lt;Norte&gt; &amp; Co" in page and "<Norte>" not in page
    assert page.startswith('<!doctype html><html lang="en">')
    # Every chart is an image with a title and a description, and has a table beside it.
    assert page.count('role="img"') == 2 and page.count("<title id=") == 2 and page.count("<table>") >= 3


def test_the_page_speaks_spanish_with_decimal_commas_and_english_otherwise() -> None:
    _, report = sample_report()
    spanish = render_html(report, "es")
    assert spanish.startswith('<!doctype html><html lang="es">')
    assert "Informe de experiencia del cliente" in spanish and "NPS por semana" in spanish
    assert '<p class="value">20,0</p>' in spanish
    assert "Temas más comentados" in spanish and "waiting_time" in spanish
    french = render_html(report, "fr")
    assert french.startswith('<!doctype html><html lang="en">') and "NPS by week" in french


def test_a_period_without_answers_says_so_instead_of_showing_zero() -> None:
    report = build_report("branch:quito-sur", NOVEMBER, {}, {}, ORGANISATION)
    page = render_html(report, "en")
    assert "No answers in this period." in page
    assert f'<p class="value">{NO_VALUE}</p>' in page and '<p class="value">0.0</p>' not in page


def test_the_email_carries_the_link_the_headline_and_when_the_link_expires() -> None:
    _, report = sample_report()
    expires = datetime(2026, 12, 8, 6, 0, tzinfo=UTC)
    link = "https://reports.example/reports/2026-11/branch/quito-norte/report.es.html?X-Amz-Signature=a&b=c"
    message = report_email(report, name="Verónica Salgado", language="es", link=link, expires=expires)
    assert (
        message.subject
        == "Informe de experiencia del cliente 2026-11: Quito <Norte> & Co (branch:quito-norte)"
    )
    assert "Hola Verónica:" in message.text and link in message.text
    assert "NPS 20,0" in message.text and "2026-12-08 06:00 UTC" in message.text
    assert (
        'href="https://reports.example/reports/2026-11/branch/quito-norte/report.es.html?X-Amz-Signature=a&amp;b=c"'
        in message.html
    )
    assert "Quito &lt;Norte&gt;" in message.html
    english = report_email(report, name="Ana", language="en", link=link, expires=expires)
    assert english.subject.startswith("Customer experience report 2026-11")
