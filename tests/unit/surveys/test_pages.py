"""The survey pages: labelled, escaped, localized, themed, friendly dead ends, an answer-fitting thank-you."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html import unescape

import pytest

from cxloop.domain.kernel.errors import FieldProblem, InvalidInput
from cxloop.domain.kernel.tokens import new_token, token_hash
from cxloop.domain.surveys.definitions import DEFAULT_SURVEY
from cxloop.domain.surveys.page_document import CONTENT_SECURITY_POLICY, SCRIPT_HASH, dead_end_page
from cxloop.domain.surveys.pages import draft_key, survey_page, thanks_page
from cxloop.domain.surveys.theme import DEFAULT_THEME, Theme, contrast_ratio, parse_theme

SCRIPT = '<script>alert("x")</script>'
PIXEL = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n tiny").decode()


def checked(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input id="[\w-]+" type="radio" name="(\w+)" value="(\w+)" checked>', page))


def page_in(language: str, **options: object) -> str:
    return survey_page(DEFAULT_SURVEY, language=language, place="Siniestros · Quito Norte", **options)  # type: ignore[arg-type]


def inline_script(page: str) -> str:
    found = re.search(r"<script>(.*)</script>", page, re.DOTALL)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize(
    ("language", "question", "title", "submit"),
    [
        ("es", "¿Qué tan probable es que nos recomiende", "Encuesta de satisfacción", "Enviar respuestas"),
        ("en", "How likely are you to recommend us", "Customer survey", "Send answers"),
        ("pt", "Qual é a probabilidade de você nos recomendar", "Pesquisa de satisfação", "Enviar respostas"),
        (
            "fr",
            "Quelle est la probabilité que vous nous recommandiez",
            "Questionnaire de satisfaction",
            "Envoyer",
        ),
    ],
)
def test_survey_page_in_the_customers_language(language: str, question: str, title: str, submit: str) -> None:
    page = page_in(language)
    assert page.startswith("<!doctype html>") and f'<html lang="{language}">' in page
    assert question in page and "<h1>Siniestros · Quito Norte</h1>" in page
    assert f"<title>{title}</title>" in page and submit in page
    assert '<form id="survey" method="post" novalidate' in page


@pytest.mark.parametrize("language", ["de", "zz", ""])
def test_an_unknown_language_gets_english_pages_marked_english(language: str) -> None:
    page = survey_page(DEFAULT_SURVEY, language=language, place="x")
    assert '<html lang="en">' in page and "How likely" in page
    dead_end = dead_end_page("expired", language=language)
    assert '<html lang="en">' in dead_end and "Link expired" in dead_end
    assert '<html lang="en">' in thanks_page(language=language, answers={"nps": 5})


def test_every_question_is_a_group_with_a_name_and_labelled_controls() -> None:
    page = page_in("es")
    choice_questions = [q for q in DEFAULT_SURVEY.questions if q.kind != "text"]
    assert page.count("<legend>") == len(choice_questions)
    for question in DEFAULT_SURVEY.questions:
        assert f'name="{question.id}"' in page and f'data-q="{question.id}"' in page
    # Text answers are named by <label for>; radios are wrapped in their <label>.
    assert '<label class="qlabel" for="comment">' in page and '<textarea id="comment"' in page
    assert '<label class="qlabel" for="praise">' in page
    radios = re.findall(
        r'<label class="opt"><input id="[\w-]+" type="radio" name="(\w+)" value="[^"]+">', page
    )
    counts = {name: radios.count(name) for name in set(radios)}
    assert counts == {"nps": 11, "csat": 5, "ces": 7, "callback": 2, "callback_time": 3}
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "ids must be unique for labels and error links"


def test_the_ends_of_a_scale_are_read_with_their_numbers() -> None:
    page = page_in("en")
    assert '<span>0<span class="sr"> \u2013 Not at all likely</span></span>' in page
    assert '<span>10<span class="sr"> \u2013 Extremely likely</span></span>' in page
    assert '<div class="ends" aria-hidden="true">' in page


def test_long_scales_wrap_in_two_even_rows_on_a_phone() -> None:
    page = page_in("en")
    assert 'style="--n:11;--cols:6"' in page and 'style="--n:7;--cols:4"' in page
    assert 'style="--n:5;--cols:5"' in page


def test_display_logic_travels_with_the_page_as_data() -> None:
    page = page_in("en")
    rules = {
        name: json.loads(unescape(rule))
        for name, rule in re.findall(r'data-q="(\w+)" data-show-if="([^"]+)"', page)
    }
    assert rules == {
        q.id: q.show_if.model_dump(mode="json") for q in DEFAULT_SURVEY.questions if q.show_if is not None
    }
    assert rules["callback"] == {"field": "nps", "op": "<=", "value": 8}
    assert rules["callback_time"] == {"field": "callback", "op": "==", "value": True}
    # Without JavaScript every question shows; a note says whom a follow-up is for.
    assert "Answer if your score was 0 to 8." in page and "Answer if your score was 9 or 10." in page
    assert ".js .if-note{display:none}" in page


def test_the_promoter_follow_up_thanks_first() -> None:
    page = page_in("pt")
    assert '<p class="hint" id="praise-hint">Obrigado pela ótima nota!</p>' in page
    assert 'aria-describedby="praise-hint praise-if"' in page


def test_the_only_script_is_inline_and_allowed_by_its_hash() -> None:
    page = page_in("en", draft="0123abcd")
    script = inline_script(page)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"sha256-{digest}" == SCRIPT_HASH and f"script-src '{SCRIPT_HASH}'" in CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY and "img-src data:" in CONTENT_SECURITY_POLICY
    assert page.count("<script") == 1 and "src=" not in page
    # No network use from the script: it only shows/hides and keeps a local draft.
    for forbidden in ("fetch(", "XMLHttpRequest", "sendBeacon", "http", "eval(", "innerHTML"):
        assert forbidden not in script
    assert 'data-draft="0123abcd"' in page and "localStorage" in script


def test_the_page_works_without_its_script() -> None:
    # A plain form that posts back: every question present and no control disabled or hidden.
    page = page_in("es")
    assert '<form id="survey" method="post"' in page and '<button type="submit">' in page
    assert " disabled" not in page and " hidden" not in page and "action=" not in page


def test_the_draft_key_never_contains_or_equals_the_token() -> None:
    token = new_token()
    key = draft_key(token)
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    assert token not in key and key not in token_hash(token) and key != draft_key(new_token())
    assert key == draft_key(token)  # the same link finds its draft again after a reload


def test_a_comment_with_a_script_is_escaped_when_rerendered_with_errors() -> None:
    page = survey_page(
        DEFAULT_SURVEY,
        language="en",
        place="Claims",
        answers={"nps": "11", "comment": SCRIPT},
        problems=[FieldProblem("answers.nps", "must be between 0 and 10")],
    )
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert 'id="nps-error"' in page and 'aria-describedby="nps-error"' in page
    assert "Choose a number from 0 to 10." in page


def test_an_invalid_post_gets_an_error_summary_linked_to_each_field() -> None:
    page = survey_page(
        DEFAULT_SURVEY,
        language="es",
        place="x",
        answers={"nps": "3", "callback": "yes", "comment": "x" * 2001},
        problems=[
            FieldProblem("answers.csat", "must be between 1 and 5"),
            FieldProblem("answers.comment", "must be at most 2000 characters"),
            FieldProblem("answers.callback_time", "must be one of morning, afternoon, evening"),
        ],
    )
    summary = re.search(r'<div class="summary" id="error-summary" role="alert" tabindex="-1".*?</div>', page)
    assert summary is not None and "Revise las respuestas marcadas." in summary.group(0)
    links = re.findall(r'<a href="#([\w-]+)">([^<]+)</a>', summary.group(0))
    assert [target for target, _ in links] == ["csat-1", "comment", "callback_time-morning"]
    for target, _ in links:
        assert f'id="{target}"' in page
    texts = [unescape(text) for _, text in links]
    assert texts[0] == "¿Qué tan satisfecho quedó con la atención recibida? Elija un número del 1 al 5."
    assert texts[1].endswith("Escriba como máximo 2000 caracteres.")
    assert texts[2].endswith("Elija una de las opciones.")
    assert "<title>Error: Encuesta de satisfacción</title>" in page
    textarea = re.search(r"<textarea[^>]*>", page)
    assert textarea is not None
    assert 'aria-describedby="comment-if comment-error" aria-invalid="true"' in textarea.group(0)
    assert page.count('class="q invalid"') == 3


def test_a_missing_score_is_asked_for_in_the_customers_language() -> None:
    page = survey_page(
        DEFAULT_SURVEY,
        language="fr",
        place="x",
        problems=[FieldProblem("answers.nps", "an answer is required")],
    )
    assert "Veuillez répondre à cette question." in page and "an answer is required" not in page


def test_a_rerendered_form_keeps_the_customers_valid_choices() -> None:
    # A form post comes back as strings: "7", "yes". The customer must not answer twice.
    page = survey_page(
        DEFAULT_SURVEY,
        language="es",
        place="Siniestros",
        answers={"nps": "2", "csat": "0", "ces": " 5 ", "callback": "sí", "callback_time": "afternoon"},
        problems=[FieldProblem("answers.csat", "must be between 1 and 5")],
    )
    assert checked(page) == {"nps": "2", "ces": "5", "callback": "yes", "callback_time": "afternoon"}


def test_json_answers_keep_their_choices_too() -> None:
    page = survey_page(
        DEFAULT_SURVEY, language="en", place="x", answers={"nps": 0, "csat": True, "callback": False}
    )
    # csat=True is not a scale value: nothing is checked for it.
    assert checked(page) == {"nps": "0", "callback": "no"}


def test_the_place_is_escaped_and_a_missing_place_gets_a_heading() -> None:
    page = survey_page(DEFAULT_SURVEY, language="es", place="<img src=x onerror=alert(1)>")
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<h1>Encuesta de satisfacción</h1>" in survey_page(DEFAULT_SURVEY, language="es", place="")


def test_problems_on_unknown_questions_do_not_break_the_page() -> None:
    page = survey_page(
        DEFAULT_SURVEY,
        language="es",
        place="x",
        problems=[FieldProblem("answers.mood", "unknown question")],
    )
    assert 'role="alert"' in page and "Una de las respuestas no corresponde a esta encuesta." in page


# --- the theme ---------------------------------------------------------------------------


def test_the_theme_colours_the_page_and_names_the_brand() -> None:
    theme = Theme(brand_name="Seguros <Andinos>", primary_color="#1B5E20", accent_color="#6a1b9a", logo=PIXEL)
    page = page_in("es", theme=theme)
    assert ":root{--primary:#1b5e20;--accent:#6a1b9a}" in page
    assert f'<img src="{PIXEL}" alt="Seguros &lt;Andinos&gt;">' in page
    plain = page_in("es")
    assert '<span class="brand-name">cxloop</span>' in plain and "--primary:#0b57d0" in plain


def test_the_default_theme_passes_its_own_checks() -> None:
    assert contrast_ratio(DEFAULT_THEME.primary_color, "#fff") >= 4.5
    assert contrast_ratio(DEFAULT_THEME.accent_color, "#fff") >= 3.0
    assert contrast_ratio("#000", "#fff") == pytest.approx(21.0)
    assert contrast_ratio("#777", "#777") == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"primary_color": "#ffcc00"}, "theme.primary_color", "primary_color #ffcc00 gives white text"),
        ({"primary_color": "#2f80ed"}, "theme.primary_color", "needs at least 4.5:1"),
        ({"primary_color": "blue"}, "theme.primary_color", "not a hex colour"),
        ({"accent_color": "#f5f5f5"}, "theme.accent_color", "accent_color #f5f5f5"),
        ({"logo": "https://cdn.example/logo.png"}, "theme.logo", "data: URI"),
        ({"logo": "data:image/png;base64,@@@"}, "theme.logo", "data: URI"),
        ({"logo": "data:text/html;base64,PGI+"}, "theme.logo", "data: URI"),
        ({"review_url": "http://reviews.example/x"}, "theme.review_url", "https://"),
        ({"review_url": 'https://x.example/"onmouseover="x'}, "theme.review_url", "https://"),
        ({"brand_name": "  "}, "theme.brand_name", "at least 1 character"),
        ({"font": "Comic Sans"}, "theme.font", "Extra inputs"),
    ],
)
def test_a_bad_theme_is_refused_naming_the_field(changes: dict[str, object], field: str, words: str) -> None:
    raw = {"brand_name": "B", "primary_color": "#0b57d0", "accent_color": "#b45309"} | changes
    with pytest.raises(InvalidInput) as refusal:
        parse_theme(raw)
    problems = {p.field: p.problem for p in refusal.value.details}
    assert list(problems) == [field] and words in problems[field]


def test_a_short_hex_colour_is_accepted_and_normalized() -> None:
    theme = parse_theme({"brand_name": "B", "primary_color": "#036", "accent_color": "#B45309"})
    assert (theme.primary_color, theme.accent_color) == ("#003366", "#b45309")


# --- the thank-you ------------------------------------------------------------------------

REVIEWED = DEFAULT_THEME.model_copy(update={"review_url": "https://reviews.example/cxloop?x=1&y=2"})


def test_a_promoter_is_thanked_warmly_and_invited_to_review() -> None:
    page = thanks_page(language="es", answers={"nps": 10, "praise": "Rápido"}, theme=REVIEWED)
    assert "<h1>¡Muchas gracias!</h1>" in page and "Nos alegra mucho" in page
    assert (
        '<a class="button" href="https://reviews.example/cxloop?x=1&amp;y=2" rel="noopener noreferrer">'
        in page
    )
    assert "Escribir una reseña" in page


def test_a_promoter_is_not_sent_anywhere_without_a_review_url() -> None:
    page = thanks_page(language="en", answers={"nps": 9})
    assert "Thank you so much!" in page and "<a " not in page


def test_no_review_invitation_for_an_unhappy_customer() -> None:
    page = thanks_page(language="en", answers={"nps": 3}, theme=REVIEWED)
    assert "review" not in page.lower()


@pytest.mark.parametrize(
    ("language", "answers", "expected", "absent"),
    [
        ("es", {"nps": 2, "callback": True}, "lo contactará", "llegó a nuestro equipo"),
        (
            "en",
            {"nps": 2, "callback": True, "callback_time": "evening"},
            "call you in the evening",
            "reached",
        ),
        (
            "pt",
            {"nps": 4, "callback": True, "callback_time": "morning"},
            "ligar para você de manhã",
            "chegou",
        ),
        ("fr", {"nps": 6, "callback": False, "comment": "Lent"}, "bien parvenu à notre équipe", "contactera"),
        ("en", {"nps": 1}, "We received your answers", "contact you"),
        ("en", {"nps": 7, "comment": "ok"}, "reached our team", "contact you"),
    ],
)
def test_a_detractor_learns_what_happens_next(
    language: str, answers: dict[str, object], expected: str, absent: str
) -> None:
    page = thanks_page(language=language, answers=answers)
    assert f'<html lang="{language}">' in page and expected in page and absent not in page
    assert "<form" not in page and "<script" not in page


# --- dead ends -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "language", "title"),
    [
        ("answered", "es", "Encuesta ya respondida"),
        ("answered", "en", "Survey already answered"),
        ("answered", "pt", "Pesquisa já respondida"),
        ("answered", "fr", "Questionnaire déjà rempli"),
        ("expired", "es", "Enlace vencido"),
        ("expired", "pt", "Link expirado"),
        ("expired", "fr", "Lien expiré"),
        ("unknown", "en", "Survey not found"),
        ("unknown", "fr", "Questionnaire introuvable"),
        ("unavailable", "es", "Intente de nuevo"),
        ("unavailable", "pt", "Tente novamente"),
    ],
)
def test_dead_ends_are_friendly_in_every_language(state: str, language: str, title: str) -> None:
    page = dead_end_page(state, language=language)
    assert f'<html lang="{language}">' in page
    assert f"<title>{title}</title>" in page and f"<h1>{title}</h1>" in page
    assert "<form" not in page and "Traceback" not in page and "<script" not in page
    assert '<meta name="robots" content="noindex">' in page
