"""Opting out: every message to a customer carries `{PUBLIC_BASE_URL}/u/{token}`.

The token is unguessable (tokens.new_token) and only its hash is stored, bound to the
customer it was sent to; one token per message, so a forwarded mail opts out its
recipient's customer record and nothing else. Following the link (GET) only asks: mail
scanners open links before people do. A POST (the page's button, or a mail provider's
RFC 8058 one-click `List-Unsubscribe=One-Click`) records the opt-out on the customer's
contact record, with when and how, as one more kept decision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from pydantic import ConfigDict

from cxloop.domain.contact.manners import KEPT_DECISIONS, ContactState, ContactStore, DecisionRecord
from cxloop.domain.kernel import tokens
from cxloop.domain.kernel.errors import Conflict
from cxloop.domain.kernel.modelling import DomainModel
from cxloop.domain.kernel.sends import StagedWrite

# A link in an old mail keeps working for a year; after that the customer still has
# the link in every newer message.
LINK_LIFETIME = timedelta(days=366)
SAVE_ATTEMPTS = 3
# What RFC 8058 has the mail provider POST to the List-Unsubscribe URL.
ONE_CLICK_BODY = "List-Unsubscribe=One-Click"
OPT_OUT_ACTION = "opt_out"

Via = Literal["page", "one_click"]


class OptOutLink(DomainModel):
    """The stored half of an opt-out link: never the token, never an address."""

    model_config = ConfigDict(frozen=True)

    token_hash: str
    customer_id: str
    language: str
    created_at: datetime
    expires_at: datetime


class OptOutLinkStore(Protocol):
    def add(self, link: OptOutLink) -> None: ...

    def staged_add(self, link: OptOutLink) -> StagedWrite:
        """The link's write, made with its message's send claim (kernel/sends.py)."""
        ...

    def get(self, token_hash: str) -> OptOutLink | None: ...


def unsubscribe_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/u/{token}"


def new_link(customer_id: str, *, language: str, now: datetime, base_url: str, links: OptOutLinkStore) -> str:
    """Store a fresh link for this customer and answer its URL (stored first: a link never
    reaches a customer unrecorded)."""
    url, link = fresh_link(customer_id, language=language, now=now, base_url=base_url)
    links.add(link)
    return url


def fresh_link(customer_id: str, *, language: str, now: datetime, base_url: str) -> tuple[str, OptOutLink]:
    """A fresh link's URL and what to store of it, not stored yet: a message stores it with its
    send's claim (kernel/sends.py, `Outbound.stores`)."""
    token = tokens.new_token()
    link = OptOutLink(
        token_hash=tokens.token_hash(token),
        customer_id=customer_id,
        language=language,
        created_at=now,
        expires_at=now + LINK_LIFETIME,
    )
    return unsubscribe_url(base_url, token), link


def look_up(token: str, *, now: datetime, links: OptOutLinkStore) -> OptOutLink | None:
    """The link behind a token; None for junk, unknown or expired tokens."""
    if not tokens.looks_like_token(token):
        return None
    link = links.get(tokens.token_hash(token))
    if link is None or link.expires_at <= now:
        return None
    return link


def via_of(body: str) -> Via:
    """How the POST came: a mail provider's one-click, or a person pressing the page's button."""
    return "one_click" if ONE_CLICK_BODY in body else "page"


@dataclass(frozen=True)
class OptedOut:
    link: OptOutLink
    already: bool


def opt_out(
    token: str, *, now: datetime, via: Via, links: OptOutLinkStore, contacts: ContactStore
) -> OptedOut | None:
    """Record the opt-out on the contact record (once: a second POST changes nothing)."""
    link = look_up(token, now=now, links=links)
    if link is None:
        return None
    already = contacts.load(link.customer_id).memory.opted_out
    if not already:
        _change(contacts, link.customer_id, lambda state: opted_out_state(state, now=now, via=via))
    return OptedOut(link, already)


def opted_out_state(state: ContactState, *, now: datetime, via: Via) -> ContactState:
    """The record with opted_out set and a decision saying when and how (the customers API
    shows decisions, and analysts count opt-outs by how they came)."""
    if state.memory.opted_out:
        return state
    record = DecisionRecord(
        at=now,
        interaction_id="",
        kind="survey",
        action=OPT_OUT_ACTION,
        reason=f"opted_out_{via}",
        detail="the customer asked for no more surveys",
    )
    memory = state.memory.model_copy(update={"opted_out": True})
    decisions = (*state.decisions, record)[-KEPT_DECISIONS:]
    return state.model_copy(update={"memory": memory, "decisions": decisions})


def _change(contacts: ContactStore, customer_id: str, change: Callable[[ContactState], ContactState]) -> None:
    """Change on the version read; another change landing first means read and try again."""
    for attempt in range(SAVE_ATTEMPTS):
        state = contacts.load(customer_id)
        try:
            contacts.save(customer_id, change(state), expected_version=state.version)
            return
        except Conflict:
            if attempt == SAVE_ATTEMPTS - 1:
                raise
