"""HTML for the survey link: the form, the thank-you and the friendly dead ends.

Plain HTML with a form that posts back to the same URL: no JavaScript needed,
every customer-supplied or stored value escaped, labels on every control.
"""

from __future__ import annotations

from html import escape

from cxloop.domain.errors import FieldProblem
from cxloop.domain.surveys import Question, SurveyDefinition, as_boolean

_COPY = {
    "es": {
        "title": "Encuesta de satisfacción",
        "submit": "Enviar respuestas",
        "thanks_title": "¡Gracias!",
        "thanks": "Recibimos sus respuestas. Su opinión nos ayuda a mejorar.",
        "thanks_callback": "Un miembro de nuestro equipo lo contactará pronto.",
        "answered_title": "Encuesta ya respondida",
        "answered": "Ya recibimos sus respuestas para esta encuesta. ¡Gracias!",
        "expired_title": "Enlace vencido",
        "expired": "Este enlace de encuesta ya no está disponible. Gracias por su interés.",
        "unknown_title": "Encuesta no encontrada",
        "unknown": "No encontramos esta encuesta. Revise que el enlace esté completo.",
        "unavailable_title": "Intente de nuevo",
        "unavailable": "No pudimos completar el envío. Vuelva a enviar sus respuestas en un momento.",
        "errors": "Revise las respuestas marcadas.",
        "yes": "Sí",
        "no": "No",
        "optional": "(opcional)",
    },
    "en": {
        "title": "Customer survey",
        "submit": "Send answers",
        "thanks_title": "Thank you!",
        "thanks": "We received your answers. Your feedback helps us improve.",
        "thanks_callback": "A member of our team will contact you soon.",
        "answered_title": "Survey already answered",
        "answered": "We already have your answers for this survey. Thank you!",
        "expired_title": "Link expired",
        "expired": "This survey link is no longer available. Thank you for your interest.",
        "unknown_title": "Survey not found",
        "unknown": "We could not find this survey. Please check that the link is complete.",
        "unavailable_title": "Please try again",
        "unavailable": "We could not finish saving your answers. Please send them again in a moment.",
        "errors": "Please check the highlighted answers.",
        "yes": "Yes",
        "no": "No",
        "optional": "(optional)",
    },
}

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1a1a1a}
main{max-width:40rem;margin:0 auto;padding:1rem}
fieldset{border:0;background:#fff;border-radius:8px;margin:0 0 1rem;padding:1rem}
legend{font-weight:600;padding:0;margin-bottom:.5rem}
.scale{display:flex;flex-wrap:wrap;gap:.25rem}
.scale label{flex:1 0 2.5rem;text-align:center;border:1px solid #767676;border-radius:6px;padding:.6rem 0}
.scale input{display:block;margin:0 auto .2rem}
.ends{display:flex;justify-content:space-between;font-size:.85rem;color:#4a4a4a}
textarea{width:100%;min-height:6rem;box-sizing:border-box;font:inherit}
button{background:#0b57d0;color:#fff;border:0;border-radius:6px;padding:.8rem 1.5rem;font-size:1rem}
.error{color:#b3261e;font-weight:600}
"""

# Sent with every page: nothing but our own form and inline style may run or load.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def copy_for(language: str) -> dict[str, str]:
    return _COPY.get(language, _COPY["en"])


def supported(language: str) -> str:
    """The language the page is written in: lang="" must name it, not the one asked for."""
    return language if language in _COPY else "en"


def survey_page(
    survey: SurveyDefinition,
    *,
    language: str,
    place: str,
    answers: dict[str, object] | None = None,
    problems: list[FieldProblem] | None = None,
) -> str:
    language = supported(language)
    copy = copy_for(language)
    wrong = {p.field.removeprefix("answers."): p.problem for p in problems or []}
    questions = "".join(
        _question(q, language, copy, (answers or {}).get(q.id), wrong.get(q.id)) for q in survey.questions
    )
    banner = f'<p class="error" role="alert">{escape(copy["errors"])}</p>' if wrong else ""
    body = (
        f"<h1>{escape(place)}</h1>{banner}"
        f'<form method="post" novalidate>{questions}'
        f'<button type="submit">{escape(copy["submit"])}</button></form>'
    )
    return _document(language, copy["title"], body)


def thanks_page(*, language: str, callback_requested: bool) -> str:
    language = supported(language)
    copy = copy_for(language)
    extra = f"<p>{escape(copy['thanks_callback'])}</p>" if callback_requested else ""
    return _document(
        language,
        copy["thanks_title"],
        f"<h1>{escape(copy['thanks_title'])}</h1><p>{escape(copy['thanks'])}</p>{extra}",
    )


def dead_end_page(state: str, *, language: str) -> str:
    """Friendly page for an answered, expired, unknown or briefly unavailable link: never a stack trace."""
    language = supported(language)
    copy = copy_for(language)
    title = copy[f"{state}_title"]
    return _document(language, title, f"<h1>{escape(title)}</h1><p>{escape(copy[state])}</p>")


def _document(language: str, title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="{escape(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def _question(
    question: Question, language: str, copy: dict[str, str], value: object, problem: str | None
) -> str:
    label = escape(question.text(question.label, language))
    optional = "" if question.required else f' <span class="ends">{escape(copy["optional"])}</span>'
    error = f'<p class="error" id="{question.id}-error">{escape(problem)}</p>' if problem else ""
    described = f' aria-describedby="{question.id}-error"' if problem else ""
    if question.kind == "text":
        text = escape(value) if isinstance(value, str) else ""
        return (
            f'<fieldset><legend><label for="{question.id}">{label}</label>{optional}</legend>{error}'
            f'<textarea id="{question.id}" name="{question.id}" maxlength="2000"{described}>{text}</textarea>'
            "</fieldset>"
        )
    if question.kind == "boolean":
        # A re-rendered form gets the posted strings ("yes"), JSON gets booleans: both keep their choice.
        chosen = as_boolean(value)
        options = ((copy["yes"], "yes", chosen is True), (copy["no"], "no", chosen is False))
        radios = "".join(_radio(question.id, v, text, checked) for text, v, checked in options)
        return _choice_fieldset(described, label + optional, error, radios, "")
    radios = "".join(
        # str(): a re-rendered form holds the posted "7", not 7; the customer's choice must stay checked.
        _radio(question.id, str(n), str(n), _as_text(value) == str(n))
        for n in range(question.min, question.max + 1)
    )
    ends = (
        f'<div class="ends"><span>{escape(question.text(question.low_label, language))}</span>'
        f"<span>{escape(question.text(question.high_label, language))}</span></div>"
    )
    return _choice_fieldset(described, label + optional, error, radios, ends)


def _as_text(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    return str(value).strip()


def _choice_fieldset(described: str, legend: str, error: str, radios: str, ends: str) -> str:
    choices = f'<div class="scale">{radios}</div>'
    return f"<fieldset{described}><legend>{legend}</legend>{error}{choices}{ends}</fieldset>"


def _radio(name: str, value: str, text: str, checked: bool) -> str:
    mark = " checked" if checked else ""
    return f'<label><input type="radio" name="{name}" value="{escape(value)}"{mark}>{escape(text)}</label>'
