"""The notice that tells a customer about their case: open_ticket builds and queues it
(casework/open_ticket.py, acknowledgement_for), notify_customer sends it
(casework/notify_customer.py). Apart from both, so that queueing one loads nothing of the
sending (contact's messages) and sending one nothing of the ticket and its SLA rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict

from cxloop.domain.kernel.events import Customer
from cxloop.domain.kernel.modelling import DomainModel


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


def notice_message(notice: Notice) -> dict[str, Any]:
    return notice.model_dump(mode="json")
