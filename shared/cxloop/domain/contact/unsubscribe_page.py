"""HTML for the opt-out link (/u/{token}): the question, the confirmation and the friendly
dead end, in the customer's language (es, en, pt, fr; else English), in the brand's
look (the survey pages' document and style). The question is a form that posts back to
the same URL, so it works without JavaScript and a mail scanner's GET changes nothing.
"""

from __future__ import annotations

from html import escape

from cxloop.domain.kernel.package_files import package_json
from cxloop.domain.surveys.page_document import document
from cxloop.domain.surveys.theme import DEFAULT_THEME, Theme

# The words in es/en/pt/fr live in assets/opt_out_copy.json beside this module (package data).
_COPY_FILE = ("cxloop.domain.contact", "assets", "opt_out_copy.json")


def copy_for(language: str) -> dict[str, str]:
    return _copy()[_written_in(language)]


def _written_in(language: str) -> str:
    """The language the page is written in: one we have words for, else English."""
    return language if language in _copy() else "en"


def _copy() -> dict[str, dict[str, str]]:
    copy: dict[str, dict[str, str]] = package_json(*_COPY_FILE)
    return copy


def ask_page(*, language: str, theme: Theme = DEFAULT_THEME) -> str:
    """GET: the question and one button; posting it is the only way to opt out by hand."""
    copy = copy_for(language)
    form = f'<form method="post"><button type="submit">{escape(copy["button"])}</button></form>'
    return _page(language, copy["ask_title"], copy["ask"], theme, extra=form)


def done_page(*, language: str, theme: Theme = DEFAULT_THEME) -> str:
    copy = copy_for(language)
    return _page(language, copy["done_title"], copy["done"], theme)


def unknown_page(*, language: str = "es", theme: Theme = DEFAULT_THEME) -> str:
    copy = copy_for(language)
    return _page(language, copy["unknown_title"], copy["unknown"], theme)


def unavailable_page(*, language: str = "es", theme: Theme = DEFAULT_THEME) -> str:
    copy = copy_for(language)
    return _page(language, copy["unavailable_title"], copy["unavailable"], theme)


def _page(language: str, title: str, text: str, theme: Theme, *, extra: str = "") -> str:
    language = _written_in(language)
    body = f'<section class="panel"><h1>{escape(title)}</h1><p>{escape(text)}</p>{extra}</section>'
    # The survey pages' document: the same brand header, style and Content-Security-Policy.
    return document(language, title, body, theme)
