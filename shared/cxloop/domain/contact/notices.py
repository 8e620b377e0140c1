"""What cxloop tells a customer about their case: the acknowledgement when a complaint or
claim opens (the case number and when they will be contacted) and the "was it solved?"
follow-up after resolution. In the customer's language (es, en, pt, fr; else English),
times in the customer's own time zone, every customer-supplied value escaped in HTML.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from cxloop.domain.contact.messages import EmailMessage

_COPY: dict[str, dict[str, str]] = {
    "es": {
        "ack_subject": "Recibimos su caso {case}",
        "hello": "Hola {name}:",
        "hello_anonymous": "Hola:",
        "ack_body": "Registramos su caso con el número {case}. Una persona de nuestro equipo "
        "se comunicará con usted a más tardar el {when}.",
        "ack_sms": "{brand}: registramos su caso {case}. Le contactaremos a más tardar el {when}.",
        "fu_subject": "¿Resolvimos su caso {case}?",
        "fu_body": "Cerramos su caso {case}. ¿Nos confirma si quedó resuelto? Es una sola pregunta.",
        "fu_button": "Responder",
        "fu_sms": "{brand}: ¿resolvimos su caso {case}? Responda aquí: {url}",
        "signature": "Gracias por su paciencia.",
    },
    "en": {
        "ack_subject": "We received your case {case}",
        "hello": "Hello {name},",
        "hello_anonymous": "Hello,",
        "ack_body": "We have registered your case under number {case}. Someone from our team "
        "will contact you by {when} at the latest.",
        "ack_sms": "{brand}: we registered your case {case}. We will contact you by {when}.",
        "fu_subject": "Did we solve your case {case}?",
        "fu_body": "We closed your case {case}. Could you confirm it was solved? It is one question.",
        "fu_button": "Answer",
        "fu_sms": "{brand}: did we solve your case {case}? Answer here: {url}",
        "signature": "Thank you for your patience.",
    },
    "pt": {
        "ack_subject": "Recebemos o seu caso {case}",
        "hello": "Olá, {name}!",
        "hello_anonymous": "Olá!",
        "ack_body": "Registamos o seu caso com o número {case}. Alguém da nossa equipa entrará "
        "em contacto consigo até {when}.",
        "ack_sms": "{brand}: registamos o seu caso {case}. Entraremos em contacto até {when}.",
        "fu_subject": "Resolvemos o seu caso {case}?",
        "fu_body": "Encerramos o seu caso {case}. Pode confirmar se ficou resolvido? É só uma pergunta.",
        "fu_button": "Responder",
        "fu_sms": "{brand}: resolvemos o seu caso {case}? Responda aqui: {url}",
        "signature": "Obrigado pela sua paciência.",
    },
    "fr": {
        "ack_subject": "Nous avons bien reçu votre dossier {case}",
        "hello": "Bonjour {name},",
        "hello_anonymous": "Bonjour,",
        "ack_body": "Votre dossier est enregistré sous le numéro {case}. Une personne de notre équipe "
        "vous contactera au plus tard le {when}.",
        "ack_sms": "{brand} : dossier {case} enregistré. Nous vous contacterons au plus tard le {when}.",
        "fu_subject": "Avons-nous résolu votre dossier {case}\u00a0?",
        "fu_body": "Nous avons clôturé votre dossier {case}. Pouvez-vous confirmer qu'il est résolu\u00a0? "
        "Une seule question.",
        "fu_button": "Répondre",
        "fu_sms": "{brand} : avons-nous résolu votre dossier {case} ? Répondez ici : {url}",
        "signature": "Merci de votre patience.",
    },
}
_WEEKDAYS = {
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "pt": (
        "segunda-feira",
        "terça-feira",
        "quarta-feira",
        "quinta-feira",
        "sexta-feira",
        "sábado",
        "domingo",
    ),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
}
_MONTHS = {
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "en": "January February March April May June July August September October November December",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
}
_WHEN = {
    "es": "{weekday} {day} de {month} a las {time}",
    "en": "{weekday}, {month} {day} at {time}",
    "pt": "{weekday}, {day} de {month}, às {time}",
    "fr": "{weekday} {day} {month} à {time}",
}


def written_in(language: str) -> str:
    return language if language in _COPY else "en"


def local_when(moment: datetime, *, language: str, timezone: str) -> str:
    """ "jueves 26 de noviembre a las 15:00" in the customer's zone and language."""
    language = written_in(language)
    local = moment.astimezone(ZoneInfo(timezone))
    return _WHEN[language].format(
        weekday=_WEEKDAYS[language][local.weekday()],
        day=local.day,
        month=_MONTHS[language].split()[local.month - 1],
        time=local.strftime("%H:%M"),
    )


def _greeting(copy: dict[str, str], name: str | None) -> str:
    first = (name or "").split(" ")[0]
    return copy["hello"].format(name=first) if first else copy["hello_anonymous"]


def _email(subject: str, paragraphs: list[str], link: tuple[str, str] | None = None) -> EmailMessage:
    html_parts = [f"<p>{escape(text)}</p>" for text in paragraphs]
    text_parts = list(paragraphs)
    if link is not None:
        label, url = link
        html_parts.insert(-1, f'<p><a href="{escape(url, quote=True)}">{escape(label)}</a></p>')
        text_parts.insert(-1, f"{label}: {url}")
    html = f"<!doctype html><html><body>{''.join(html_parts)}</body></html>"
    return EmailMessage(subject=subject, html=html, text="\n\n".join(text_parts) + "\n")


def acknowledgement_email(language: str, name: str | None, case: str, when: str) -> EmailMessage:
    copy = _COPY[written_in(language)]
    return _email(
        copy["ack_subject"].format(case=case),
        [_greeting(copy, name), copy["ack_body"].format(case=case, when=when), copy["signature"]],
    )


def acknowledgement_sms(language: str, brand: str, case: str, when: str) -> str:
    return _COPY[written_in(language)]["ack_sms"].format(brand=brand, case=case, when=when)


def follow_up_email(language: str, name: str | None, case: str, url: str) -> EmailMessage:
    copy = _COPY[written_in(language)]
    return _email(
        copy["fu_subject"].format(case=case),
        [_greeting(copy, name), copy["fu_body"].format(case=case), copy["signature"]],
        link=(copy["fu_button"], url),
    )


def follow_up_sms(language: str, brand: str, case: str, url: str) -> str:
    return _COPY[written_in(language)]["fu_sms"].format(brand=brand, case=case, url=url)
