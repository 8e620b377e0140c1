"""The ticket lifecycle: every valid and invalid transition, the audit history, the SLA
pauses while waiting on the customer, and who may assign."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from cxloop.domain.casework.lifecycle import ALLOWED_FROM, TicketAction, apply_action
from cxloop.domain.casework.models import TICKET_STATUSES, Ticket
from cxloop.domain.kernel.errors import Forbidden, InvalidInput, InvalidTransition
from tests.helpers import sample_ticket

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
ACTIONS: dict[str, dict[str, Any]] = {
    "assign": {"action": "assign", "to": "ec-qn-claims-2"},
    "log_call": {"action": "log_call", "outcome": "reached"},
    "schedule_callback": {"action": "schedule_callback", "at": "2026-11-25T10:00:00-05:00"},
    "resolve": {"action": "resolve", "root_cause": "adjuster late", "action_taken": "visit rebooked"},
    "close": {"action": "close"},
    "reopen": {"action": "reopen", "reason": "customer called again"},
    "comment": {"action": "comment", "text": "internal note"},
}
# status reached after each action from a status it is allowed from (None: unchanged)
EXPECTED_AFTER = {
    "assign": "assigned",
    "log_call": "in_progress",
    "schedule_callback": "waiting_customer",
    "resolve": "resolved",
    "close": "closed",
    "reopen": "assigned",
    "comment": None,
}


def parsed(body: dict[str, Any]) -> Any:
    return TypeAdapter(TicketAction).validate_python(body)


def ticket_in(status: str, **changes: Any) -> Ticket:
    return sample_ticket(**({"status": status, "owner": "ec-qn-claims-1"} | changes))


def act(ticket: Ticket, name: str, *, role: str = "branch_manager", **extra: Any) -> Ticket:
    return apply_action(ticket, parsed(ACTIONS[name] | extra), by="ec-qn-manager", role=role, now=NOW)


@pytest.mark.parametrize("status", TICKET_STATUSES)
@pytest.mark.parametrize("name", list(ACTIONS))
def test_every_action_from_every_status(status: str, name: str) -> None:
    ticket = ticket_in(status)
    if status not in ALLOWED_FROM[name]:
        with pytest.raises(InvalidTransition) as refused:
            act(ticket, name)
        assert refused.value.code == "invalid_transition"
        assert status in refused.value.details[0].problem
        return
    after = act(ticket, name)
    assert after.status == (EXPECTED_AFTER[name] or status)
    entry = after.history[-1]
    assert (entry.action, entry.by, entry.role, entry.at) == (name, "ec-qn-manager", "branch_manager", NOW)
    if EXPECTED_AFTER[name] and EXPECTED_AFTER[name] != status:
        assert entry.changes["status"] == (status, EXPECTED_AFTER[name])


def test_the_state_machine_in_words() -> None:
    assert ALLOWED_FROM["close"] == {"resolved"}
    assert ALLOWED_FROM["reopen"] == {"resolved", "closed"}
    assert "new" not in ALLOWED_FROM["resolve"]
    assert {"resolved", "closed"}.isdisjoint(ALLOWED_FROM["log_call"] | ALLOWED_FROM["assign"])


def test_resolving_needs_a_root_cause_and_the_action_taken() -> None:
    for missing in ("root_cause", "action_taken"):
        body = {k: v for k, v in ACTIONS["resolve"].items() if k != missing}
        with pytest.raises(ValidationError) as refused:
            parsed(body)
        assert missing in str(refused.value)
    with pytest.raises(ValidationError):
        parsed(ACTIONS["resolve"] | {"root_cause": "   "})
    resolved = act(ticket_in("in_progress"), "resolve")
    assert resolved.resolution is not None
    assert (resolved.resolution.root_cause, resolved.resolution.by) == ("adjuster late", "ec-qn-manager")


def test_an_unknown_action_or_extra_field_is_refused() -> None:
    with pytest.raises(ValidationError):
        parsed({"action": "escalate"})
    with pytest.raises(ValidationError):
        parsed(ACTIONS["close"] | {"force": True})


def test_only_managers_assign_and_only_to_someone_who_may_own_it() -> None:
    with pytest.raises(Forbidden):
        act(ticket_in("assigned"), "assign", role="agent")
    with pytest.raises(InvalidInput) as refused:
        apply_action(
            ticket_in("assigned"),
            parsed(ACTIONS["assign"]),
            by="m",
            role="executive",
            now=NOW,
            is_assignable=lambda person: False,
        )
    assert refused.value.details[0].field == "to"
    moved = act(ticket_in("new", owner="team:quito-norte-claims"), "assign")
    assert (moved.owner, moved.status) == ("ec-qn-claims-2", "assigned")
    assert moved.history[-1].changes["owner"] == ("team:quito-norte-claims", "ec-qn-claims-2")


def test_calls_are_logged_with_their_outcome_and_the_first_contact_kept() -> None:
    first = act(ticket_in("assigned"), "log_call", outcome="no_answer")
    assert (first.status, first.first_contact_at, len(first.attempts)) == ("assigned", NOW, 1)
    later = apply_action(
        first, parsed(ACTIONS["log_call"]), by="agent-1", role="agent", now=NOW + timedelta(hours=2)
    )
    assert later.status == "in_progress" and later.first_contact_at == NOW
    assert [a.outcome for a in later.attempts] == ["no_answer", "reached"]
    assert later.history[-1].note == "call: reached"


def test_waiting_on_the_customer_pauses_the_clock_until_we_act_again() -> None:
    waiting = act(ticket_in("in_progress"), "log_call", outcome="awaiting_customer")
    assert waiting.status == "waiting_customer"
    assert [(p.start, p.end) for p in waiting.pauses] == [(NOW, None)]
    resumed = apply_action(
        waiting, parsed(ACTIONS["log_call"]), by="agent-1", role="agent", now=NOW + timedelta(hours=3)
    )
    assert [(p.start, p.end) for p in resumed.pauses] == [(NOW, NOW + timedelta(hours=3))]


def test_a_callback_waits_for_the_time_the_customer_chose_and_must_be_in_the_future() -> None:
    scheduled = act(ticket_in("assigned"), "schedule_callback")
    at = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    assert (scheduled.status, scheduled.callback_at) == ("waiting_customer", at)
    assert [(p.start, p.end) for p in scheduled.pauses] == [(NOW, at)]
    with pytest.raises(InvalidInput) as refused:
        act(ticket_in("assigned"), "schedule_callback", at="2026-11-24T09:00:00+00:00")
    assert refused.value.details[0].field == "at"
    with pytest.raises(ValidationError):  # no offset: the time is ambiguous
        parsed(ACTIONS["schedule_callback"] | {"at": "2026-11-25T10:00:00"})


def test_reopening_starts_a_new_sla_cycle() -> None:
    closed = ticket_in("closed", escalation_level=2, reopen_count=1)
    reopened = act(closed, "reopen")
    assert (reopened.status, reopened.reopen_count, reopened.escalation_level) == ("assigned", 2, 0)
    assert reopened.sla_started_at == NOW and reopened.resolution is None and reopened.closed_at is None
    assert reopened.history[-1].note == "customer called again"


def test_a_comment_changes_nothing_but_the_history() -> None:
    ticket = ticket_in("in_progress")
    after = act(ticket, "comment")
    assert after.model_dump(exclude={"history", "updated_at"}) == ticket.model_dump(
        exclude={"history", "updated_at"}
    )
    assert (after.history[-1].changes, after.history[-1].note) == ({}, "internal note")
