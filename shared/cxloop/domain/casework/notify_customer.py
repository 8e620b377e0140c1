"""Telling the customer about their case on their channel: the acknowledgement notice
open_ticket queues for a complaint or claim (casework/customer_notices.py), sent by
notify_customer with an opt-out link, as every message is."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from cxloop.domain.casework.customer_notices import Notice
from cxloop.domain.contact import messages, notices
from cxloop.domain.contact.opt_out_links import OptOutLinkStore
from cxloop.domain.contact.ports import EmailSender, SmsSender
from cxloop.domain.contact.sending import SendSettings, choose_channel, fresh_opt_out
from cxloop.domain.kernel.events import Channel
from cxloop.domain.kernel.sends import NOT_RECORDED, Outbound, SendLog, StagedWrite, send_once


def send_notice(
    notice: Notice,
    *,
    settings: SendSettings,
    email: EmailSender,
    sms: SmsSender,
    optouts: OptOutLinkStore | None = None,
    now: datetime | None = None,
    sends: SendLog | None = None,
) -> tuple[Channel, str]:
    """Send it on the customer's channel, once per notice with `sends` (claimed under
    "notice#<notice id>", cxloop.domain.kernel.sends); answers the channel and the provider's
    message id (NOT_RECORDED for a notice an earlier attempt sent). With `optouts` (and
    `now`), the notice carries an opt-out link like every message, stored in the claim's
    request."""
    customer = notice.customer
    language = customer.language
    when = notices.local_when(notice.contact_by, language=language, timezone=notice.timezone)
    channel = choose_channel(customer)
    unsubscribe: str | None = None
    stores: tuple[StagedWrite, ...] = ()
    if optouts is not None and now is not None:
        unsubscribe, link = fresh_opt_out(customer, now=now, base_url=settings.public_base_url)
        stores = (optouts.staged_add(link),)

    def carry() -> str:
        if channel == "sms" and customer.phone:
            text = notices.acknowledgement_sms(language, settings.brand, notice.ticket_id, when)
            return sms.send(to=customer.phone, text=messages.sms_with_stop(text, unsubscribe))
        assert customer.email, "choose_channel picks email only when there is one"
        message = notices.acknowledgement_email(language, customer.name, notice.ticket_id, when)
        message = messages.with_opt_out(message, language=language, url=unsubscribe)
        return email.send(sender=settings.sender_address, to=customer.email, message=message)

    return send_once(
        sends,
        f"notice#{notice.notice_id}",
        Outbound(carry, facts={"channel": channel}, stores=stores),
        lambda send: (channel, send()),
        facts=lambda sent: {"channel": sent[0], "message_id": sent[1]},
        earlier=lambda facts: (cast(Channel, facts["channel"]), facts.get("message_id", NOT_RECORDED)),
    )
