"""customer.opted_out and customer.erased: the customer's id (the ERP's pseudonymous key) and what
happened, so a CRM can stop writing to them or erase its own copy. An address appears only for
subscriptions that include personal data (a bounced or STOP-replying address has no customer id)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from cxloop.domain.integrations.announcements import message_id_for
from cxloop.domain.integrations.models import Announcement


def customer_opted_out(customer_id: str, *, via: str, at: datetime) -> Announcement:
    return Announcement(
        message_id=message_id_for("customer.opted_out", customer_id),
        type="customer.opted_out",
        timestamp=at,
        data={"customer": {"id": customer_id}, "via": via, "opted_out_at": at.isoformat()},
    )


def address_suppressed(channel: str, reason: str, address: str, *, key: str, at: datetime) -> Announcement:
    """An address that bounced, complained or replied STOP: no customer id is known, only the
    address (personal data) and the suppression list's key for it."""
    return Announcement(
        message_id=message_id_for("customer.opted_out", f"{channel}:{key}:{reason}"),
        type="customer.opted_out",
        timestamp=at,
        data={"customer": {}, "channel": channel, "reason": reason, "opted_out_at": at.isoformat()},
        personal={"customer": {"email" if channel == "email" else "phone": address}},
    )


def customer_erased(customer_id: str, *, erased: Mapping[str, int], at: datetime) -> Announcement:
    """The same webhook-id for a repeated erasure: receivers erase once."""
    return Announcement(
        message_id=message_id_for("customer.erased", customer_id),
        type="customer.erased",
        timestamp=at,
        data={"customer": {"id": customer_id}, "erased": dict(erased), "erased_at": at.isoformat()},
    )
