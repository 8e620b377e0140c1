"""What every message to a customer shares, whatever it carries: the deployment's send
settings, the channel chosen when no contact policy chooses, and its links (the opt-out
link every message ends with, a survey's single-use link). Kept apart from send_survey so
that a function sending only notices (notify_customer) or reminders of a link already made
(send_reminders) loads none of the surveys it does not send."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cxloop.domain.contact.opt_out_links import OptOutLink, fresh_link
from cxloop.domain.kernel import tokens
from cxloop.domain.kernel.events import Channel, Customer


@dataclass(frozen=True)
class SendSettings:
    public_base_url: str
    sender_address: str
    link_ttl_days: int
    brand: str = "cxloop"
    # A shorter host the operator points at the same API (https://cx.example): links sent
    # by SMS or WhatsApp use it, since every character counts against the SMS segment.
    short_base_url: str | None = None

    def base_url_for(self, channel: Channel) -> str:
        if is_phone_channel(channel) and self.short_base_url:
            return self.short_base_url
        return self.public_base_url


def is_phone_channel(channel: Channel) -> bool:
    return channel != "email"


def choose_channel(customer: Customer) -> Channel:
    """Email unless the customer prefers a phone channel or has no email.

    Without a contact policy's choice (acknowledgements), a WhatsApp preference goes by SMS:
    WhatsApp carries only the approved survey template, not free text.
    """
    wants_phone = customer.preferred_channel in ("sms", "whatsapp")
    if customer.phone and (wants_phone or not customer.email):
        return "sms"
    return "email"


def fresh_opt_out(customer: Customer, *, now: datetime, base_url: str) -> tuple[str, OptOutLink]:
    """A fresh opt-out URL bound to this customer, and its link to store with the send's claim."""
    return fresh_link(customer.id, language=customer.language, now=now, base_url=base_url)


def survey_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/s/{token}"


def new_link_token(channel: Channel) -> str:
    """A shorter token on phone channels (tokens module): same hash, same single use."""
    return tokens.new_short_token() if is_phone_channel(channel) else tokens.new_token()
