"""The health report, every figure computed by hand from a small set of tickets.

The calendar is the default one unless a test says otherwise: Monday to Friday, 09:00-18:00
UTC, no holidays (customers in "UTC" so the country's zone applies). November 2026 starts on
a Sunday: Monday 16, Friday 13 and 20, Thursday 19.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest

from cxloop.domain.casework.models import FollowUp, Resolution, Ticket
from cxloop.domain.casework.sla import CountrySla, SlaSettings
from cxloop.domain.insights.health import (
    HealthReport,
    HealthRow,
    health_report,
    nearest_rank,
    visible_tickets,
)
from cxloop.domain.insights.periods import Period, period_between
from cxloop.domain.kernel.errors import InvalidInput
from cxloop.domain.kernel.events import Touchpoint
from cxloop.domain.organisation.access import Caller
from cxloop.domain.surveys.scoring import score_answers
from tests.helpers import sample_ticket

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # Friday noon
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 20))
PLAIN = SlaSettings()  # 09:00-18:00 UTC, Monday to Friday
SOUTH = Touchpoint(id="madrid-centro/counter", branch="madrid-centro", region="madrid", country="ES")


def at(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def ticket(
    ticket_id: str,
    opened: datetime,
    *,
    contacted: datetime | None = None,
    resolved: datetime | None = None,
    due: datetime | None = None,
    follow_up: str | None = None,
    nps: int = 1,
    timezone: str = "UTC",
    **changes: Any,
) -> Ticket:
    """A Quito ticket by default, its customer in UTC so the country's calendar applies."""
    base = sample_ticket()
    fields: dict[str, Any] = {
        "ticket_id": ticket_id,
        "opened_at": opened,
        "first_contact_at": contacted,
        "due_at": due,
        "score": score_answers({"nps": nps}),
        "customer": base.customer.model_copy(update={"timezone": timezone}),
        "owner": "agent-a",
        "team": "claims",
        "status": "in_progress" if contacted else "new",
    }
    if resolved is not None:
        fields["status"] = "resolved"
        fields["resolution"] = Resolution(root_cause="x", action_taken="y", at=resolved, by="agent-a")
    if follow_up is not None:
        fields["follow_up"] = FollowUp(
            answered_at=(resolved or opened) + timedelta(days=1), outcome=follow_up
        )
    return sample_ticket(**(fields | changes))


def south(ticket_id: str, opened: datetime, **changes: Any) -> Ticket:
    return ticket(
        ticket_id,
        opened,
        touchpoint=SOUTH,
        branch="madrid-centro",
        country="ES",
        region="madrid",
        owner="agent-s",
        team=None,
        **changes,
    )


def fixture_tickets() -> list[Ticket]:
    return [
        # A: called after 1 h; resolved an hour late; the detractor is recovered.
        ticket(
            "A", at(16, 9), contacted=at(16, 10), resolved=at(17, 10), due=at(17, 9), follow_up="recovered"
        ),
        # B: opened Monday 16:00, called Tuesday 10:00: 18 h elapsed, 2 + 1 = 3 business hours.
        # Resolved on time, reopened, resolved again; the follow-up is unhappy.
        ticket(
            "B",
            at(16, 16),
            contacted=at(17, 10),
            resolved=at(18, 12),
            due=at(19, 9),
            follow_up="unhappy",
            reopen_count=1,
            owner="agent-b",
        ),
        # C: opened Friday 17:00, called Monday 12:00: 67 h elapsed, 1 + 3 = exactly 4 business
        # hours (on target). Reopened and open again, overdue since Monday 17:00.
        ticket("C", at(13, 17), contacted=at(16, 12), due=at(16, 17), reopen_count=1, team="motor"),
        # D: never called; 9 + 3 = 12 business hours have passed by now: a miss. Due tomorrow.
        ticket("D", at(19, 8), due=at(21, 9), nps=7),
        # E: never called, but only 2 business hours old: not yet decided.
        ticket("E", at(20, 10), due=at(23, 10)),
        # F: opened before the period, still open and overdue: backlog only.
        ticket("F", at(20, 12, month=10), due=at(22, 12, month=10)),
        # G (Madrid): called after 6 h (a miss); resolved while the clock waited on the
        # customer (no due time: not a breach), closed; the follow-up is neutral.
        south("G", at(3, 9), contacted=at(3, 15), resolved=at(4, 9), follow_up="neutral", status="closed"),
        # H (Madrid): opened and resolved before the period: in no figure at all.
        south("H", at(5, 9, month=10), contacted=at(5, 10, month=10), resolved=at(6, 9, month=10)),
    ]


def report(group: str = "branch", tickets: list[Ticket] | None = None, **options: Any) -> HealthReport:
    chosen = fixture_tickets() if tickets is None else tickets
    settings = {"period": NOVEMBER, "now": NOW, "sla": PLAIN} | options
    return health_report(chosen, group=group, **settings)  # type: ignore[arg-type]


def row(found: HealthReport, key: str | None) -> HealthRow:
    return next(r for r in found.rows if r.key == key)


def rate(numerator: int, denominator: int, value: float | None) -> dict[str, Any]:
    return {"rate": value, "numerator": numerator, "denominator": denominator}


# --- the figures -------------------------------------------------------------------------------


def test_one_branch_every_figure() -> None:
    north = row(report(), "quito-norte").to_json()
    assert north["opened"] == 5  # A-E; F and H opened in October
    assert north["first_contact"] == {
        "contacted": 3,
        "median_hours": 18.0,  # of 1, 18, 67
        "p90_hours": 67.0,  # nearest rank: the 3rd of 3
        "target_business_hours": 4.0,
        "within_target": rate(3, 4, 0.75),  # A, B, C on target; D missed; E undecided
    }
    assert north["sla"] == {"on_time": rate(1, 2, 0.5), "open_overdue": 2}  # B of A, B; C and F
    assert north["recovery"] == rate(1, 2, 0.5)  # A of A, B
    assert north["reopen"] == rate(2, 3, 0.6667)  # B, C of A, B, C
    # Open: E 2 h = 0.0833 d, D 28 h = 1.1667 d, C 6 d 19 h = 6.7917 d, F 31 d.
    assert north["backlog"] == {
        "open": 4,
        "median_age_days": 3.98,  # (1.1667 + 6.7917) / 2
        "max_age_days": 31.0,
        "older_than_7_days": 1,
    }


def test_a_branch_with_one_ticket_has_zero_rates_not_nulls() -> None:
    madrid = row(report(), "madrid-centro").to_json()
    assert madrid["opened"] == 1
    assert madrid["first_contact"]["contacted"] == 1
    assert (madrid["first_contact"]["median_hours"], madrid["first_contact"]["p90_hours"]) == (6.0, 6.0)
    assert madrid["first_contact"]["within_target"] == rate(0, 1, 0.0)
    assert madrid["sla"] == {"on_time": rate(1, 1, 1.0), "open_overdue": 0}
    assert madrid["recovery"] == rate(0, 1, 0.0)
    assert madrid["reopen"] == rate(0, 1, 0.0)
    assert madrid["backlog"] == {
        "open": 0,
        "median_age_days": None,
        "max_age_days": None,
        "older_than_7_days": 0,
    }


def test_the_total_is_computed_over_every_ticket_not_averaged_from_rows() -> None:
    total = report().total.to_json()
    assert total["key"] is None
    assert total["opened"] == 6
    assert total["first_contact"] == {
        "contacted": 4,
        "median_hours": 12.0,  # of 1, 6, 18, 67
        "p90_hours": 67.0,  # nearest rank: ceil(3.6) = the 4th of 4
        "target_business_hours": 4.0,
        "within_target": rate(3, 5, 0.6),
    }
    assert total["sla"] == {"on_time": rate(2, 3, 0.6667), "open_overdue": 2}
    assert total["recovery"] == rate(1, 3, 0.3333)
    assert total["reopen"] == rate(2, 4, 0.5)
    assert total["backlog"]["open"] == 4 and total["backlog"]["max_age_days"] == 31.0


def test_no_tickets_gives_no_rows_and_null_rates() -> None:
    empty = report(tickets=[]).to_json()
    assert empty["rows"] == []
    total = empty["total"]
    assert total["opened"] == 0
    assert total["first_contact"]["within_target"] == rate(0, 0, None)
    assert total["first_contact"]["median_hours"] is None and total["first_contact"]["p90_hours"] is None
    assert total["sla"]["on_time"] == rate(0, 0, None)
    assert total["recovery"] == rate(0, 0, None)
    assert total["reopen"] == rate(0, 0, None)
    assert total["backlog"]["median_age_days"] is None


def test_recovery_counts_only_detractors_who_answered_the_follow_up() -> None:
    answered_promoter = ticket("P", at(16, 9), resolved=at(16, 12), follow_up="recovered", nps=10)
    silent_detractor = ticket("S", at(16, 9), resolved=at(16, 12))
    assert report(tickets=[answered_promoter, silent_detractor]).total.recovery.value is None
    unhappy_detractor = ticket("U", at(16, 9), resolved=at(16, 12), follow_up="unhappy")
    found = report(tickets=[answered_promoter, silent_detractor, unhappy_detractor]).total.recovery
    assert (found.numerator, found.denominator, found.value) == (0, 1, 0.0)


def test_resolved_on_the_due_minute_is_on_time() -> None:
    exact = ticket("X", at(16, 9), resolved=at(17, 9), due=at(17, 9))
    a_minute_late = ticket("Y", at(16, 9), resolved=at(17, 9) + timedelta(minutes=1), due=at(17, 9))
    on_time = report(tickets=[exact, a_minute_late]).total.sla.on_time
    assert (on_time.numerator, on_time.denominator) == (1, 2)


# --- grouping --------------------------------------------------------------------------------


def test_rows_are_one_per_branch_sorted() -> None:
    assert [r.key for r in report().rows] == ["madrid-centro", "quito-norte"]


def test_rows_per_owner() -> None:
    found = report("owner")
    assert [r.key for r in found.rows] == ["agent-a", "agent-b", "agent-s"]
    assert row(found, "agent-a").opened == 4  # A, C, D, E
    assert row(found, "agent-b").opened == 1
    assert row(found, "agent-b").reopen.value == 1.0
    assert row(found, "agent-a").backlog.open == 4  # C, D, E and F


def test_rows_per_team_put_tickets_without_a_team_last() -> None:
    found = report("team")
    assert [r.key for r in found.rows] == ["claims", "motor", None]
    assert row(found, "motor").opened == 1  # C
    assert row(found, "motor").sla.open_overdue == 1
    assert row(found, None).opened == 1  # G, Madrid's, has no team
    assert row(found, "claims").opened == 4


def test_a_group_appears_for_its_backlog_alone() -> None:
    old_and_open = ticket("F", at(20, 12, month=10), branch="guayaquil-centro")
    found = report(tickets=[old_and_open])
    (only,) = found.rows
    assert (only.key, only.opened, only.backlog.open, only.backlog.older_than_7_days) == (
        "guayaquil-centro",
        0,
        1,
        1,
    )


def test_to_json_shape() -> None:
    document = report("owner").to_json()
    assert list(document) == ["group", "from", "to", "rows", "total"]
    assert (document["group"], document["from"], document["to"]) == ("owner", "2026-11-01", "2026-11-20")
    assert list(document["rows"][0]) == [
        "key",
        "opened",
        "first_contact",
        "sla",
        "recovery",
        "reopen",
        "backlog",
    ]


# --- business hours: the country's calendar in the customer's time zone ------------------------


def test_first_contact_target_uses_the_customer_zone_then_the_country_zone() -> None:
    ecuador = CountrySla(timezone="America/Guayaquil")  # 09:00-18:00 there = 14:00-23:00 UTC
    settings = SlaSettings(countries={"EC": ecuador})
    # Opened Monday 14:00 UTC, called 18:30 UTC.
    opened, called = at(16, 14), at(16, 18) + timedelta(minutes=30)
    by_country_zone = ticket("T1", opened, contacted=called, country="EC")  # 09:00-13:30 there: 4.5 h
    by_customer_zone = ticket("T2", opened, contacted=called, country=None, timezone="America/Guayaquil")
    plain_utc = ticket("T3", opened, contacted=called, country=None)  # 14:00-18:00 UTC: 4 h
    tickets = [by_country_zone, by_customer_zone, plain_utc]
    within = report(tickets=tickets, sla=settings).total.first_contact.within_target
    assert (within.numerator, within.denominator) == (1, 3)


def test_holidays_and_weekends_do_not_count_towards_the_first_contact_target() -> None:
    settings = SlaSettings(default=CountrySla(holidays=frozenset({date(2026, 11, 16)})))
    # Opened Friday 16:00, called Tuesday 11:00: Friday 2 h + Monday (a holiday) 0 + Tuesday 2 h.
    friday = ticket("W", at(13, 16), contacted=at(17, 11))
    assert report(tickets=[friday], sla=settings).total.first_contact.within_target.value == 1.0
    assert report(tickets=[friday]).total.first_contact.within_target.value == 0.0  # Monday counts: 13 h


def test_an_uncalled_ticket_is_a_miss_once_its_target_has_passed() -> None:
    waiting = ticket("N", at(20, 9))  # Friday 09:00, never called
    assert report(tickets=[waiting], now=at(20, 13)).total.first_contact.within_target.denominator == 0
    missed = report(tickets=[waiting], now=at(20, 13) + timedelta(minutes=1)).total.first_contact
    assert (missed.within_target.numerator, missed.within_target.denominator) == (0, 1)


# --- the period ------------------------------------------------------------------------------


def test_the_period_includes_both_whole_utc_days() -> None:
    period = Period(date(2026, 11, 1), date(2026, 11, 30))
    assert period.contains(datetime(2026, 11, 1, 0, 0, tzinfo=UTC))
    assert period.contains(datetime.combine(date(2026, 11, 30), time.max, tzinfo=UTC))
    assert not period.contains(datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    assert not period.contains(datetime(2026, 10, 31, 23, 59, tzinfo=UTC))
    # 01:00 in UTC+05:00 on 1 November is still 31 October in UTC.
    assert not period.contains(datetime(2026, 11, 1, 1, 0, tzinfo=timezone(timedelta(hours=5))))


def test_period_defaults_to_the_last_30_days() -> None:
    today = date(2026, 11, 20)
    assert period_between(None, None, today=today) == Period(date(2026, 10, 22), today)
    assert period_between(None, date(2026, 6, 30), today=today) == Period(date(2026, 6, 1), date(2026, 6, 30))
    assert period_between(date(2026, 11, 20), None, today=today) == Period(today, today)


def test_period_may_span_366_days() -> None:
    end = date(2026, 11, 20)
    assert period_between(end - timedelta(days=366), end, today=end).start == date(2025, 11, 19)


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        (date(2026, 11, 21), date(2026, 11, 20), "is after to (2026-11-20)"),
        (date(2025, 11, 18), date(2026, 11, 20), "is more than 366 days before to (2026-11-20)"),
        (date(2026, 12, 1), None, "is after to (2026-11-20)"),
    ],
)
def test_a_bad_period_names_the_from_parameter(start: date, end: date | None, problem: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        period_between(start, end, today=date(2026, 11, 20))
    assert [(d.field, d.problem) for d in raised.value.details] == [("from", problem)]


# --- percentiles and scoping -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([5.0], 0.9, 5.0),
        ([3.0, 1.0, 2.0], 0.5, 2.0),
        ([float(n) for n in range(1, 11)], 0.9, 9.0),
        ([float(n) for n in range(1, 12)], 0.9, 10.0),  # ceil(9.9) = 10th
        ([1.0, 2.0], 0.0, 1.0),
    ],
)
def test_nearest_rank(values: list[float], fraction: float, expected: float) -> None:
    assert nearest_rank(values, fraction) == expected


class FakeStore:
    """`find` records the partition asked for; `open_tickets` answers the open ones."""

    def __init__(self, tickets: list[Ticket]) -> None:
        self.tickets = tickets
        self.asked: list[tuple[str, str] | None] = []

    def find(self, *, partition: tuple[str, str] | None, status: str | None = None) -> list[Ticket]:
        self.asked.append(partition)
        # A careless store returning everything: visibility must still be checked per ticket.
        return list(self.tickets)

    def open_tickets(self) -> list[Ticket]:
        return [t for t in self.tickets if t.is_open]


def test_visible_tickets_reads_the_callers_partition_and_checks_each_ticket() -> None:
    store = FakeStore(fixture_tickets())
    manager = Caller(user="m", role="branch_manager", scope="branch:quito-norte")
    seen = visible_tickets(manager, store)  # type: ignore[arg-type]
    assert sorted(t.ticket_id for t in seen) == ["A", "B", "C", "D", "E", "F"]
    agent = Caller(user="agent-b", role="agent", scope="team:claims")
    assert [t.ticket_id for t in visible_tickets(agent, store)] == ["B"]  # type: ignore[arg-type]
    assert store.asked == [("branch", "quito-norte"), ("owner", "agent-b")]
    owner_rows = report("owner", tickets=visible_tickets(agent, store))  # type: ignore[arg-type]
    assert [r.key for r in owner_rows.rows] == ["agent-b"]
