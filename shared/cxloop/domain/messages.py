"""Survey invitations rendered by cxloop (SES templates are not used: we own the text).

Localized by the customer's language (es, en, pt, fr; others fall back to English).
Every customer-supplied value is escaped before it enters HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

_COPY = {
    "es": {
        "subject": "¿Cómo fue su experiencia en {place}?",
        "greeting": "Hola {name}:",
        "greeting_anonymous": "Hola:",
        "body": "Gracias por visitarnos en {place}. ¿Nos regala un minuto para contarnos cómo le fue?",
        "button": "Responder la encuesta",
        "footer": "El enlace es personal y vence en {days} días.",
        "sms": "{brand}: ¿cómo fue su experiencia en {place}? Cuéntenos en 1 minuto: {url}",
    },
    "en": {
        "subject": "How was your experience at {place}?",
        "greeting": "Hello {name},",
        "greeting_anonymous": "Hello,",
        "body": "Thank you for choosing us at {place}. Could you spare a minute to tell us how it went?",
        "button": "Take the survey",
        "footer": "This link is personal and expires in {days} days.",
        "sms": "{brand}: how was your experience at {place}? Tell us in 1 minute: {url}",
    },
    "pt": {
        "subject": "Como foi sua experiência em {place}?",
        "greeting": "Olá, {name}!",
        "greeting_anonymous": "Olá!",
        "body": "Obrigado por nos visitar em {place}. Pode nos dar um minuto para contar como foi?",
        "button": "Responder à pesquisa",
        "footer": "Este link é pessoal e expira em {days} dias.",
        "sms": "{brand}: como foi sua experiência em {place}? Conte-nos em 1 minuto: {url}",
    },
    "fr": {
        # French sets a (no-break) space before ? and :, so a line never starts with one.
        "subject": "Comment s'est passée votre expérience à {place}\u00a0?",
        "greeting": "Bonjour {name},",
        "greeting_anonymous": "Bonjour,",
        "body": "Merci de votre visite à {place}. Pourriez-vous nous accorder une minute "
        "pour nous dire comment cela s'est passé\u00a0?",
        "button": "Répondre au questionnaire",
        "footer": "Ce lien est personnel et expire dans {days}\u00a0jours.",
        # Plain spaces in SMS: a no-break space is not in the GSM alphabet and would cost a segment.
        "sms": "{brand} : comment s'est passée votre visite à {place} ? Répondez en 1 minute : {url}",
    },
}


@dataclass(frozen=True)
class EmailMessage:
    subject: str
    html: str
    text: str


def written_in(language: str) -> str:
    return language if language in _COPY else "en"


def copy_for(language: str) -> dict[str, str]:
    return _COPY[written_in(language)]


def invitation_email(
    *, language: str, customer_name: str | None, place: str, url: str, days_valid: int
) -> EmailMessage:
    # lang="" names the language the text is written in (unknown ones get English).
    language = written_in(language)
    copy = copy_for(language)
    first_name = (customer_name or "").split(" ")[0]
    greeting = copy["greeting"].format(name=first_name) if first_name else copy["greeting_anonymous"]
    body = copy["body"].format(place=place)
    footer = copy["footer"].format(days=days_valid)
    text = f"{greeting}\n\n{body}\n\n{copy['button']}: {url}\n\n{footer}\n"
    html = (
        f'<!doctype html><html lang="{escape(language)}"><body style="font-family:sans-serif;color:#1a1a1a">'
        f"<p>{escape(greeting)}</p><p>{escape(body)}</p>"
        f'<p><a href="{escape(url, quote=True)}" style="background:#0b57d0;color:#fff;padding:12px 20px;'
        f'border-radius:6px;text-decoration:none;display:inline-block">{escape(copy["button"])}</a></p>'
        f'<p style="color:#555;font-size:13px">{escape(footer)}</p></body></html>'
    )
    return EmailMessage(subject=copy["subject"].format(place=place), html=html, text=text)


def invitation_sms(*, language: str, brand: str, place: str, url: str) -> str:
    return copy_for(language)["sms"].format(brand=brand, place=place, url=url)
