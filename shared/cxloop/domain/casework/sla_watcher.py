"""The SLA watcher: remind owners of tickets close to breach, escalate breached ones.

At breach level 1 (the SLA elapsed once) the ticket escalates to the first level above
its owner (the branch manager), at level 2 to the next (the country manager), then the
executives; each escalation is an SNS alert and a line in the ticket's history. Every
alert names its own dedupe key, so a run repeated after a crash never alerts twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cxloop.domain.casework.deadlines import clock_of
from cxloop.domain.casework.history import record
from cxloop.domain.casework.models import Ticket
from cxloop.domain.casework.ports import TicketStore
from cxloop.domain.casework.push_alert import alert_request
from cxloop.domain.casework.sla import SlaClock, SlaSettings
from cxloop.domain.kernel.errors import Conflict
from cxloop.domain.kernel.queues import MessageQueue
from cxloop.domain.organisation.hierarchy import Organisation

WATCHER = "sla_watcher"
# Who hears of a breach at each level when no organisation names people.
DEFAULT_CHAIN = ("branch_manager", "country_manager", "executive")


@dataclass(frozen=True)
class Watched:
    ticket: Ticket
    alerts: list[dict[str, Any]]

    @property
    def changed(self) -> bool:
        return bool(self.alerts)


def watch_ticket(
    ticket: Ticket, *, now: datetime, sla: SlaSettings, organisation: Organisation | None
) -> Watched:
    """What the watcher does to one open ticket at `now`: nothing, a reminder, or escalations."""
    clock = clock_of(ticket, sla, now=now)
    if clock.breach_level > ticket.escalation_level:
        return _escalate(ticket, clock, now=now, organisation=organisation)
    if clock.remind and ticket.reminded_at is None:
        reminded = record(
            ticket,
            {"reminded_at": now, "due_at": clock.due_at},
            by=WATCHER,
            role="system",
            action="remind",
            now=now,
            note=f"{clock.remaining_hours:.1f} business hours left",
        )
        return Watched(reminded, [alert_request(reminded, "sla_reminder", recipients=[ticket.owner])])
    return Watched(ticket, [])


def _escalate(
    ticket: Ticket, clock: SlaClock, *, now: datetime, organisation: Organisation | None
) -> Watched:
    """One alert per breach level not yet escalated (a watcher that was down catches up)."""
    chain = escalation_levels(ticket, organisation)
    alerts = []
    for level in range(ticket.escalation_level + 1, clock.breach_level + 1):
        audience, people = chain[min(level, len(chain)) - 1]
        alerts.append(alert_request(ticket, "sla_breach", level=level, audience=audience, recipients=people))
    audience, people = chain[min(clock.breach_level, len(chain)) - 1]
    escalated = record(
        ticket,
        {"escalation_level": clock.breach_level, "due_at": clock.due_at},
        by=WATCHER,
        role="system",
        action="escalate",
        now=now,
        note=f"SLA breach level {clock.breach_level}: escalated to {audience}"
        + (f" ({', '.join(people)})" if people else ""),
    )
    return Watched(escalated, alerts)


def escalation_levels(ticket: Ticket, organisation: Organisation | None) -> list[tuple[str, list[str]]]:
    if organisation is None:
        return [(audience, []) for audience in DEFAULT_CHAIN]
    chain = organisation.escalation_chain(branch=ticket.branch)
    return [(audience, [person.id for person in people]) for audience, people in chain]


@dataclass(frozen=True)
class WatchRun:
    checked: int
    reminded: int
    escalated: int
    conflicts: int


def watch_all(
    *,
    now: datetime,
    tickets: TicketStore,
    alerts: MessageQueue,
    sla: SlaSettings,
    organisation: Organisation | None,
) -> WatchRun:
    """Every open ticket once. Alerts go out before the ticket is saved: if the save loses to
    someone's change, the next run finds the ticket again and the dedupe key keeps the alert single."""
    reminded = escalated = conflicts = 0
    found = tickets.open_tickets()
    for ticket in found:
        watched = watch_ticket(ticket, now=now, sla=sla, organisation=organisation)
        if not watched.changed:
            continue
        for alert in watched.alerts:
            alerts.send(alert, correlation_id=ticket.correlation_id)
        try:
            tickets.save(watched.ticket, expected_version=ticket.version)
        except Conflict:
            conflicts += 1
            continue
        escalated += watched.ticket.escalation_level > ticket.escalation_level
        reminded += watched.ticket.reminded_at != ticket.reminded_at
    return WatchRun(len(found), reminded, escalated, conflicts)
