"""HTML for the opt-out link (/u/{token}): the question, the confirmation and the friendly
dead end, in the customer's language (es, en, pt, fr; else English), in the brand's
look (the survey pages' document and style). The question is a form that posts back to
the same URL, so it works without JavaScript and a mail scanner's GET changes nothing.
"""

from __future__ import annotations

from html import escape

from cxloop.domain.surveys import pages
from cxloop.domain.surveys.theme import DEFAULT_THEME, Theme

_COPY: dict[str, dict[str, str]] = {
    "es": {
        "unavailable_title": "Intente de nuevo",
        "unavailable": "No pudimos guardar su pedido. Vuelva a intentarlo en un momento.",
        "ask_title": "¿Dejar de recibir encuestas?",
        "ask": "Si confirma, no volveremos a enviarle encuestas de satisfacción. Seguirá recibiendo "
        "los avisos sobre sus casos abiertos.",
        "button": "Sí, no quiero más encuestas",
        "done_title": "Listo",
        "done": "No le enviaremos más encuestas. Gracias por habernos dado su opinión.",
        "unknown_title": "Enlace no encontrado",
        "unknown": "No encontramos este enlace, o ya no es válido. El enlace del mensaje más reciente "
        "que recibió sí funciona.",
    },
    "en": {
        "unavailable_title": "Please try again",
        "unavailable": "We could not save your request. Please try again in a moment.",
        "ask_title": "Stop receiving surveys?",
        "ask": "If you confirm, we will not send you satisfaction surveys again. You will still hear "
        "from us about your open cases.",
        "button": "Yes, no more surveys",
        "done_title": "Done",
        "done": "We will not send you any more surveys. Thank you for the feedback you gave us.",
        "unknown_title": "Link not found",
        "unknown": "We could not find this link, or it is no longer valid. The link in the latest "
        "message you received works.",
    },
    "pt": {
        "unavailable_title": "Tente novamente",
        "unavailable": "Não conseguimos guardar o seu pedido. Tente novamente daqui a pouco.",
        "ask_title": "Deixar de receber pesquisas?",
        "ask": "Se confirmar, não voltaremos a enviar pesquisas de satisfação. Continuará a receber "
        "os avisos sobre os seus casos abertos.",
        "button": "Sim, não quero mais pesquisas",
        "done_title": "Pronto",
        "done": "Não enviaremos mais pesquisas. Obrigado pela sua opinião.",
        "unknown_title": "Link não encontrado",
        "unknown": "Não encontramos este link, ou ele já não é válido. O link da mensagem mais recente "
        "que recebeu funciona.",
    },
    "fr": {
        "unavailable_title": "Veuillez réessayer",
        "unavailable": "Nous n'avons pas pu enregistrer votre demande. Réessayez dans un instant.",
        "ask_title": "Ne plus recevoir de questionnaires\u00a0?",
        "ask": "Si vous confirmez, nous ne vous enverrons plus de questionnaires de satisfaction. Vous "
        "serez toujours informé de vos dossiers en cours.",
        "button": "Oui, plus de questionnaires",
        "done_title": "C'est fait",
        "done": "Nous ne vous enverrons plus de questionnaires. Merci pour vos avis.",
        "unknown_title": "Lien introuvable",
        "unknown": "Nous ne trouvons pas ce lien, ou il n'est plus valide. Le lien du message le plus "
        "récent que vous avez reçu fonctionne.",
    },
}


def copy_for(language: str) -> dict[str, str]:
    return _COPY[language if language in _COPY else "en"]


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
    language = language if language in _COPY else "en"
    body = f'<section class="panel"><h1>{escape(title)}</h1><p>{escape(text)}</p>{extra}</section>'
    # The survey pages' document: the same brand header, style and Content-Security-Policy.
    return pages._document(language, title, body, theme)
