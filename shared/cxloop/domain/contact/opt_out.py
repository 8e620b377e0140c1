"""Opting out: every message to a customer carries an opt-out link (made and read in
cxloop.domain.contact.opt_out_links). Following it (GET) only asks: mail scanners open
links before people do. A POST (the page's button, or a mail provider's
RFC 8058 one-click `List-Unsubscribe=One-Click`) records the opt-out on the customer's
contact record, with when and how, as one more kept decision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cxloop.domain.contact.manners import KEPT_DECISIONS, ContactState, ContactStore, DecisionRecord
from cxloop.domain.contact.opt_out_links import OptOutLink, OptOutLinkStore, look_up
from cxloop.domain.kernel.errors import Conflict

SAVE_ATTEMPTS = 3
# What RFC 8058 has the mail provider POST to the List-Unsubscribe URL.
ONE_CLICK_BODY = "List-Unsubscribe=One-Click"
OPT_OUT_ACTION = "opt_out"

Via = Literal["page", "one_click"]


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
