"""Working a ticket: the lifecycle state machine, its actions, and the audit history.

new → assigned → in_progress → waiting_customer → resolved → closed, with reopen.
Each action is checked against the state machine (an illegal one raises
InvalidTransition, answered 409), applied to a copy of the ticket, and recorded in
its history with who, when, and every changed field before and after. The SLA
clock pauses while the ticket waits on the customer (`pauses`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, ConfigDict, Field, StringConstraints, field_validator

from cxloop.domain.casework.history import record
from cxloop.domain.casework.models import (
    OPEN_STATUSES,
    CallOutcome,
    ContactAttempt,
    Pause,
    Resolution,
    Ticket,
    TicketStatus,
)
from cxloop.domain.kernel.errors import FieldProblem, Forbidden, InvalidInput, InvalidTransition
from cxloop.domain.kernel.modelling import DomainModel, stripped_text_schema

Note = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=4000),
    stripped_text_schema(min_length=1, max_length=4000),
]
ShortText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    stripped_text_schema(min_length=1, max_length=200),
]

WORKING: frozenset[TicketStatus] = frozenset(OPEN_STATUSES)
MANAGERS = frozenset({"branch_manager", "country_manager", "executive"})


class _Action(DomainModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Assign(_Action):
    action: Literal["assign"]
    to: ShortText = Field(description="The person id who will own the ticket")
    note: Note | None = None


class LogCall(_Action):
    action: Literal["log_call"]
    outcome: CallOutcome
    note: Note | None = None


class ScheduleCallback(_Action):
    action: Literal["schedule_callback"]
    at: AwareDatetime = Field(description="When the customer asked to be called, with its UTC offset")

    @field_validator("at")
    @classmethod
    def _in_utc(cls, at: datetime) -> datetime:
        # Stored and compared in UTC, like every other instant on the ticket.
        return at.astimezone(UTC)

    note: Note | None = None


class Resolve(_Action):
    action: Literal["resolve"]
    root_cause: ShortText
    action_taken: Note
    note: Note | None = None


class Close(_Action):
    action: Literal["close"]
    note: Note | None = None


class Reopen(_Action):
    action: Literal["reopen"]
    reason: Note


class Comment(_Action):
    action: Literal["comment"]
    text: Note


TicketAction = Annotated[
    Assign | LogCall | ScheduleCallback | Resolve | Close | Reopen | Comment,
    Field(discriminator="action"),
]

# Which statuses each action may start from.
ALLOWED_FROM: dict[str, frozenset[TicketStatus]] = {
    "assign": WORKING,
    "log_call": WORKING,
    "schedule_callback": WORKING,
    "resolve": frozenset({"assigned", "in_progress", "waiting_customer"}),
    "close": frozenset({"resolved"}),
    "reopen": frozenset({"resolved", "closed"}),
    "comment": frozenset({*WORKING, "resolved", "closed"}),
}


def apply_action(
    ticket: Ticket,
    action: Any,
    *,
    by: str,
    role: str,
    now: datetime,
    is_assignable: Callable[[str], bool] = lambda _person: True,
) -> Ticket:
    """The ticket after `action`, with a history entry; raises when the action is not allowed."""
    if ticket.status not in ALLOWED_FROM[action.action]:
        raise InvalidTransition(
            f"cannot {action.action} a ticket that is {ticket.status}",
            current=ticket.status,
            allowed=sorted(ALLOWED_FROM[action.action]),
        )
    changes, note = _EFFECTS[action.action](ticket, action, _Actor(by, role, now, is_assignable))
    return record(ticket, changes, by=by, role=role, action=action.action, now=now, note=note)


Effect = tuple[dict[str, Any], str | None]


@dataclass(frozen=True)
class _Actor:
    by: str
    role: str
    now: datetime
    may_own: Callable[[str], bool]


def _assign(ticket: Ticket, action: Assign, actor: _Actor) -> Effect:
    if actor.role not in MANAGERS:
        raise Forbidden("only managers and executives assign tickets")
    if not actor.may_own(action.to):
        raise InvalidInput("no such person to assign", [FieldProblem("to", f"unknown person {action.to!r}")])
    return {"owner": action.to, "status": "assigned", **_resume(ticket, actor.now)}, action.note


def _log_call(ticket: Ticket, action: LogCall, actor: _Actor) -> Effect:
    now = actor.now
    attempt = ContactAttempt(at=now, by=actor.by, outcome=action.outcome, note=action.note)
    changes: dict[str, Any] = {
        "attempts": (*ticket.attempts, attempt),
        "first_contact_at": ticket.first_contact_at or now,
    }
    if action.outcome == "awaiting_customer":
        changes |= {"status": "waiting_customer", "pauses": _paused(ticket, now, until=None)}
    elif action.outcome == "reached":
        changes |= {"status": "in_progress", "callback_at": None, **_resume(ticket, now)}
    elif ticket.status == "new":
        changes["status"] = "assigned" if not ticket.owner.startswith("team:") else "new"
    return changes, f"call: {action.outcome}" + (f" — {action.note}" if action.note else "")


def _schedule_callback(ticket: Ticket, action: ScheduleCallback, actor: _Actor) -> Effect:
    now = actor.now
    if action.at <= now:
        raise InvalidInput(
            "the call-back must be in the future", [FieldProblem("at", "is not in the future")]
        )
    # The customer chose the time: the clock waits for them until then.
    resumed = _resume(ticket, now)
    base = ticket.model_copy(update=resumed) if resumed else ticket
    return {
        "status": "waiting_customer",
        "callback_at": action.at,
        "pauses": _paused(base, now, until=action.at),
    }, action.note


def _resolve(ticket: Ticket, action: Resolve, actor: _Actor) -> Effect:
    resolution = Resolution(
        root_cause=action.root_cause, action_taken=action.action_taken, at=actor.now, by=actor.by
    )
    return {"status": "resolved", "resolution": resolution, **_resume(ticket, actor.now)}, action.note


def _close(_ticket: Ticket, action: Close, actor: _Actor) -> Effect:
    return {"status": "closed", "closed_at": actor.now}, action.note


def _reopen(ticket: Ticket, action: Reopen, actor: _Actor) -> Effect:
    now = actor.now
    # A reopened case starts a new SLA cycle: its own clock, no pauses, no escalation yet.
    return {
        "status": "assigned" if not ticket.owner.startswith("team:") else "new",
        "resolution": None,
        "closed_at": None,
        "reopen_count": ticket.reopen_count + 1,
        "sla_started_at": now,
        "pauses": (),
        "escalation_level": 0,
        "reminded_at": None,
    }, action.reason


def _comment(_ticket: Ticket, action: Comment, _actor: _Actor) -> Effect:
    return {}, action.text


_EFFECTS: dict[str, Callable[..., Effect]] = {
    "assign": _assign,
    "log_call": _log_call,
    "schedule_callback": _schedule_callback,
    "resolve": _resolve,
    "close": _close,
    "reopen": _reopen,
    "comment": _comment,
}


def _paused(ticket: Ticket, now: datetime, *, until: datetime | None) -> tuple[Pause, ...]:
    return (*ticket.pauses, Pause(start=now, end=until))


def _resume(ticket: Ticket, now: datetime) -> dict[str, Any]:
    """Close an open-ended pause (waiting on the customer ends when we act again)."""
    if not ticket.pauses or ticket.pauses[-1].end is not None:
        return {}
    closed = ticket.pauses[-1].model_copy(update={"end": now})
    return {"pauses": (*ticket.pauses[:-1], closed)}
