"""Telling the customer about their case on their channel: the acknowledgement notice
open_ticket queues for a complaint or claim, sent by notify_customer."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from pydantic import ConfigDict

from cxloop.domain.casework.deadlines import customer_zone
from cxloop.domain.casework.models import Ticket
from cxloop.domain.contact import messages, notices
from cxloop.domain.contact.ports import EmailSender, SmsSender
from cxloop.domain.kernel.events import Channel, Customer
from cxloop.domain.kernel.modelling import DomainModel
from cxloop.domain.kernel.sends import NOT_RECORDED, Outbound, SendLog, StagedWrite, send_once

if TYPE_CHECKING:  # annotations only: notify_customer sends notices without loading the SLA rules
    from cxloop.domain.casework.sla import SlaSettings
    from cxloop.domain.contact.opt_out import OptOutLinkStore
    from cxloop.domain.contact.send_survey import SendSettings

ACKNOWLEDGED_TYPES = frozenset({"complaint", "claim"})


class Notice(DomainModel):
    """What notify_customer needs, and nothing more: its id is the idempotency key."""

    model_config = ConfigDict(frozen=True)

    notice_id: str
    kind: str
    ticket_id: str
    correlation_id: str
    customer: Customer
    contact_by: datetime
    timezone: str


def acknowledgement_for(ticket: Ticket, sla: SlaSettings) -> Notice | None:
    """A notice for a complaint or claim with a due time; None for requests, and for an
    anonymous answer (a QR code at a counter): there is nobody to tell."""
    if ticket.ticket_type not in ACKNOWLEDGED_TYPES or ticket.due_at is None or ticket.customer.anonymous:
        return None
    zone = customer_zone(ticket.customer) or sla.for_country(ticket.country).timezone
    return Notice(
        notice_id=f"{ticket.ticket_id}:acknowledgement",
        kind="acknowledgement",
        ticket_id=ticket.ticket_id,
        correlation_id=ticket.correlation_id,
        customer=ticket.customer,
        contact_by=ticket.due_at,
        timezone=zone,
    )


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
    # Imported here: open_ticket builds notices but never sends them, and need not load
    # dispatch (surveys, messages, tokens) to start; notify_customer has it loaded already.
    from cxloop.domain.contact.send_survey import choose_channel, fresh_opt_out  # noqa: PLC0415

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


def notice_message(notice: Notice) -> dict[str, Any]:
    return notice.model_dump(mode="json")
