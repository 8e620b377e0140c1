"""Metric-drop alerts: has a touchpoint's or a branch's NPS fallen, beyond what chance explains?

Once a day the metric_alerts function compares, for each touchpoint and branch with answers,
the last 7 whole days (the recent window, up to yesterday) with the 28 days before them (the
trailing baseline). The two windows hold different answers, so they are independent samples and
the difference recent - baseline gets the metrics API's two-sample interval
(cxloop.domain.insights.scope_insights.nps_difference: adjusted Wald estimates, variances added). It is a drop
when that 95 % interval lies entirely below 0: a raw fall of 20 points on 12 answers is noise,
the same fall on 300 is not. Too few answers decide nothing: at least 30 in the baseline and 10
in the recent window, or no verdict.

A drop is published once per scope and day, as an alert of kind `metric_drop` with the alert id
`metric_drop:<scope>:<date>` and the attributes the other alerts carry (country, region, branch,
severity, kind, audience), so a branch manager's subscription on their branch gets their branch's
and their touchpoints' drops.

Pure domain: the counters come from AggregateStore; nothing here talks to AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from cxloop.domain.casework.models import Alert
from cxloop.domain.feedback.metrics import Counters
from cxloop.domain.insights.periods import Period
from cxloop.domain.insights.scope_insights import Difference, Scores, nps_difference, total_of

RECENT_DAYS = 7
BASELINE_DAYS = 28
MIN_BASELINE_ANSWERS = 30
MIN_RECENT_ANSWERS = 10
# Kinds of scope watched: where someone can act on a fall (the region and country follow from them).
WATCHED_KINDS = ("touchpoint", "branch")
# A drop whose interval says it is at least this many points is critical, not just a warning.
CRITICAL_POINTS = 10.0
# The alert attribute value for a level the scope does not sit in (as the digest's).
EVERYWHERE = "all"

Verdict = Literal["drop", "no_drop", "too_few_answers"]


@dataclass(frozen=True)
class Windows:
    recent: Period
    baseline: Period

    @property
    def first_day(self) -> date:
        return self.baseline.start


def windows_before(day: date) -> Windows:
    """The recent window is the 7 whole days before `day` (the run's date: today is not over),
    the baseline the 28 days before those."""
    recent_end = day - timedelta(days=1)
    recent_start = recent_end - timedelta(days=RECENT_DAYS - 1)
    baseline_end = recent_start - timedelta(days=1)
    baseline_start = baseline_end - timedelta(days=BASELINE_DAYS - 1)
    return Windows(Period(recent_start, recent_end), Period(baseline_start, baseline_end))


@dataclass(frozen=True)
class DropCheck:
    scope: str
    windows: Windows
    recent: Scores
    baseline: Scores
    difference: Difference  # recent - baseline, NPS points, with its 95 % interval

    @property
    def enough_answers(self) -> bool:
        return self.baseline.nps.n >= MIN_BASELINE_ANSWERS and self.recent.nps.n >= MIN_RECENT_ANSWERS

    @property
    def verdict(self) -> Verdict:
        if not self.enough_answers:
            return "too_few_answers"
        high = self.difference.high
        return "drop" if high is not None and high < 0 else "no_drop"

    @property
    def severity(self) -> Literal["warning", "critical"]:
        high = self.difference.high
        return "critical" if high is not None and high <= -CRITICAL_POINTS else "warning"


def check_drop(scope: str, days: Mapping[date, Counters], windows: Windows) -> DropCheck:
    """Judge one scope from its daily counters (any days outside the windows are ignored)."""
    recent = total_of({d: c for d, c in days.items() if windows.recent.start <= d <= windows.recent.end})
    baseline = total_of(
        {d: c for d, c in days.items() if windows.baseline.start <= d <= windows.baseline.end}
    )
    return DropCheck(scope, windows, Scores(recent), Scores(baseline), nps_difference(recent, baseline))


def watched(scope: str) -> bool:
    return scope.partition(":")[0] in WATCHED_KINDS


# --- the alert -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """Where the scope sits, for the alert's filter attributes."""

    country: str = EVERYWHERE
    region: str = EVERYWHERE
    branch: str = EVERYWHERE


def placement_of(chain: list[str]) -> Placement:
    """From the scope's chain (itself, then its parents:
    cxloop.domain.insights.scope_access.access_chain)."""
    found = {kind: value for kind, _, value in (s.partition(":") for s in chain) if value}
    return Placement(
        country=found.get("country", EVERYWHERE),
        region=found.get("region", EVERYWHERE),
        branch=found.get("branch", EVERYWHERE),
    )


def drop_alert_id(scope: str, day: date) -> str:
    return f"metric_drop:{scope}:{day.isoformat()}"


def drop_alert(check: DropCheck, placement: Placement, *, now: datetime) -> Alert:
    """The alert announcing the drop, written in English like the other alerts. The alert id
    fills the per-ticket fields: it is about no one ticket."""
    alert_id = drop_alert_id(check.scope, now.date())
    before, after = check.baseline.nps, check.recent.nps
    subject = f"[cxloop] NPS drop at {check.scope}: {_points(before.value)} -> {_points(after.value)}"
    return Alert(
        alert_id=alert_id,
        kind="metric_drop",
        severity=check.severity,
        ticket_id=alert_id,
        correlation_id=alert_id,
        subject=subject[:100],
        message=_message(check),
        country=placement.country,
        region=placement.region,
        branch=placement.branch,
        # For the place's managers: a branch manager's subscription filters on the branch.
        audience="branch_manager",
        level=0,
        answered_at=now,
    )


def _message(check: DropCheck) -> str:
    before, after, gap = check.baseline.nps, check.recent.nps, check.difference
    recent, baseline = check.windows.recent, check.windows.baseline
    return "\n".join(
        [
            f"NPS of {check.scope} dropped significantly.",
            f"Last {RECENT_DAYS} days ({recent.start} to {recent.end}): NPS {_points(after.value)} "
            f"[{_points(after.low)}, {_points(after.high)}], n = {after.n}.",
            f"Previous {BASELINE_DAYS} days ({baseline.start} to {baseline.end}): NPS "
            f"{_points(before.value)} [{_points(before.low)}, {_points(before.high)}], n = {before.n}.",
            f"Change: {_points(gap.value)} points, 95 % interval [{_points(gap.low)}, {_points(gap.high)}] "
            "(entirely below 0).",
        ]
    )


def _points(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
