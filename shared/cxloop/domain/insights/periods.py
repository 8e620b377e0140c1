"""The period a report, a scope's metrics or an alert covers: whole UTC dates, both included.
Apart from the health report (insights/health.py) that defined it first, so that the metrics
and their alerts (scope_insights, metric_alerts) load none of its SLA arithmetic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from cxloop.domain.kernel.errors import FieldProblem, InvalidInput

DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 366


@dataclass(frozen=True)
class Period:
    """Whole UTC dates, both included."""

    start: date
    end: date

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment.astimezone(UTC).date() <= self.end


def period_between(start: date | None, end: date | None, *, today: date) -> Period:
    """The asked period; by default the last 30 days up to today. InvalidInput names the
    query parameter at fault (`from` or `to`)."""
    end = end or today
    start = start or end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if start > end:
        raise InvalidInput("the period is invalid", [FieldProblem("from", f"is after to ({end})")])
    if (end - start).days > MAX_PERIOD_DAYS:
        problem = f"is more than {MAX_PERIOD_DAYS} days before to ({end})"
        raise InvalidInput("the period is invalid", [FieldProblem("from", problem)])
    return Period(start, end)
