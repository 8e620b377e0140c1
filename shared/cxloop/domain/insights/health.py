"""The case-management health report: how well each owner, team or branch works its tickets.

Two kinds of figures, so that a period's numbers never double-count a ticket:

- Flow figures are about the tickets OPENED in the period (a cohort): time to first contact,
  SLA compliance, recovery and reopen rates. A ticket belongs to exactly one period; its
  figures mature as it is worked (a report on last month, run again next week, may show more
  resolved tickets, never different ones).
- Backlog figures are a snapshot of every ticket open at `now`, whenever it was opened: the
  oldest open tickets are the ones a manager most needs to see, and a 30-day cohort would hide
  a 40-day-old case.

Every rate carries its numerator and denominator; with nothing to count the rate is null, not
0 (no detractor answered the follow-up is not "nobody recovered"). The period is whole UTC
dates, `from` and `to` included. Pure domain: the caller's scope is applied by the same
partition and visibility rules as the tickets list.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from cxloop.domain.casework.deadlines import customer_zone
from cxloop.domain.casework.models import Ticket, is_overdue
from cxloop.domain.casework.ports import TicketStore
from cxloop.domain.casework.sla import SlaSettings, business_hours_between
from cxloop.domain.insights.periods import Period
from cxloop.domain.organisation.access import Caller, can_see, partition_for

Grouping = Literal["owner", "team", "branch"]
GROUPINGS: tuple[Grouping, ...] = ("owner", "team", "branch")
# The promise to a detractor: someone calls within half a working day.
FIRST_CONTACT_TARGET_HOURS = 4.0
STALE_AFTER_DAYS = 7
_DAY = timedelta(days=1)
_HOUR = timedelta(hours=1)


# --- the result ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return None if self.denominator == 0 else round(self.numerator / self.denominator, 4)

    def to_json(self) -> dict[str, Any]:
        return {"rate": self.value, "numerator": self.numerator, "denominator": self.denominator}


@dataclass(frozen=True)
class FirstContact:
    contacted: int  # tickets of the cohort someone has called
    median_hours: float | None  # elapsed (calendar) hours from opening to first call
    p90_hours: float | None
    # Called within FIRST_CONTACT_TARGET_HOURS business hours, over the tickets whose target
    # is decided: called, or not called and the target has passed.
    within_target: Rate

    def to_json(self) -> dict[str, Any]:
        return {
            "contacted": self.contacted,
            "median_hours": self.median_hours,
            "p90_hours": self.p90_hours,
            "target_business_hours": FIRST_CONTACT_TARGET_HOURS,
            "within_target": self.within_target.to_json(),
        }


@dataclass(frozen=True)
class SlaCompliance:
    on_time: Rate  # resolved on or before due_at, over resolved
    open_overdue: int  # snapshot: open now and past due

    def to_json(self) -> dict[str, Any]:
        return {"on_time": self.on_time.to_json(), "open_overdue": self.open_overdue}


@dataclass(frozen=True)
class Backlog:
    open: int
    median_age_days: float | None
    max_age_days: float | None
    older_than_7_days: int

    def to_json(self) -> dict[str, Any]:
        return {
            "open": self.open,
            "median_age_days": self.median_age_days,
            "max_age_days": self.max_age_days,
            "older_than_7_days": self.older_than_7_days,
        }


@dataclass(frozen=True)
class HealthRow:
    key: str | None  # the owner, team or branch; None for tickets without a team
    opened: int
    first_contact: FirstContact
    sla: SlaCompliance
    recovery: Rate  # detractors whose follow-up says "recovered", over those who answered it
    reopen: Rate  # reopened at least once, over resolved at least once
    backlog: Backlog

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "opened": self.opened,
            "first_contact": self.first_contact.to_json(),
            "sla": self.sla.to_json(),
            "recovery": self.recovery.to_json(),
            "reopen": self.reopen.to_json(),
            "backlog": self.backlog.to_json(),
        }


@dataclass(frozen=True)
class HealthReport:
    group: Grouping
    period: Period
    rows: tuple[HealthRow, ...]
    total: HealthRow

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "rows": [row.to_json() for row in self.rows],
            "total": self.total.to_json(),
        }


# --- computing it ----------------------------------------------------------------------------


def visible_tickets(caller: Caller, tickets: TicketStore) -> list[Ticket]:
    """Everything the caller may see, checked exactly as the tickets list does: the newest
    of the caller's partition, and every open ticket however old (the backlog's oldest
    would otherwise fall out of a partition's read first)."""
    read = {t.ticket_id: t for t in tickets.find(partition=partition_for(caller))}
    read |= {t.ticket_id: t for t in tickets.open_tickets()}
    return [t for t in read.values() if can_see(caller, t)]


def health_report(
    tickets: Iterable[Ticket], *, group: Grouping, period: Period, now: datetime, sla: SlaSettings
) -> HealthReport:
    """The report over `tickets`, which must already be limited to the caller's scope."""
    relevant = [t for t in tickets if period.contains(t.opened_at) or t.is_open]
    key_of = _KEYS[group]
    groups: dict[str | None, list[Ticket]] = {}
    for ticket in relevant:
        groups.setdefault(key_of(ticket), []).append(ticket)
    # Named groups alphabetically, then the one without a key (tickets no team holds yet).
    ordered = sorted(groups, key=lambda key: (key is None, key or ""))
    rows = tuple(health_row(key, groups[key], period=period, now=now, sla=sla) for key in ordered)
    return HealthReport(group, period, rows, health_row(None, relevant, period=period, now=now, sla=sla))


_KEYS: dict[Grouping, Callable[[Ticket], str | None]] = {
    "owner": lambda t: t.owner,
    "team": lambda t: t.team,
    "branch": lambda t: t.branch,
}


def health_row(
    key: str | None, tickets: Sequence[Ticket], *, period: Period, now: datetime, sla: SlaSettings
) -> HealthRow:
    cohort = [t for t in tickets if period.contains(t.opened_at)]
    open_now = [t for t in tickets if t.is_open]
    return HealthRow(
        key=key,
        opened=len(cohort),
        first_contact=first_contact(cohort, now=now, sla=sla),
        sla=SlaCompliance(
            on_time=_share([t for t in cohort if t.resolution is not None], _resolved_on_time),
            open_overdue=sum(is_overdue(t, now=now) for t in open_now),
        ),
        recovery=_share(
            [t for t in cohort if t.score.nps_category == "detractor" and t.follow_up is not None],
            lambda t: t.follow_up is not None and t.follow_up.outcome == "recovered",
        ),
        reopen=_share(
            [t for t in cohort if t.resolution is not None or t.reopen_count > 0],
            lambda t: t.reopen_count > 0,
        ),
        backlog=backlog(open_now, now=now),
    )


def first_contact(cohort: Sequence[Ticket], *, now: datetime, sla: SlaSettings) -> FirstContact:
    hours = [
        max(t.first_contact_at - t.opened_at, timedelta()) / _HOUR
        for t in cohort
        if t.first_contact_at is not None
    ]
    decided = [t for t in cohort if t.first_contact_at is not None or _target_passed(t, now, sla)]
    return FirstContact(
        contacted=len(hours),
        median_hours=_rounded(statistics.median(hours)) if hours else None,
        p90_hours=_rounded(nearest_rank(hours, 0.9)) if hours else None,
        within_target=_share(decided, lambda t: _contacted_within_target(t, sla)),
    )


def backlog(open_now: Sequence[Ticket], *, now: datetime) -> Backlog:
    ages = [(now - t.opened_at) / _DAY for t in open_now]
    return Backlog(
        open=len(ages),
        median_age_days=_rounded(statistics.median(ages)) if ages else None,
        max_age_days=_rounded(max(ages)) if ages else None,
        older_than_7_days=sum(age > STALE_AFTER_DAYS for age in ages),
    )


def nearest_rank(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `fraction` of the
    values at or below it. Always a value that occurred, easy to check by hand."""
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)), 1) - 1]


def _business_hours(ticket: Ticket, until: datetime, sla: SlaSettings) -> float:
    return business_hours_between(
        sla.for_country(ticket.country), ticket.opened_at, until, timezone=customer_zone(ticket.customer)
    )


def _contacted_within_target(ticket: Ticket, sla: SlaSettings) -> bool:
    contacted = ticket.first_contact_at
    return contacted is not None and _business_hours(ticket, contacted, sla) <= FIRST_CONTACT_TARGET_HOURS


def _target_passed(ticket: Ticket, now: datetime, sla: SlaSettings) -> bool:
    return _business_hours(ticket, now, sla) > FIRST_CONTACT_TARGET_HOURS


def _resolved_on_time(ticket: Ticket) -> bool:
    # No due time at resolution means the clock was stopped (waiting on the customer)
    # before it ran out: the case did not breach.
    resolved = ticket.resolution
    return resolved is not None and (ticket.due_at is None or resolved.at <= ticket.due_at)


def _share(counted: Sequence[Ticket], meets: Callable[[Ticket], bool]) -> Rate:
    return Rate(numerator=sum(meets(t) for t in counted), denominator=len(counted))


def _rounded(value: float) -> float:
    return round(value, 2)
