"""The document every page a customer opens is written in (the survey, its dead ends, the
opt-out page): the brand header, the style sheet, the one script by its hash and the
Content-Security-Policy that names it, and the page words in es/en/pt/fr. Apart from the
survey form (surveys/pages.py) so that a page that asks no survey (unsubscribe_page) loads
none of the survey definitions."""

from __future__ import annotations

import base64
import hashlib
from html import escape

from cxloop.domain.kernel.package_files import package_json, package_text
from cxloop.domain.surveys.names import LANGUAGES
from cxloop.domain.surveys.theme import DEFAULT_THEME, Theme

# The words in es/en/pt/fr, the style sheet and the script live in assets/ beside this module
# (survey_copy.json, survey.css, survey.js): package data, read once per process.
# The style is mobile-first: one column, 44px targets; wider screens only widen the scale rows.
# Colours on white or on --bg all reach WCAG AA; the theme's pair is contrast-checked.
# The script is the whole behaviour layer: display logic and a browser-side draft. ES5, no
# network use. Its hash is computed here, from the file, so the policy always names it.
_ASSETS = ("cxloop.domain.surveys", "assets")
_SCRIPT = package_text(*_ASSETS, "survey.js")

SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(_SCRIPT.encode("utf-8")).digest()).decode("ascii")

# Sent with every page: nothing but our own script (by its hash), inline style and inline
# (data:) logos may run or load; the form may post only back to us.
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; script-src '{SCRIPT_HASH}'; style-src 'unsafe-inline'; img-src data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def copy_for(language: str) -> dict[str, str]:
    return _copy()[supported(language)]


def supported(language: str) -> str:
    """The language the page is written in: lang="" must name it, not the one asked for."""
    return language if language in _copy() and language in LANGUAGES else "en"


def _copy() -> dict[str, dict[str, str]]:
    copy: dict[str, dict[str, str]] = package_json(*_ASSETS, "survey_copy.json")
    return copy


def dead_end_page(state: str, *, language: str, theme: Theme = DEFAULT_THEME) -> str:
    """Friendly page for an answered, expired, unknown or briefly unavailable link: never a stack trace."""
    language = supported(language)
    copy = copy_for(language)
    title = copy[f"{state}_title"]
    return document(language, title, panel(title, paragraph(copy[state])), theme)


def panel(title: str, body: str) -> str:
    return f'<section class="panel"><h1>{escape(title)}</h1>{body}</section>'


def paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def document(language: str, title: str, body: str, theme: Theme, *, script: bool = False) -> str:
    colours = f":root{{--primary:{theme.primary_color};--accent:{theme.accent_color}}}"
    style = package_text(*_ASSETS, "survey.css")
    return (
        f'<!doctype html><html lang="{escape(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex"><meta name="color-scheme" content="light">'
        f"<title>{escape(title)}</title><style>{colours}{style}</style></head>"
        f'<body>{_brand(theme)}<main id="main">{body}</main>'
        f"{f'<script>{_SCRIPT}</script>' if script else ''}</body></html>"
    )


def _brand(theme: Theme) -> str:
    name = escape(theme.brand_name)
    mark = (
        f'<img src="{escape(theme.logo, quote=True)}" alt="{name}">'
        if theme.logo
        else f'<span class="brand-name">{name}</span>'
    )
    return f'<header class="brand"><div class="brand-inner">{mark}</div></header>'
