"""Metric arithmetic over counts (docs/ARCHITECTURE.md, Metric definitions). Roll-ups add
counts, never average NPS values.

`Counters` is what one scope keeps per day: the NPS categories, CSAT and CES counts, and, for
the metrics API, the sums behind the CES interval, per-driver counts and per-topic counts.
Everything in it is a count (or a sum), so a week, a month or a parent scope is the sum of its
days or children, and a redelivered response is kept out by the store, not by arithmetic.

Drivers are the survey's extra scale questions (`cleanliness`, `waiting_time`...). For each we
keep what ranks it by its effect on NPS from counts alone (cxloop.domain.insights.scope_insights explains the
method): its answers and their sum, how many were in the bottom and in the top quarter of its
scale, and the NPS categories of the customers who answered it, overall, among the low
answers and among the high ones.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import ClassVar, Self, TypeVar

from cxloop.domain.surveys.scoring import SCALES, Score

Z95 = 1.96
SMALL_SAMPLE = 30
# Student's t, two-sided 95 %, for 1..30 degrees of freedom (textbook table, 3 decimals).
_T95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
# A scale answer is "low" in the bottom quarter of its range and "high" in the top quarter:
# 1-2 and 4-5 on 1-5 (the usual bottom- and top-2 box), 1-2 and 6-7 on 1-7, 0-2 and 8-10 on 0-10.
BAND = 0.25
# DynamoDB attribute names of the per-driver and per-topic counts: driver#<id>#<count>.
DRIVER_PREFIX = "driver#"
TOPIC_PREFIX = "topic#"


@dataclass(frozen=True)
class Estimate:
    value: float | None
    low: float | None
    high: float | None
    n: int

    @property
    def small_sample(self) -> bool:
        return self.n < SMALL_SAMPLE


@dataclass(frozen=True)
class ScaleAnswer:
    """One answer to a driver question, with the bounds of its scale."""

    value: int
    minimum: int
    maximum: int

    @property
    def is_low(self) -> bool:
        return self.value <= self.minimum + BAND * (self.maximum - self.minimum)

    @property
    def is_high(self) -> bool:
        return self.value >= self.maximum - BAND * (self.maximum - self.minimum)


@dataclass(frozen=True)
class _Tally:
    """Named integer counts that add (and subtract) field by field."""

    # Stored names that differ from the field names ("n" reads better in DynamoDB than "answers").
    STORED_AS: ClassVar[Mapping[str, str]] = {}

    def __add__(self, other: Self) -> Self:
        return type(self)(**{name: getattr(self, name) + getattr(other, name) for name in _names(self)})

    def minus(self, other: Self) -> Self:
        """Field by field, never below zero (see Counters.minus)."""
        return type(self)(
            **{name: max(0, getattr(self, name) - getattr(other, name)) for name in _names(self)}
        )

    def stored(self) -> dict[str, int]:
        return {self.STORED_AS.get(name, name): getattr(self, name) for name in _names(self)}

    @classmethod
    def from_stored(cls, values: Mapping[str, int]) -> Self:
        return cls(**{name: values.get(cls.STORED_AS.get(name, name), 0) for name in _names(cls)})


def _names(tally: _Tally | type[_Tally]) -> list[str]:
    return [f.name for f in fields(tally)]


@dataclass(frozen=True)
class DriverCounts(_Tally):
    answers: int = 0
    total: int = 0
    low: int = 0
    high: int = 0
    # NPS categories of the driver's answerers who also answered NPS: all, low raters, high raters.
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    low_promoters: int = 0
    low_passives: int = 0
    low_detractors: int = 0
    high_promoters: int = 0
    high_passives: int = 0
    high_detractors: int = 0
    STORED_AS: ClassVar[Mapping[str, str]] = {"answers": "n", "total": "sum"}


@dataclass(frozen=True)
class TopicCounts(_Tally):
    mentions: int = 0
    negative: int = 0  # mentions in a comment whose sentiment is negative
    STORED_AS: ClassVar[Mapping[str, str]] = {"mentions": "n"}


@dataclass(frozen=True)
class Counters:
    """The additive counts one scope keeps per day."""

    responses: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    csat_answers: int = 0
    csat_satisfied: int = 0
    ces_answers: int = 0
    ces_sum: int = 0
    ces_easy: int = 0
    # The CES interval needs the spread of the answers: the sum of their squares.
    ces_sum_sq: int = 0
    # Responses with a comment: the denominator of each topic's share.
    comments: int = 0
    drivers: Mapping[str, DriverCounts] = field(default_factory=dict)
    topics: Mapping[str, TopicCounts] = field(default_factory=dict)

    def __add__(self, other: Counters) -> Counters:
        return Counters(
            **{name: getattr(self, name) + getattr(other, name) for name in SCALAR_FIELDS},
            drivers=_merged(self.drivers, other.drivers),
            topics=_merged(self.topics, other.topics),
        )

    def minus(self, other: Counters) -> Counters:
        """What is left of these counts without the other's: the parent scope without one
        child. Each count stops at zero: the child's counts are part of the parent's, and only
        inconsistent event data (a touchpoint reported under two branches) could go below."""
        return Counters(
            **{name: max(0, getattr(self, name) - getattr(other, name)) for name in SCALAR_FIELDS},
            drivers={k: v.minus(other.drivers.get(k, DriverCounts())) for k, v in self.drivers.items()},
            topics={k: v.minus(other.topics.get(k, TopicCounts())) for k, v in self.topics.items()},
        )

    def as_dict(self) -> dict[str, int]:
        """Every count under its stored (DynamoDB attribute) name; a driver's or topic's
        counts only when the driver or topic is there."""
        flat = {name: getattr(self, name) for name in SCALAR_FIELDS}
        for prefix, tallies in ((DRIVER_PREFIX, self.drivers), (TOPIC_PREFIX, self.topics)):
            for key, tally in sorted(tallies.items()):
                flat |= {f"{prefix}{key}#{name}": value for name, value in tally.stored().items()}
        return flat

    @classmethod
    def from_dict(cls, stored: Mapping[str, int]) -> Counters:
        """The inverse of as_dict; attributes it does not know are ignored."""
        scalars = {name: stored.get(name, 0) for name in SCALAR_FIELDS}
        nested: dict[str, dict[str, dict[str, int]]] = {DRIVER_PREFIX: {}, TOPIC_PREFIX: {}}
        for attribute, value in stored.items():
            prefix = next((p for p in nested if attribute.startswith(p)), None)
            if prefix is not None:
                key, _, count = attribute[len(prefix) :].rpartition("#")
                nested[prefix].setdefault(key, {})[count] = value
        return cls(
            **scalars,
            drivers={k: DriverCounts.from_stored(v) for k, v in nested[DRIVER_PREFIX].items()},
            topics={k: TopicCounts.from_stored(v) for k, v in nested[TOPIC_PREFIX].items()},
        )


SCALAR_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(Counters) if f.name not in ("drivers", "topics")
)


_T = TypeVar("_T", bound=_Tally)


def _merged(a: Mapping[str, _T], b: Mapping[str, _T]) -> dict[str, _T]:
    merged = dict(a)
    for key, tally in b.items():
        merged[key] = merged[key] + tally if key in merged else tally
    return merged


def counters_for(score: Score, drivers: Mapping[str, ScaleAnswer] | None = None) -> Counters:
    """What one scored response adds to every scope it belongs to."""
    category = score.nps_category
    ces_value = score.ces or 0
    return Counters(
        responses=1,
        promoters=int(category == "promoter"),
        passives=int(category == "passive"),
        detractors=int(category == "detractor"),
        csat_answers=int(score.csat is not None),
        csat_satisfied=int(bool(score.csat_satisfied)),
        ces_answers=int(score.ces is not None),
        ces_sum=ces_value,
        ces_easy=int(bool(score.ces_easy)),
        ces_sum_sq=ces_value * ces_value,
        comments=int(score.has_comment),
        drivers={name: driver_counts(answer, score) for name, answer in (drivers or {}).items()},
        topics={topic: _topic_counts(score) for topic in dict.fromkeys(score.topics)},
    )


def driver_counts(answer: ScaleAnswer, score: Score) -> DriverCounts:
    """One driver answer, beside the same customer's NPS category."""
    category = score.nps_category
    counts: dict[str, int] = {
        "answers": 1,
        "total": answer.value,
        "low": int(answer.is_low),
        "high": int(answer.is_high),
    }
    if category is not None:
        plural = f"{category}s"
        counts[plural] = 1
        if answer.is_low:
            counts[f"low_{plural}"] = 1
        if answer.is_high:
            counts[f"high_{plural}"] = 1
    return DriverCounts(**counts)


def _topic_counts(score: Score) -> TopicCounts:
    return TopicCounts(mentions=1, negative=int(score.sentiment == "negative"))


# --- estimates with 95 % intervals ------------------------------------------------------------


def nps(promoters: int, passives: int, detractors: int) -> Estimate:
    """NPS with the adjusted Wald 95 % interval; no answers gives no value (not 0)."""
    n = promoters + passives + detractors
    if n == 0:
        return Estimate(None, None, None, 0)
    value = 100 * (promoters - detractors) / n
    centre, variance = adjusted_wald(promoters, detractors, n)
    half = Z95 * math.sqrt(variance)
    return Estimate(value, max(-100.0, centre - half), min(100.0, centre + half), n)


def adjusted_wald(promoters: int, detractors: int, n: int) -> tuple[float, float]:
    """The adjusted Wald NPS centre and its variance, both in NPS points
    (docs/ARCHITECTURE.md, Metric definitions):
    n' = n + 3, p' = (P + 0.75)/n', d' = (D + 0.75)/n', var = (p' + d' - (p' - d')²)/n'."""
    n_adj = n + 3
    p = (promoters + 0.75) / n_adj
    d = (detractors + 0.75) / n_adj
    return 100 * (p - d), 100 * 100 * (p + d - (p - d) ** 2) / n_adj


def csat(satisfied: int, answers: int) -> Estimate:
    """Share of 4-5 answers, in percent, with the Wilson 95 % interval."""
    if answers == 0:
        return Estimate(None, None, None, 0)
    share = satisfied / answers
    low, high = wilson(satisfied, answers)
    return Estimate(100 * share, 100 * low, 100 * high, answers)


def ces(total: int, answers: int, sum_sq: int | None = None) -> Estimate:
    """Mean effort score on 1-7 (higher is easier). With the sum of squares, the Student t 95 %
    interval of the mean, clipped to the scale; with fewer than two answers, no interval."""
    if answers == 0:
        return Estimate(None, None, None, 0)
    mean = total / answers
    if sum_sq is None or answers < 2:
        return Estimate(mean, None, None, answers)
    half = t95(answers - 1) * math.sqrt(sample_variance(total, sum_sq, answers) / answers)
    scale = SCALES["ces"]
    return Estimate(
        mean, max(float(scale["min"]), mean - half), min(float(scale["max"]), mean + half), answers
    )


def sample_variance(total: int, sum_sq: int, n: int) -> float:
    """The unbiased sample variance from the sum and the sum of squares (n >= 2)."""
    # Integer sums: the subtraction is exact until the final division, so no cancellation.
    return max(0.0, (n * sum_sq - total * total) / (n * (n - 1)))


def t95(degrees_of_freedom: float) -> float:
    """Student's t quantile for a two-sided 95 % interval. Up to 30 degrees of freedom from
    the table, rounding a fractional (Welch) value down, which widens the interval; above, the
    Cornish-Fisher expansion around 1.96, which matches the table's 2.042 at 30."""
    if degrees_of_freedom < 1:
        raise ValueError("a t interval needs at least one degree of freedom")
    if degrees_of_freedom <= len(_T95):
        return _T95[int(degrees_of_freedom) - 1]
    z, v = Z95, degrees_of_freedom
    return (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
    )


def wilson(successes: int, n: int) -> tuple[float, float]:
    """The Wilson 95 % interval of a proportion, as fractions."""
    p = successes / n
    denominator = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)
