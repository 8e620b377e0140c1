"""The survey pages: every question labelled, everything escaped, friendly dead ends."""

from __future__ import annotations

import re

import pytest

from cxloop.domain.errors import FieldProblem
from cxloop.domain.pages import CONTENT_SECURITY_POLICY, dead_end_page, survey_page, thanks_page
from cxloop.domain.surveys import DEFAULT_SURVEY

SCRIPT = '<script>alert("x")</script>'


def checked(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="radio" name="(\w+)" value="(\w+)" checked>', page))


@pytest.mark.parametrize(
    ("language", "question"),
    [("es", "¿Qué tan probable es que nos recomiende"), ("en", "How likely are you to recommend us")],
)
def test_survey_page_in_the_customers_language(language: str, question: str) -> None:
    page = survey_page(DEFAULT_SURVEY, language=language, place="Siniestros · Quito Norte")
    assert page.startswith("<!doctype html>") and f'<html lang="{language}">' in page
    assert question in page and "<h1>Siniestros · Quito Norte</h1>" in page
    assert '<form method="post"' in page


def test_every_question_has_a_legend_and_a_labelled_control() -> None:
    page = survey_page(DEFAULT_SURVEY, language="es", place="Siniestros")
    assert page.count("<legend>") == len(DEFAULT_SURVEY.questions)
    for question in DEFAULT_SURVEY.questions:
        assert f'name="{question.id}"' in page
    # The textarea is named by a <label for>; radios are wrapped in their <label>.
    assert '<label for="comment">' in page and 'id="comment"' in page
    radios = re.findall(r"<label><input type=\"radio\" name=\"(\w+)\" value=\"[^\"]+\">[^<]+</label>", page)
    assert radios.count("nps") == 11 and radios.count("csat") == 5 and radios.count("ces") == 7
    assert radios.count("callback") == 2


def test_the_page_needs_no_script() -> None:
    page = survey_page(DEFAULT_SURVEY, language="en", place="Claims")
    assert "<script" not in page and "default-src 'none'" in CONTENT_SECURITY_POLICY


def test_a_comment_with_a_script_is_escaped_when_rerendered_with_errors() -> None:
    page = survey_page(
        DEFAULT_SURVEY,
        language="en",
        place="Claims",
        answers={"nps": "11", "comment": SCRIPT},
        problems=[FieldProblem("answers.nps", "must be between 0 and 10")],
    )
    assert "<script" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert 'role="alert"' in page and 'id="nps-error"' in page and 'aria-describedby="nps-error"' in page
    assert "must be between 0 and 10" in page


def test_a_rerendered_form_keeps_the_customers_valid_choices() -> None:
    # A form post comes back as strings: "7", "yes". The customer must not answer twice.
    page = survey_page(
        DEFAULT_SURVEY,
        language="es",
        place="Siniestros",
        answers={"nps": "7", "csat": "0", "ces": " 5 ", "callback": "sí"},
        problems=[FieldProblem("answers.csat", "must be between 1 and 5")],
    )
    assert checked(page) == {"nps": "7", "ces": "5", "callback": "yes"}


def test_json_answers_keep_their_choices_too() -> None:
    page = survey_page(
        DEFAULT_SURVEY, language="en", place="x", answers={"nps": 0, "csat": True, "callback": False}
    )
    # csat=True is not a scale value: nothing is checked for it.
    assert checked(page) == {"nps": "0", "callback": "no"}


def test_the_place_is_escaped() -> None:
    page = survey_page(DEFAULT_SURVEY, language="es", place="<img src=x onerror=alert(1)>")
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_problems_on_unknown_questions_do_not_break_the_page() -> None:
    page = survey_page(
        DEFAULT_SURVEY,
        language="es",
        place="x",
        problems=[FieldProblem("answers.mood", "unknown question")],
    )
    assert 'role="alert"' in page and page.count("<legend>") == 5


@pytest.mark.parametrize(
    ("state", "language", "title"),
    [
        ("answered", "es", "Encuesta ya respondida"),
        ("answered", "en", "Survey already answered"),
        ("expired", "es", "Enlace vencido"),
        ("expired", "en", "Link expired"),
        ("unknown", "es", "Encuesta no encontrada"),
        ("unknown", "en", "Survey not found"),
        ("unavailable", "es", "Intente de nuevo"),
        ("unavailable", "en", "Please try again"),
    ],
)
def test_dead_ends_are_friendly_in_both_languages(state: str, language: str, title: str) -> None:
    page = dead_end_page(state, language=language)
    assert f'<html lang="{language}">' in page
    assert f"<title>{title}</title>" in page and f"<h1>{title}</h1>" in page
    assert "<form" not in page and "Traceback" not in page
    assert '<meta name="robots" content="noindex">' in page


@pytest.mark.parametrize("language", ["fr", "pt"])
def test_an_unknown_language_gets_english_pages_marked_english(language: str) -> None:
    page = survey_page(DEFAULT_SURVEY, language=language, place="x")
    assert '<html lang="en">' in page and "How likely" in page
    dead_end = dead_end_page("expired", language=language)
    assert '<html lang="en">' in dead_end and "Link expired" in dead_end
    assert '<html lang="en">' in thanks_page(language=language, callback_requested=False)


def test_thanks_mentions_the_call_back_only_when_asked() -> None:
    assert "contactará" in thanks_page(language="es", callback_requested=True)
    assert "contactará" not in thanks_page(language="es", callback_requested=False)
    assert "contact you soon" in thanks_page(language="en", callback_requested=True)
