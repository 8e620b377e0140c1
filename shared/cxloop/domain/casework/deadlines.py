"""A ticket's SLA clock: its due time, reminders and breach levels, from the SLA settings
of its country, counted in the customer's time zone, paused while it waits on them."""

from __future__ import annotations

from datetime import datetime

from cxloop.domain.casework.models import Ticket
from cxloop.domain.casework.sla import Pause, SlaClock, SlaSettings, due_at, sla_clock
from cxloop.domain.kernel.events import Customer


def customer_zone(customer: Customer) -> str | None:
    # The contract defaults a missing time zone to "UTC"; the country's zone is the better guess.
    return None if customer.timezone == "UTC" else customer.timezone


def pauses_of(ticket: Ticket) -> list[Pause]:
    return [(pause.start, pause.end) for pause in ticket.pauses]


def sla_hours_for(ticket: Ticket, settings: SlaSettings) -> float:
    return settings.for_country(ticket.country).hours[ticket.ticket_type]


def first_due(ticket: Ticket, settings: SlaSettings) -> datetime | None:
    """When the current SLA cycle breaches; None while the clock waits on the customer."""
    return due_at(
        settings.for_country(ticket.country),
        ticket.clock_started_at,
        sla_hours_for(ticket, settings),
        timezone=customer_zone(ticket.customer),
        pauses=pauses_of(ticket),
    )


def with_current_due(ticket: Ticket, settings: SlaSettings) -> Ticket:
    """The ticket with due_at recomputed: pauses and reopenings move it."""
    if not ticket.is_open:
        return ticket
    return ticket.model_copy(update={"due_at": first_due(ticket, settings)})


def clock_of(ticket: Ticket, settings: SlaSettings, *, now: datetime) -> SlaClock:
    return sla_clock(
        settings,
        country=ticket.country,
        ticket_type=ticket.ticket_type,
        opened_at=ticket.clock_started_at,
        now=now,
        timezone=customer_zone(ticket.customer),
        pauses=pauses_of(ticket),
    )
