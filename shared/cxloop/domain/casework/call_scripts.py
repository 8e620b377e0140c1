"""Call scripts: what the agent says when calling the customer back, by ticket type, in
the customer's language. Plain text with {placeholders} filled from the ticket."""

from __future__ import annotations

from cxloop.domain.casework.models import Ticket
from cxloop.domain.casework.ticket_types import TicketType

_SCRIPTS: dict[str, dict[TicketType, tuple[str, ...]]] = {
    "es": {
        "request": (
            "Buenos días, {name}. Le llamo de {company} por la solicitud que dejó en la encuesta ({case}).",
            "Confirme qué necesita y cuándo le conviene recibirlo.",
            "Explique el siguiente paso y la fecha en que lo tendrá.",
            "Pregunte si hay algo más en lo que podamos ayudarle.",
        ),
        "complaint": (
            "Buenos días, {name}. Le llamo de {company} por su experiencia en {place} (caso {case}).",
            "Lamentamos lo ocurrido. Escuche sin interrumpir y resuma lo que entendió.",
            "Pregunte qué resultado sería justo para el cliente.",
            "Acuerde una acción concreta y una fecha; registre la causa raíz.",
        ),
        "claim": (
            "Buenos días, {name}. Le llamo de {company} por su reclamo (caso {case}).",
            "Verifique los datos de la póliza o del trámite y lo que el cliente reclama.",
            "Explique el proceso, los documentos necesarios y los plazos.",
            "Confirme la fecha del próximo contacto y déjela registrada.",
        ),
    },
    "en": {
        "request": (
            "Good morning, {name}. I'm calling from {company} about the request in your survey ({case}).",
            "Confirm what they need and when it suits them.",
            "Explain the next step and the date they will have it.",
            "Ask whether there is anything else we can help with.",
        ),
        "complaint": (
            "Good morning, {name}. I'm calling from {company} about your visit to {place} (case {case}).",
            "We are sorry it happened. Listen without interrupting, then sum up what you heard.",
            "Ask what outcome would feel fair to them.",
            "Agree on one concrete action and a date; log the root cause.",
        ),
        "claim": (
            "Good morning, {name}. I'm calling from {company} about your claim (case {case}).",
            "Check the policy or file details and what the customer is claiming.",
            "Explain the process, the documents needed and the time frames.",
            "Confirm the date of the next contact and log it.",
        ),
    },
    "pt": {
        "request": (
            "Bom dia, {name}. Falo da {company} sobre o pedido que deixou no questionário ({case}).",
            "Confirme o que precisa e quando lhe convém.",
            "Explique o próximo passo e a data em que o terá.",
            "Pergunte se podemos ajudar em mais alguma coisa.",
        ),
        "complaint": (
            "Bom dia, {name}. Falo da {company} sobre a sua experiência em {place} (caso {case}).",
            "Lamentamos o ocorrido. Ouça sem interromper e resuma o que entendeu.",
            "Pergunte que resultado seria justo para o cliente.",
            "Combine uma ação concreta e uma data; registe a causa raiz.",
        ),
        "claim": (
            "Bom dia, {name}. Falo da {company} sobre a sua reclamação (caso {case}).",
            "Verifique os dados da apólice ou do processo e o que o cliente reclama.",
            "Explique o processo, os documentos necessários e os prazos.",
            "Confirme a data do próximo contacto e registe-a.",
        ),
    },
    "fr": {
        "request": (
            "Bonjour {name}, je vous appelle de la part de {company} au sujet de votre demande ({case}).",
            "Confirmez ce dont le client a besoin et quand cela lui convient.",
            "Expliquez la prochaine étape et la date à laquelle il l'aura.",
            "Demandez si nous pouvons l'aider pour autre chose.",
        ),
        "complaint": (
            "Bonjour {name}, je vous appelle de la part de {company} au sujet de votre expérience à {place} "
            "(dossier {case}).",
            "Nous sommes désolés. Écoutez sans interrompre, puis résumez ce que vous avez compris.",
            "Demandez quel résultat lui semblerait juste.",
            "Convenez d'une action concrète et d'une date ; notez la cause racine.",
        ),
        "claim": (
            "Bonjour {name}, je vous appelle de la part de {company} au sujet de votre réclamation "
            "(dossier {case}).",
            "Vérifiez les données du contrat ou du dossier et ce que le client réclame.",
            "Expliquez la procédure, les documents nécessaires et les délais.",
            "Confirmez la date du prochain contact et notez-la.",
        ),
    },
}
LANGUAGES = tuple(_SCRIPTS)
# An anonymous answer (a QR code at a counter) has nobody to call: the script says what to do instead.
_NOBODY_TO_CALL: dict[str, tuple[str, ...]] = {
    "es": (
        "Respuesta anónima (código QR en {place}, caso {case}): no hay a quién llamar.",
        "Revise con el equipo qué pasó en {place} a esa hora y registre la causa raíz.",
    ),
    "en": (
        "Anonymous answer (QR code at {place}, case {case}): there is nobody to call.",
        "Review with the team what happened at {place} at that time and log the root cause.",
    ),
    "pt": (
        "Resposta anónima (código QR em {place}, caso {case}): não há a quem ligar.",
        "Reveja com a equipa o que aconteceu em {place} a essa hora e registe a causa raiz.",
    ),
    "fr": (
        "Réponse anonyme (code QR à {place}, dossier {case}) : personne à rappeler.",
        "Voyez avec l'équipe ce qui s'est passé à {place} à ce moment-là et notez la cause.",
    ),
}


def call_script(ticket: Ticket, *, company: str = "cxloop") -> dict[str, object]:
    """The script in the customer's language (English when we have none in theirs)."""
    language = ticket.customer.language if ticket.customer.language in _SCRIPTS else "en"
    first_name = (ticket.customer.name or "").split(" ")[0]
    values = {
        "name": first_name,
        "company": company,
        "case": ticket.ticket_id,
        "place": ticket.touchpoint.name or ticket.touchpoint.id,
    }
    if ticket.customer.anonymous:
        lines = [line.format(**values) for line in _NOBODY_TO_CALL[language]]
        return {"language": language, "ticket_type": ticket.ticket_type, "lines": lines, "anonymous": True}
    lines = [_unnamed(line) if not first_name else line for line in _SCRIPTS[language][ticket.ticket_type]]
    lines = [line.format(**values) for line in lines]
    return {"language": language, "ticket_type": ticket.ticket_type, "lines": lines}


def _unnamed(line: str) -> str:
    # "Buenos días, {name}." reads badly without a name: greet without one.
    return line.replace(", {name}", "").replace(" {name},", ",")
