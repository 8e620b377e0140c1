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
        # Every character in the GSM-7 alphabet (é, ¿ are; ó is not): 160 per part, not 70.
        "sms": "{brand}: ¿Qué tal fue su experiencia en {place}? Cuéntenos en 1 minuto: {url}",
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
        # GSM-7 like the others: "experiência" (ê) would make every part UCS-2.
        "sms": "{brand}: como foi seu atendimento em {place}? Conte-nos em 1 minuto: {url}",
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
    # Where a one-click unsubscribe lands (RFC 8058); sent as List-Unsubscribe headers.
    unsubscribe_url: str | None = None


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


# An invitation aims at one SMS part: the place name gives way first, the link never.
INVITATION_SMS_PARTS = 1


def fitted_invitation_sms(*, language: str, brand: str, place: str, url: str) -> str:
    """The invitation SMS in INVITATION_SMS_PARTS when shortening the place can make it so;
    otherwise the shortest we could make (the customer still gets a working link)."""
    from cxloop.domain.contact.sms_text import fit_sms  # noqa: PLC0415 - only SMS sends measure text

    def compose(shown_place: str) -> str:
        return invitation_sms(language=language, brand=brand, place=shown_place, url=url)

    return fit_sms(compose, place=place, url=url, max_segments=INVITATION_SMS_PARTS).text


# The managers' daily digest (cxloop.domain.insights.daily_digest renders it). Staff-facing, so it
# names ticket ids, places, priorities and owners, never the customer's name, contact or comment.
_DIGEST_COPY = {
    "es": {
        "subject": "Resumen diario {date}: {open} abiertos, {overdue} vencidos",
        "greeting": "Hola {name}:",
        "intro": "Tickets abiertos en {scope} al {moment} ({zone}).",
        "scope_all": "toda la empresa",
        "scope_country": "{name}",
        "scope_branch": "la sucursal {name}",
        "open": "Abiertos",
        "overdue": "Vencidos",
        "escalated": "Escalados",
        "oldest": "El más antiguo: {ticket_id} ({branch}), abierto el {opened_at}.",
        "by_status": "Por estado",
        "by_priority": "Por prioridad",
        "status.new": "Nuevo",
        "status.assigned": "Asignado",
        "status.in_progress": "En curso",
        "status.waiting_customer": "Esperando al cliente",
        "priority.urgent": "Urgente",
        "priority.high": "Alta",
        "priority.medium": "Media",
        "priority.low": "Baja",
        "overdue_list": "Tickets vencidos, los más atrasados primero",
        "column.ticket": "Ticket",
        "column.branch": "Sucursal",
        "column.priority": "Prioridad",
        "column.owner": "Responsable",
        "column.due": "Vencía",
        "more": "Y {count} vencidos más en la mesa de tickets.",
        "footer": "Recibe este resumen porque gestiona {scope}. Los datos de los clientes están en la "
        "mesa de tickets, nunca en este correo.",
    },
    "en": {
        "subject": "Daily digest {date}: {open} open, {overdue} overdue",
        "greeting": "Hello {name},",
        "intro": "Open tickets in {scope} as of {moment} ({zone}).",
        "scope_all": "the whole company",
        "scope_country": "{name}",
        "scope_branch": "the {name} branch",
        "open": "Open",
        "overdue": "Overdue",
        "escalated": "Escalated",
        "oldest": "Oldest open: {ticket_id} ({branch}), opened {opened_at}.",
        "by_status": "By status",
        "by_priority": "By priority",
        "status.new": "New",
        "status.assigned": "Assigned",
        "status.in_progress": "In progress",
        "status.waiting_customer": "Waiting on the customer",
        "priority.urgent": "Urgent",
        "priority.high": "High",
        "priority.medium": "Medium",
        "priority.low": "Low",
        "overdue_list": "Overdue tickets, most overdue first",
        "column.ticket": "Ticket",
        "column.branch": "Branch",
        "column.priority": "Priority",
        "column.owner": "Owner",
        "column.due": "Was due",
        "more": "And {count} more overdue in the ticket desk.",
        "footer": "You receive this digest because you manage {scope}. Customer details are in the "
        "ticket desk, never in this email.",
    },
    "pt": {
        "subject": "Resumo diário {date}: {open} abertos, {overdue} atrasados",
        "greeting": "Olá, {name}!",
        "intro": "Tickets abertos em {scope} em {moment} ({zone}).",
        "scope_all": "toda a empresa",
        "scope_country": "{name}",
        "scope_branch": "a agência {name}",
        "open": "Abertos",
        "overdue": "Atrasados",
        "escalated": "Escalados",
        "oldest": "O mais antigo: {ticket_id} ({branch}), aberto em {opened_at}.",
        "by_status": "Por status",
        "by_priority": "Por prioridade",
        "status.new": "Novo",
        "status.assigned": "Atribuído",
        "status.in_progress": "Em andamento",
        "status.waiting_customer": "Aguardando o cliente",
        "priority.urgent": "Urgente",
        "priority.high": "Alta",
        "priority.medium": "Média",
        "priority.low": "Baixa",
        "overdue_list": "Tickets atrasados, os mais atrasados primeiro",
        "column.ticket": "Ticket",
        "column.branch": "Agência",
        "column.priority": "Prioridade",
        "column.owner": "Responsável",
        "column.due": "Prazo",
        "more": "E mais {count} atrasados na central de tickets.",
        "footer": "Você recebe este resumo porque gerencia {scope}. Os dados dos clientes estão na "
        "central de tickets, nunca neste e-mail.",
    },
    "fr": {
        "subject": "Récapitulatif du {date}\u00a0: {open} ouverts, {overdue} en retard",
        "greeting": "Bonjour {name},",
        "intro": "Tickets ouverts pour {scope} au {moment} ({zone}).",
        "scope_all": "toute l'entreprise",
        "scope_country": "{name}",
        "scope_branch": "l'agence {name}",
        "open": "Ouverts",
        "overdue": "En retard",
        "escalated": "Escaladés",
        "oldest": "Le plus ancien\u00a0: {ticket_id} ({branch}), ouvert le {opened_at}.",
        "by_status": "Par statut",
        "by_priority": "Par priorité",
        "status.new": "Nouveau",
        "status.assigned": "Attribué",
        "status.in_progress": "En cours",
        "status.waiting_customer": "En attente du client",
        "priority.urgent": "Urgente",
        "priority.high": "Haute",
        "priority.medium": "Moyenne",
        "priority.low": "Basse",
        "overdue_list": "Tickets en retard, les plus en retard d'abord",
        "column.ticket": "Ticket",
        "column.branch": "Agence",
        "column.priority": "Priorité",
        "column.owner": "Responsable",
        "column.due": "Échéance",
        "more": "Et {count} autres tickets en retard dans l'outil de tickets.",
        "footer": "Vous recevez ce récapitulatif parce que vous gérez {scope}. Les données des clients "
        "sont dans l'outil de tickets, jamais dans cet e-mail.",
    },
}


def digest_language(language: str) -> str:
    """The language a manager's digest is written in: theirs when we have it, else English."""
    return language if language in _DIGEST_COPY else "en"


def digest_copy_for(language: str) -> dict[str, str]:
    return _DIGEST_COPY[digest_language(language)]


# The opt-out line every message to a customer ends with (cxloop.domain.contact.opt_out).
_OPT_OUT_COPY = {
    "es": ("¿No quiere más encuestas? {url}", "Dejar de recibir encuestas"),
    "en": ("No more surveys? {url}", "Stop receiving surveys"),
    "pt": ("Não quer mais pesquisas? {url}", "Deixar de receber pesquisas"),
    "fr": ("Plus de questionnaires\u00a0? {url}", "Ne plus recevoir de questionnaires"),
}
# An SMS with its STOP link may take two parts; a longer one goes without it (the customer
# can still reply STOP, which the carrier honours, and every email carries the link).
SMS_PARTS_WITH_STOP = 2


def with_opt_out(message: EmailMessage, *, language: str, url: str | None) -> EmailMessage:
    """The message ending with the opt-out link, which also becomes its List-Unsubscribe
    target (RFC 8058 one-click posts to the same URL); unchanged without a URL."""
    if url is None:
        return message
    line, label = _OPT_OUT_COPY[written_in(language)]
    link = f'<p style="color:#555;font-size:12px"><a href="{escape(url, quote=True)}">{escape(label)}</a></p>'
    html = message.html.replace("</body>", f"{link}</body>", 1)
    text = f"{message.text.rstrip()}\n\n{line.format(url=url)}\n"
    return EmailMessage(subject=message.subject, html=html, text=text, unsubscribe_url=url)


def sms_with_stop(text: str, url: str | None) -> str:
    """`text` with " STOP: <url>" when the whole still fits two GSM-7 parts, else as it was."""
    # Imported here: only a send with an opt-out link measures the text.
    from cxloop.domain.contact.sms_text import is_gsm7, segments  # noqa: PLC0415

    if url is None:
        return text
    longer = f"{text} STOP: {url}"
    return longer if is_gsm7(longer) and segments(longer) <= SMS_PARTS_WITH_STOP else text


# The one reminder (cxloop.domain.contact.send_reminders): the same link, a shorter and gentler ask.
_REMINDER_COPY = {
    "es": {
        "subject": "Recordatorio: ¿cómo fue su experiencia en {place}?",
        "body": "Hace unos días le preguntamos por su visita a {place}. Si tiene un minuto, "
        "su opinión nos ayuda mucho. Es el único recordatorio que le enviaremos.",
        "sms": "{brand}: recordatorio, ¿qué tal fue su experiencia en {place}? 1 minuto: {url}",
    },
    "en": {
        "subject": "Reminder: how was your experience at {place}?",
        "body": "A few days ago we asked about your visit to {place}. If you have a minute, "
        "your view helps us a lot. This is the only reminder we will send.",
        "sms": "{brand}: a reminder, how was your experience at {place}? 1 minute: {url}",
    },
    "pt": {
        "subject": "Lembrete: como foi sua experiência em {place}?",
        "body": "Há alguns dias perguntamos sobre sua visita a {place}. Se tiver um minuto, "
        "sua opinião nos ajuda muito. Este é o único lembrete que enviaremos.",
        "sms": "{brand}: lembrete, como foi seu atendimento em {place}? 1 minuto: {url}",
    },
    "fr": {
        "subject": "Rappel\u00a0: comment s'est passée votre expérience à {place}\u00a0?",
        "body": "Il y a quelques jours, nous vous avons interrogé sur votre visite à {place}. "
        "Si vous avez une minute, votre avis nous aide beaucoup. C'est le seul rappel que vous recevrez.",
        "sms": "{brand} : rappel, comment s'est passée votre visite à {place} ? 1 minute : {url}",
    },
}


def reminder_email(
    *, language: str, customer_name: str | None, place: str, url: str, days_left: int
) -> EmailMessage:
    """The invitation's layout with the reminder's words; `days_left` until the link expires."""
    language = written_in(language)
    copy, words = copy_for(language), _REMINDER_COPY[language]
    first_name = (customer_name or "").split(" ")[0]
    greeting = copy["greeting"].format(name=first_name) if first_name else copy["greeting_anonymous"]
    body = words["body"].format(place=place)
    footer = copy["footer"].format(days=max(days_left, 1))
    text = f"{greeting}\n\n{body}\n\n{copy['button']}: {url}\n\n{footer}\n"
    html = (
        f'<!doctype html><html lang="{escape(language)}"><body style="font-family:sans-serif;color:#1a1a1a">'
        f"<p>{escape(greeting)}</p><p>{escape(body)}</p>"
        f'<p><a href="{escape(url, quote=True)}" style="background:#0b57d0;color:#fff;padding:12px 20px;'
        f'border-radius:6px;text-decoration:none;display:inline-block">{escape(copy["button"])}</a></p>'
        f'<p style="color:#555;font-size:13px">{escape(footer)}</p></body></html>'
    )
    return EmailMessage(subject=words["subject"].format(place=place), html=html, text=text)


def reminder_sms(*, language: str, brand: str, place: str, url: str) -> str:
    return _REMINDER_COPY[written_in(language)]["sms"].format(brand=brand, place=place, url=url)
