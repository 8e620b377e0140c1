"""A case and what happens to it: the ticket with its history, calls and resolution, and the alerts it
raises."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict

from cxloop.domain.casework.ticket_types import (
    TicketType,  # petición / queja / reclamo, each with its own SLA
)
from cxloop.domain.feedback.models import Priority
from cxloop.domain.kernel.events import Customer, Touchpoint
from cxloop.domain.kernel.modelling import DomainModel
from cxloop.domain.surveys.scoring import Score

Severity = Literal["info", "warning", "critical"]
TicketStatus = Literal["new", "assigned", "in_progress", "waiting_customer", "resolved", "closed"]
TICKET_STATUSES: tuple[TicketStatus, ...] = (
    "new",
    "assigned",
    "in_progress",
    "waiting_customer",
    "resolved",
    "closed",
)
FINISHED_STATUSES: tuple[TicketStatus, ...] = ("resolved", "closed")
OPEN_STATUSES = tuple(status for status in TICKET_STATUSES if status not in FINISHED_STATUSES)
CallOutcome = Literal["reached", "no_answer", "voicemail", "wrong_number", "awaiting_customer"]
AlertKind = Literal[
    "detractor", "new_ticket", "sla_reminder", "sla_breach", "follow_up_unhappy", "digest", "metric_drop"
]
FollowUpOutcome = Literal["recovered", "neutral", "unhappy"]


class HistoryEntry(DomainModel):
    """One change to a ticket: who, when, what, and each changed field before and after."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    by: str
    role: str
    action: str
    changes: dict[str, tuple[object, object]] = {}
    note: str | None = None


class ContactAttempt(DomainModel):
    model_config = ConfigDict(frozen=True)

    at: datetime
    by: str
    outcome: CallOutcome
    note: str | None = None


class Resolution(DomainModel):
    model_config = ConfigDict(frozen=True)

    root_cause: str
    action_taken: str
    at: datetime
    by: str


class FollowUp(DomainModel):
    """The customer's answer to "was it solved?" after resolution."""

    model_config = ConfigDict(frozen=True)

    answered_at: datetime
    solved: bool | None = None
    csat: int | None = None
    # recovered: solved and satisfied; unhappy: not solved or dissatisfied (the ticket reopens).
    outcome: FollowUpOutcome


class Pause(DomainModel):
    """The SLA clock stops while the ticket waits on the customer; end None = still waiting."""

    model_config = ConfigDict(frozen=True)

    start: datetime
    end: datetime | None = None


class Ticket(DomainModel):
    model_config = ConfigDict(frozen=True)

    ticket_id: str
    response_id: str
    interaction_id: str
    correlation_id: str
    status: TicketStatus = "new"
    ticket_type: TicketType = "complaint"
    classification: str = ""
    priority: Priority
    # A person's id once assigned; "team:<id>" while only a team owns it.
    owner: str
    team: str | None = None
    routed_by: str = ""
    rule: str
    reason: str
    event_type: str
    customer: Customer
    touchpoint: Touchpoint
    branch: str
    score: Score
    comment: str | None = None
    answered_at: datetime
    opened_at: datetime
    due_at: datetime | None
    country: str | None = None
    region: str | None = None
    sla_hours: float | None = None
    # When the current SLA cycle started: opened_at, or the last reopening.
    sla_started_at: datetime | None = None
    pauses: tuple[Pause, ...] = ()
    escalation_level: int = 0
    reminded_at: datetime | None = None
    callback_at: datetime | None = None
    # When the customer said in the survey they would like the call (morning, afternoon, evening).
    callback_window: str | None = None
    attempts: tuple[ContactAttempt, ...] = ()
    first_contact_at: datetime | None = None
    resolution: Resolution | None = None
    closed_at: datetime | None = None
    reopen_count: int = 0
    follow_up: FollowUp | None = None
    history: tuple[HistoryEntry, ...] = ()
    # Optimistic concurrency: every stored change bumps it, conditioned on the value read.
    version: int = 0
    updated_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status not in FINISHED_STATUSES

    @property
    def clock_started_at(self) -> datetime:
        return self.sla_started_at or self.opened_at


def is_overdue(ticket: Ticket, *, now: datetime) -> bool:
    return ticket.is_open and ticket.due_at is not None and ticket.due_at < now


class Alert(DomainModel):
    model_config = ConfigDict(frozen=True)

    alert_id: str
    kind: AlertKind
    severity: Severity
    ticket_id: str
    correlation_id: str
    subject: str
    message: str
    country: str
    region: str
    branch: str
    # Who it is for (owner, branch_manager, country_manager, executive) and the breach level.
    audience: str = "owner"
    level: int = 0
    answered_at: datetime
    # One person it is for (a manager's digest), so a subscription can filter on them; None for
    # per-ticket alerts, which go to an audience.
    recipient: str | None = None
