"""The three kinds of case (petición / queja / reclamo), each with its own SLA hours
(casework/sla.py). Apart from the SLA settings so that a ticket's model (casework/models.py)
loads without them: a step that reads tickets but never times them (daily_digest) does not
pay for the SLA rules."""

from __future__ import annotations

from typing import Literal

TicketType = Literal["request", "complaint", "claim"]
TICKET_TYPES: tuple[TicketType, ...] = ("request", "complaint", "claim")
