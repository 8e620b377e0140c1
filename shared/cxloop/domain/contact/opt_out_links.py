"""Opt-out links: every message to a customer carries `{PUBLIC_BASE_URL}/u/{token}`.

The token is unguessable (tokens.new_token) and only its hash is stored, bound to the
customer it was sent to; one token per message, so a forwarded mail opts out its
recipient's customer record and nothing else. Making and reading a link needs nothing of
the contact policy, so the functions that only send one (notify_customer) do not load it;
recording the opt-out itself is cxloop.domain.contact.opt_out.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from pydantic import ConfigDict

from cxloop.domain.kernel import tokens
from cxloop.domain.kernel.modelling import DomainModel
from cxloop.domain.kernel.sends import StagedWrite

# A link in an old mail keeps working for a year; after that the customer still has
# the link in every newer message.
LINK_LIFETIME = timedelta(days=366)


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
