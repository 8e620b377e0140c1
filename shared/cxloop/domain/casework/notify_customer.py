"""Telling the customer about their case on their channel: the acknowledgement notice
open_ticket queues for a complaint or claim, sent by notify_customer."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import ConfigDict

from cxloop.domain.casework.deadlines import customer_zone
from cxloop.domain.casework.models import Ticket
from cxloop.domain.contact import messages, notices
from cxloop.domain.contact.ports import EmailSender, SmsSender
from cxloop.domain.kernel.events import Channel, Customer
from cxloop.domain.kernel.modelling import DomainModel

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
) -> tuple[Channel, str]:
    """Send it on the customer's channel; answers the channel and the provider's message id.
    The step records each send right after it (cxloop.domain.kernel.sends), so only a send
    whose answer was lost can reach the customer twice: a duplicate over none.
    With `optouts` (and `now`), the notice carries an opt-out link like every message."""
    # Imported here: open_ticket builds notices but never sends them, and need not load
    # dispatch (surveys, messages, tokens) to start; notify_customer has it loaded already.
    from cxloop.domain.contact.send_survey import choose_channel, opt_out_link  # noqa: PLC0415

    customer = notice.customer
    language = customer.language
    when = notices.local_when(notice.contact_by, language=language, timezone=notice.timezone)
    channel = choose_channel(customer)
    opt_out = opt_out_link(customer, now=now, settings=settings, optouts=optouts) if now else None
    if channel == "sms" and customer.phone:
        text = notices.acknowledgement_sms(language, settings.brand, notice.ticket_id, when)
        return channel, sms.send(to=customer.phone, text=messages.sms_with_stop(text, opt_out))
    assert customer.email, "choose_channel picks email only when there is one"
    message = notices.acknowledgement_email(language, customer.name, notice.ticket_id, when)
    message = messages.with_opt_out(message, language=language, url=opt_out)
    return channel, email.send(sender=settings.sender_address, to=customer.email, message=message)


def notice_message(notice: Notice) -> dict[str, Any]:
    return notice.model_dump(mode="json")
