"""What the metrics API answers about one scope and period, computed from daily counters.

Pure domain: the counters come from cxloop.domain.feedback.ports.AggregateStore and the detractor
tickets from TicketStore; nothing here talks to AWS. Every figure is computed from counts added
up over days (docs/ARCHITECTURE.md, Metric definitions: never by averaging NPS values).

Headline scores. NPS with the adjusted Wald interval, CSAT with Wilson, CES (mean on 1-7) with
the Student t interval from the sum of squares; each flagged under 30 answers.

Trend. The same scores per bucket: a day, an ISO week (Monday to Sunday, "2026-W48") or a
calendar month, every bucket that touches the period, empty ones included, each cut to the
period.

Benchmark. A scope is compared with its parent: touchpoint -> branch -> region -> country ->
all, in the chain the responses themselves carried (stored with the counts, so the parent's
counts always include the scope's). The scope's answers are part of the parent's, so the two
are not independent samples: the test compares the scope with the REST of the parent (parent
minus scope), which is independent of it; the parent's own scores are shown beside it.
- NPS: difference of the adjusted Wald estimates, variance = sum of the two adjusted Wald
  variances, 95 % interval = difference +- 1.96 sqrt(variance) (a two-sample z test).
- CSAT: Newcombe's hybrid score interval for a difference of proportions, from the two Wilson
  intervals (Newcombe 1998, method 10).
- CES: Welch's t interval for a difference of means (Welch-Satterthwaite degrees of freedom).
The difference is significant when its 95 % interval excludes 0. With no other answers in the
parent (the only branch of its region) there is nothing to compare: no difference.

Drivers. Penalty-reward contrast analysis on counts: for each driver, the NPS of the customers
who rated it low (bottom quarter of its scale) and of those who rated it high (top quarter),
out of the customers who answered both the driver and NPS.
- effect = NPS(high) - NPS(low), in points, with the same adjusted Wald test as the benchmark:
  how strongly the driver goes with recommending. Drivers are ranked by it.
- penalty = share(low) x (NPS(driver answerers) - NPS(low)): the NPS points the low ratings
  cost; reward = share(high) x (NPS(high) - NPS(driver answerers)): the points the high
  ratings earn (shares out of the driver's answerers with an NPS).
- A driver with a positive effect is a strength when its reward exceeds its penalty and a
  weakness otherwise; one with no positive effect does not drive NPS and is neither.

Topics. The most mentioned comment topics, each with its share of the comments analysed and
the share of its mentions in a negative comment.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from cxloop.domain.casework.ports import TicketStore
from cxloop.domain.feedback.metrics import (
    Z95,
    Counters,
    DriverCounts,
    Estimate,
    adjusted_wald,
    ces,
    csat,
    nps,
    sample_variance,
    t95,
    wilson,
)
from cxloop.domain.feedback.ports import AggregateStore
from cxloop.domain.insights.detractor_list import detractor_list
from cxloop.domain.insights.periods import Period
from cxloop.domain.insights.scope_access import access_chain, check_visible, home_scope, parse_scope
from cxloop.domain.organisation.access import Caller
from cxloop.domain.organisation.hierarchy import Organisation

Interval = Literal["day", "week", "month"]
INTERVALS: tuple[Interval, ...] = ("day", "week", "month")
TOP_TOPICS = 10
_DAY = timedelta(days=1)


# --- headline scores -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    """NPS, CSAT and CES of one sample of counts."""

    counts: Counters

    @property
    def nps(self) -> Estimate:
        c = self.counts
        return nps(c.promoters, c.passives, c.detractors)

    @property
    def csat(self) -> Estimate:
        return csat(self.counts.csat_satisfied, self.counts.csat_answers)

    @property
    def ces(self) -> Estimate:
        return ces(self.counts.ces_sum, self.counts.ces_answers, self.counts.ces_sum_sq)

    @property
    def ces_easy_share(self) -> float | None:
        """The share of 5-7 answers on the CES scale."""
        return _share(self.counts.ces_easy, self.counts.ces_answers)

    def to_json(self) -> dict[str, Any]:
        c = self.counts
        return {
            "responses": c.responses,
            "nps": _estimate_json(self.nps)
            | {"promoters": c.promoters, "passives": c.passives, "detractors": c.detractors},
            "csat": _estimate_json(self.csat) | {"satisfied": c.csat_satisfied},
            "ces": _estimate_json(self.ces) | {"easy_share": _rounded(self.ces_easy_share)},
        }


def total_of(days: Mapping[date, Counters]) -> Counters:
    total = Counters()
    for counters in days.values():
        total = total + counters
    return total


# --- trend ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    bucket: str  # "2026-11-23", "2026-W48" or "2026-11"
    start: date  # the bucket's first and last day within the period
    end: date
    scores: Scores

    def to_json(self) -> dict[str, Any]:
        return {"bucket": self.bucket, "from": self.start.isoformat(), "to": self.end.isoformat()} | (
            self.scores.to_json()
        )


def bucket_of(day: date, interval: Interval) -> tuple[str, date, date]:
    """The bucket a day falls in: its label, first day and last day."""
    if interval == "day":
        return day.isoformat(), day, day
    if interval == "week":
        year, week, weekday = day.isocalendar()
        monday = day - timedelta(days=weekday - 1)
        return f"{year}-W{week:02d}", monday, monday + timedelta(days=6)
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return f"{day:%Y-%m}", first, following - _DAY


def trend(days: Mapping[date, Counters], period: Period, interval: Interval) -> list[TrendPoint]:
    """One point per bucket touching the period, oldest first, empty buckets included."""
    points: list[TrendPoint] = []
    day = period.start
    while day <= period.end:
        label, _, last = bucket_of(day, interval)
        end = min(last, period.end)
        counts = total_of({d: c for d, c in days.items() if day <= d <= end})
        points.append(TrendPoint(label, day, end, Scores(counts)))
        day = end + _DAY
    return points


# --- benchmark -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """The scope minus the other sample, with its 95 % interval."""

    value: float | None
    low: float | None = None
    high: float | None = None

    @property
    def significant(self) -> bool:
        if self.low is None or self.high is None:
            return False
        return self.low > 0 or self.high < 0

    def to_json(self) -> dict[str, Any]:
        return {
            "value": _rounded(self.value),
            "low": _rounded(self.low),
            "high": _rounded(self.high),
            "significant": self.significant,
        }


NO_DIFFERENCE = Difference(None)


def nps_difference(a: Counters, b: Counters) -> Difference:
    """NPS(a) - NPS(b): a two-sample z interval on the adjusted Wald estimates."""
    return nps_gap(
        (a.promoters, a.promoters + a.passives + a.detractors, a.detractors),
        (b.promoters, b.promoters + b.passives + b.detractors, b.detractors),
    )


def nps_gap(a: tuple[int, int, int], b: tuple[int, int, int]) -> Difference:
    """NPS(a) - NPS(b) for samples given as (promoters, answers, detractors)."""
    (pa, na, da), (pb, nb, db) = a, b
    if na == 0 or nb == 0:
        return NO_DIFFERENCE
    centre_a, variance_a = adjusted_wald(pa, da, na)
    centre_b, variance_b = adjusted_wald(pb, db, nb)
    half = Z95 * math.sqrt(variance_a + variance_b)
    centre = centre_a - centre_b
    observed = 100 * (pa - da) / na - 100 * (pb - db) / nb
    return Difference(observed, max(-200.0, centre - half), min(200.0, centre + half))


def csat_difference(a: Counters, b: Counters) -> Difference:
    """CSAT(a) - CSAT(b) in points: Newcombe's hybrid score interval."""
    if a.csat_answers == 0 or b.csat_answers == 0:
        return NO_DIFFERENCE
    p1, p2 = a.csat_satisfied / a.csat_answers, b.csat_satisfied / b.csat_answers
    l1, u1 = wilson(a.csat_satisfied, a.csat_answers)
    l2, u2 = wilson(b.csat_satisfied, b.csat_answers)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Difference(100 * d, 100 * low, 100 * high)


def ces_difference(a: Counters, b: Counters) -> Difference:
    """CES(a) - CES(b): Welch's t interval (no interval under two answers a side)."""
    n1, n2 = a.ces_answers, b.ces_answers
    if n1 == 0 or n2 == 0:
        return NO_DIFFERENCE
    d = a.ces_sum / n1 - b.ces_sum / n2
    if n1 < 2 or n2 < 2:
        return Difference(d)
    se1 = sample_variance(a.ces_sum, a.ces_sum_sq, n1) / n1
    se2 = sample_variance(b.ces_sum, b.ces_sum_sq, n2) / n2
    spread = se1 + se2
    # Welch-Satterthwaite; with no spread at all the degrees of freedom are the pooled ones.
    df = spread**2 / (se1**2 / (n1 - 1) + se2**2 / (n2 - 1)) if spread else n1 + n2 - 2
    half = t95(df) * math.sqrt(spread)
    return Difference(d, d - half, d + half)


@dataclass(frozen=True)
class Benchmark:
    parent: str
    parent_scores: Scores  # the whole parent, as its own dashboard shows it
    rest: Scores  # the parent without this scope: what the scope is tested against
    nps: Difference
    csat: Difference
    ces: Difference

    def to_json(self) -> dict[str, Any]:
        return {
            "parent": self.parent,
            "parent_scores": self.parent_scores.to_json(),
            "rest_of_parent": self.rest.to_json(),
            "difference": {
                "nps": self.nps.to_json(),
                "csat": self.csat.to_json(),
                "ces": self.ces.to_json(),
            },
        }


def benchmark(scope: Counters, parent: Counters, parent_scope: str) -> Benchmark:
    rest = parent.minus(scope)
    return Benchmark(
        parent=parent_scope,
        parent_scores=Scores(parent),
        rest=Scores(rest),
        nps=nps_difference(scope, rest),
        csat=csat_difference(scope, rest),
        ces=ces_difference(scope, rest),
    )


# --- drivers -------------------------------------------------------------------------------------

DriverRole = Literal["strength", "weakness"]


@dataclass(frozen=True)
class DriverEffect:
    driver: str
    counts: DriverCounts

    @property
    def mean(self) -> float | None:
        return None if self.counts.answers == 0 else self.counts.total / self.counts.answers

    @property
    def nps(self) -> Estimate:
        c = self.counts
        return nps(c.promoters, c.passives, c.detractors)

    @property
    def nps_low(self) -> Estimate:
        c = self.counts
        return nps(c.low_promoters, c.low_passives, c.low_detractors)

    @property
    def nps_high(self) -> Estimate:
        c = self.counts
        return nps(c.high_promoters, c.high_passives, c.high_detractors)

    @property
    def effect(self) -> Difference:
        """NPS of the high raters minus NPS of the low raters."""
        c = self.counts
        return nps_gap(
            (c.high_promoters, self.nps_high.n, c.high_detractors),
            (c.low_promoters, self.nps_low.n, c.low_detractors),
        )

    @property
    def penalty(self) -> float | None:
        """NPS points the low ratings cost, out of the driver answerers with an NPS."""
        return _weighted_gap(self.nps_low.n, self.nps.n, self.nps.value, self.nps_low.value)

    @property
    def reward(self) -> float | None:
        """NPS points the high ratings earn, out of the driver answerers with an NPS."""
        return _weighted_gap(self.nps_high.n, self.nps.n, self.nps_high.value, self.nps.value)

    @property
    def role(self) -> DriverRole | None:
        effect, penalty, reward = self.effect.value, self.penalty, self.reward
        if effect is None or effect <= 0 or penalty is None or reward is None:
            return None
        return "strength" if reward > penalty else "weakness"

    def to_json(self) -> dict[str, Any]:
        c = self.counts
        return {
            "driver": self.driver,
            "answers": c.answers,
            "mean": _rounded(self.mean),
            "low_share": _rounded(_share(c.low, c.answers)),
            "high_share": _rounded(_share(c.high, c.answers)),
            "nps": _estimate_json(self.nps),
            "nps_low": _estimate_json(self.nps_low),
            "nps_high": _estimate_json(self.nps_high),
            "effect": self.effect.to_json(),
            "penalty": _rounded(self.penalty),
            "reward": _rounded(self.reward),
            "role": self.role,
        }


def _weighted_gap(group: int, everyone: int, upper: float | None, lower: float | None) -> float | None:
    if group == 0 or upper is None or lower is None:
        return None
    return group / everyone * (upper - lower)


def ranked_drivers(drivers: Mapping[str, DriverCounts]) -> list[DriverEffect]:
    """Largest effect on NPS first; drivers whose effect cannot be computed last, by name."""
    effects = [DriverEffect(name, counts) for name, counts in drivers.items() if counts.answers]
    return sorted(effects, key=lambda e: (e.effect.value is None, -(e.effect.value or 0.0), e.driver))


def strengths(effects: list[DriverEffect]) -> list[str]:
    chosen = [e for e in effects if e.role == "strength"]
    return [e.driver for e in sorted(chosen, key=lambda e: (-(e.reward or 0.0), e.driver))]


def weaknesses(effects: list[DriverEffect]) -> list[str]:
    chosen = [e for e in effects if e.role == "weakness"]
    return [e.driver for e in sorted(chosen, key=lambda e: (-(e.penalty or 0.0), e.driver))]


# --- topics --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicShare:
    topic: str
    mentions: int
    negative: int
    comments: int

    def to_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "mentions": self.mentions,
            "share": _rounded(_share(self.mentions, self.comments)),
            "negative": self.negative,
            "negative_share": _rounded(_share(self.negative, self.mentions)),
        }


def top_topics(counts: Counters, limit: int = TOP_TOPICS) -> list[TopicShare]:
    """The most mentioned topics first (ties by name)."""
    shares = [
        TopicShare(topic, tally.mentions, tally.negative, counts.comments)
        for topic, tally in counts.topics.items()
        if tally.mentions
    ]
    return sorted(shares, key=lambda s: (-s.mentions, s.topic))[:limit]


# --- all of it -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Insights:
    scope: str
    period: Period
    interval: Interval
    scores: Scores
    trend: list[TrendPoint]
    benchmark: Benchmark | None
    drivers: list[DriverEffect]
    topics: list[TopicShare]

    def to_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "interval": self.interval,
            **self.scores.to_json(),
            "trend": [point.to_json() for point in self.trend],
            "benchmark": self.benchmark.to_json() if self.benchmark else None,
            "drivers": {
                "ranked": [effect.to_json() for effect in self.drivers],
                "strengths": strengths(self.drivers),
                "weaknesses": weaknesses(self.drivers),
            },
            "topics": [topic.to_json() for topic in self.topics],
        }


def insights_of(
    scope: str,
    days: Mapping[date, Counters],
    *,
    period: Period,
    interval: Interval,
    parent: str | None = None,
    parent_days: Mapping[date, Counters] | None = None,
) -> Insights:
    total = total_of(days)
    compared = benchmark(total, total_of(parent_days or {}), parent) if parent else None
    return Insights(
        scope=scope,
        period=period,
        interval=interval,
        scores=Scores(total),
        trend=trend(days, period, interval),
        benchmark=compared,
        drivers=ranked_drivers(total.drivers),
        topics=top_topics(total),
    )


# --- small helpers -------------------------------------------------------------------------------


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def _rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _estimate_json(estimate: Estimate) -> dict[str, Any]:
    return {
        "value": _rounded(estimate.value),
        "low": _rounded(estimate.low),
        "high": _rounded(estimate.high),
        "n": estimate.n,
        "small_sample": estimate.small_sample,
    }


# --- the metrics API's answer --------------------------------------------------------------------


def metrics_report(
    caller: Caller,
    *,
    scope: str | None,
    period: Period,
    interval: Interval,
    aggregates: AggregateStore,
    tickets: TicketStore,
    organisation: Organisation | None,
) -> dict[str, Any]:
    """Everything GET /v1/metrics answers, for the scope (default: the caller's own)."""
    home = home_scope(caller, organisation)
    wanted = home if scope is None else parse_scope(scope)
    chain = access_chain(wanted, aggregates.parent_of, organisation)
    check_visible(home, chain)
    # The benchmark's parent is the one the counts were added to, so its counts hold the scope's.
    parent = aggregates.parent_of(wanted) if wanted != "all" else None
    parent = parent or (chain[1] if len(chain) > 1 else None)
    found = insights_of(
        wanted,
        aggregates.read_days(wanted, period.start, period.end),
        period=period,
        interval=interval,
        parent=parent,
        parent_days=aggregates.read_days(parent, period.start, period.end) if parent else None,
    )
    listed = detractor_list(caller, wanted, period, chain=chain, tickets=tickets)
    return found.to_json() | {"detractors": listed.to_json()}
