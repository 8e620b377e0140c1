"""Role scoping and ticket lists: who sees what, filters, sort orders, cursors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cxloop.domain.casework.models import Ticket
from cxloop.domain.casework.ticket_list import TicketFilter, decode_cursor, paginate
from cxloop.domain.kernel.errors import Forbidden, InvalidInput, Unauthorized
from cxloop.domain.kernel.events import Touchpoint
from cxloop.domain.organisation.access import Caller, can_see, partition_for
from tests.helpers import sample_ticket

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
MADRID = Touchpoint(id="madrid-centro/counter", branch="madrid-centro", region="madrid", country="ES")


def quito(**changes: object) -> Ticket:
    return sample_ticket(country="EC", region="pichincha", owner="ec-qn-claims-1", **changes)


def madrid(**changes: object) -> Ticket:
    return sample_ticket(
        touchpoint=MADRID,
        branch="madrid-centro",
        country="ES",
        region="madrid",
        owner="es-mc-cs-1",
        **changes,
    )


@pytest.mark.parametrize(
    ("role", "scope", "user", "sees_quito", "sees_madrid"),
    [
        ("agent", "team:quito-norte-claims", "ec-qn-claims-1", True, False),
        ("teleoperator", "all", "someone-else", False, False),
        ("branch_manager", "branch:quito-norte", "m", True, False),
        ("branch_manager", "branch:madrid-centro", "m", False, True),
        ("country_manager", "country:EC", "c", True, False),
        ("country_manager", "region:madrid", "c", False, True),
        ("executive", "all", "x", True, True),
        ("branch_manager", "", "m", False, False),
        ("branch_manager", "planet:earth", "m", False, False),
    ],
)
def test_who_sees_which_ticket(role: str, scope: str, user: str, sees_quito: bool, sees_madrid: bool) -> None:
    caller = Caller(user=user, role=role, scope=scope)
    assert (can_see(caller, quito()), can_see(caller, madrid())) == (sees_quito, sees_madrid)


def test_the_partition_read_is_the_narrowest_that_holds_the_scope() -> None:
    assert partition_for(Caller("a", "agent", "all")) == ("owner", "a")
    assert partition_for(Caller("m", "branch_manager", "branch:quito-norte")) == ("branch", "quito-norte")
    assert partition_for(Caller("c", "country_manager", "country:EC")) == ("country", "EC")
    assert partition_for(Caller("x", "executive", "branch:x")) is None
    assert partition_for(Caller("m", "branch_manager", "garbage")) == ("owner", "m")


def test_claims_without_a_subject_or_a_known_role_are_refused() -> None:
    with pytest.raises(Unauthorized):
        Caller.from_claims({"custom:role": "executive"})
    with pytest.raises(Forbidden):
        Caller.from_claims({"sub": "u", "custom:role": "admin"})
    caller = Caller.from_claims({"sub": "u", "custom:role": "agent", "custom:scope": "team:t"})
    assert (caller.user, caller.role, caller.scope) == ("u", "agent", "team:t")
    # Cognito: sub is a random UUID; custom:person is the person's id in the organisation.
    cognito = {"sub": "8a7c2f1e-0000", "custom:person": "ec-qn-claims-1", "custom:role": "agent"}
    assert Caller.from_claims(cognito).user == "ec-qn-claims-1"


def test_filters_combine_and_overdue_means_past_due_and_open() -> None:
    late = quito(ticket_id="CX-LATE", due_at=NOW - timedelta(hours=1), status="in_progress")
    done_late = quito(ticket_id="CX-DONE", due_at=NOW - timedelta(hours=1), status="resolved")
    paused = quito(ticket_id="CX-PAUSED", due_at=None, status="waiting_customer")
    on_time = madrid(ticket_id="CX-ONTIME", due_at=NOW + timedelta(hours=1), priority="medium")
    everything = [late, done_late, paused, on_time]

    def kept(wanted: TicketFilter) -> list[str]:
        return [t.ticket_id for t in everything if wanted.admits(t, now=NOW)]

    assert kept(TicketFilter(overdue=True)) == ["CX-LATE"]
    assert kept(TicketFilter(overdue=False)) == ["CX-DONE", "CX-PAUSED", "CX-ONTIME"]
    assert kept(TicketFilter(priority="medium", branch="madrid-centro")) == ["CX-ONTIME"]
    assert kept(TicketFilter(status="resolved", owner="ec-qn-claims-1")) == ["CX-DONE"]
    assert kept(TicketFilter(ticket_type="claim")) == []


def test_cursor_pages_cover_every_ticket_once_in_order_even_when_new_ones_arrive() -> None:
    tickets = [quito(ticket_id=f"CX-{n:03d}", opened_at=NOW + timedelta(minutes=n)) for n in range(7)]
    first = paginate(tickets, sort="-opened_at", limit=3, cursor=None)
    assert [t.ticket_id for t in first.items] == ["CX-006", "CX-005", "CX-004"]
    newer = [*tickets, quito(ticket_id="CX-NEW", opened_at=NOW + timedelta(hours=1))]
    second = paginate(newer, sort="-opened_at", limit=3, cursor=first.next_cursor)
    third = paginate(newer, sort="-opened_at", limit=3, cursor=second.next_cursor)
    assert [t.ticket_id for t in second.items + third.items] == ["CX-003", "CX-002", "CX-001", "CX-000"]
    assert third.next_cursor is None


def test_sort_by_due_puts_paused_tickets_last_and_priority_ranks() -> None:
    a = quito(ticket_id="CX-A", due_at=NOW + timedelta(hours=5), priority="low")
    b = quito(ticket_id="CX-B", due_at=None, priority="urgent")
    c = quito(ticket_id="CX-C", due_at=NOW + timedelta(hours=1), priority="medium")
    by_due = paginate([a, b, c], sort="due_at", limit=10, cursor=None)
    assert [t.ticket_id for t in by_due.items] == ["CX-C", "CX-A", "CX-B"]
    by_priority = paginate([a, b, c], sort="-priority", limit=2, cursor=None)
    assert [t.ticket_id for t in by_priority.items] == ["CX-B", "CX-C"]
    rest = paginate([a, b, c], sort="-priority", limit=2, cursor=by_priority.next_cursor)
    assert [t.ticket_id for t in rest.items] == ["CX-A"]


@pytest.mark.parametrize("cursor", ["not-base64!!", "bnVsbA", "WzEsMiwzXQ"])
def test_a_forged_cursor_is_a_400_naming_the_cursor(cursor: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        decode_cursor(cursor)
    assert refused.value.details[0].field == "cursor"


def test_a_cursor_of_another_sort_order_is_refused() -> None:
    tickets = [quito(ticket_id=f"CX-{n}", opened_at=NOW + timedelta(minutes=n)) for n in range(3)]
    by_priority = paginate(tickets, sort="-priority", limit=1, cursor=None)
    with pytest.raises(InvalidInput):
        paginate(tickets, sort="-opened_at", limit=1, cursor=by_priority.next_cursor)
