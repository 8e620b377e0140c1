"""Erasing a customer's personal data (DELETE /v1/customers/{customer_id}), keeping the
anonymous scores.

What goes: the customer's name, email, phone and preferred channel, every free-text answer
(the comment, the praise, any custom text question) and a ticket's `comment` (the customer's
own words). What stays: ids, dates, the place, the scores, topics and sentiment, a ticket's
status and the structure of its history, so the aggregates, the ticket counts and the lake do
not change. The customer becomes `{"id": "erased-<HMAC>", "locale", "timezone", "erased": true}`:
locale and time zone identify no one on their own.

The rule for staff text: notes staff wrote (history notes, call attempt notes, the resolution's
root cause and action) are kept: they are the company's record of its own work, and staff are
told never to quote the customer in them. The customer's own words are never kept.

Answers kept are numbers, booleans and choice values (`^[a-z][a-z0-9_]{0,39}$`, the shape of
every option of the survey catalogue) or lists of them; any other string is free text and goes.
A one-word lower-case reply to a custom text question would pass as a choice value: the
known text questions (comment, praise) are dropped by name whatever their value.

The pseudonym is an HMAC of the customer's id under a key drawn for this erasure and never
stored: the erased records of one customer stay linkable to each other (same pseudonym) and to
nothing else, not even by us. Contact records (keyed by the ERP's pseudonymous id) keep what
was sent and decided, and whether the customer opted out; their pending sends (copies of the
events, with the contact) and suppressed addresses go. Opt-out links are deleted: with no
contact left, nothing will be sent that they could stop.

The suppression list (the `suppressions` table, cxloop.adapters.suppressions) is kept on
purpose. Its entries are keyed by an HMAC of channel and address under a secret key and hold
no address, no name and no customer id, so they identify no one without the key; and an
erased customer's bounced or complained-about address must stay suppressed, or the next
ERP event naming it would be mailed again (a hard bounce hurts the sender's reputation; a
complaint is a customer who said stop).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pydantic import ConfigDict

from cxloop.domain.casework.models import Ticket
from cxloop.domain.contact.manners import ContactState
from cxloop.domain.kernel.events import Customer, Interaction
from cxloop.domain.kernel.modelling import DomainModel
from cxloop.domain.surveys.models import Invitation, SurveyResponse

ERASED_PREFIX = "erased-"
# The built-in survey's free-text questions: dropped by name, whatever their value looks like.
FREE_TEXT_ANSWERS = frozenset({"comment", "praise"})
_CHOICE_VALUE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
TABLES = ("interactions", "invitations", "responses", "tickets", "contacts", "optouts")


def pseudonym(customer_id: str, key: bytes) -> str:
    digest = hmac.new(key, customer_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{ERASED_PREFIX}{digest[:40]}"


def is_erased(customer_id: str) -> bool:
    return customer_id.startswith(ERASED_PREFIX)


def erased_customer(customer: Customer, alias: str) -> Customer:
    return Customer(id=alias, locale=customer.locale, timezone=customer.timezone, erased=True)


def _is_kept_answer(name: str, value: object) -> bool:
    if name in FREE_TEXT_ANSWERS:
        return False
    if isinstance(value, str):
        return bool(_CHOICE_VALUE.match(value))
    if isinstance(value, list):
        return all(isinstance(v, str) and _CHOICE_VALUE.match(v) for v in value)
    return isinstance(value, int | float | bool) or value is None


def scrubbed_answers(answers: dict[str, object]) -> dict[str, object]:
    return {name: value for name, value in answers.items() if _is_kept_answer(name, value)}


def scrubbed_interaction(interaction: Interaction, alias: str) -> Interaction:
    event = interaction.event.model_copy(
        update={"customer": erased_customer(interaction.event.customer, alias)}
    )
    return interaction.model_copy(update={"event": event})


def scrubbed_invitation(invitation: Invitation, alias: str) -> Invitation:
    return invitation.model_copy(update={"customer": erased_customer(invitation.customer, alias)})


def scrubbed_response(response: SurveyResponse, alias: str) -> SurveyResponse:
    return response.model_copy(
        update={
            "customer": erased_customer(response.customer, alias),
            "answers": scrubbed_answers(response.answers),
        }
    )


def scrubbed_ticket(ticket: Ticket, alias: str) -> Ticket:
    return ticket.model_copy(update={"customer": erased_customer(ticket.customer, alias), "comment": None})


def scrubbed_contact_state(state: ContactState) -> ContactState:
    """Keep what was sent and decided and the opt-out; drop what could still reach the person."""
    memory = state.memory.model_copy(update={"suppressed": frozenset(), "group": None})
    return state.model_copy(update={"memory": memory, "pending": ()})


def needs_scrubbing(state: ContactState) -> bool:
    return bool(state.pending or state.memory.suppressed or state.memory.group)


class ErasureStores(Protocol):
    """Each table's part of the erasure: finds the customer's items and rewrites them with
    `scrub`, answering how many it changed (none once erased: they are found no more)."""

    def interactions(self, customer_id: str, alias: str) -> int: ...

    def invitations(self, customer_id: str, alias: str) -> int: ...

    def responses(self, customer_id: str, alias: str) -> int: ...

    def tickets(self, customer_id: str, alias: str) -> int: ...

    def contacts(self, customer_id: str) -> int: ...

    def optouts(self, customer_id: str) -> int: ...

    def record(self, audit: ErasureAudit) -> None: ...


class ErasureAudit(DomainModel):
    """Who erased which customer (the ERP's pseudonymous id) when, and how many items:
    never the personal data, never the pseudonym (it would link the id to the erased items)."""

    model_config = ConfigDict(frozen=True)

    customer_id: str
    by: str
    at: datetime
    erased: dict[str, int]


@dataclass(frozen=True)
class ErasureOutcome:
    customer_id: str
    erased: dict[str, int]

    def as_json(self) -> dict[str, object]:
        return {"customer_id": self.customer_id, "erased": dict(self.erased)}


def erase(customer_id: str, *, by: str, now: datetime, key: bytes, stores: ErasureStores) -> ErasureOutcome:
    """Erase everywhere, then record it. Safe to repeat: a second run finds nothing and answers
    zeros; a run cut short is finished by the next (its leftovers get that run's pseudonym)."""
    alias = pseudonym(customer_id, key)
    erased = {
        "interactions": stores.interactions(customer_id, alias),
        "invitations": stores.invitations(customer_id, alias),
        "responses": stores.responses(customer_id, alias),
        "tickets": stores.tickets(customer_id, alias),
        "contacts": stores.contacts(customer_id),
        "optouts": stores.optouts(customer_id),
    }
    stores.record(ErasureAudit(customer_id=customer_id, by=by, at=now, erased=erased))
    return ErasureOutcome(customer_id, erased)
