"""Metric arithmetic over counts (DESIGN §6). Roll-ups add counts, never average NPS values."""

from __future__ import annotations

import math
from dataclasses import dataclass

from cxloop.domain.scoring import Score

Z95 = 1.96
SMALL_SAMPLE = 30


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

    def __add__(self, other: Counters) -> Counters:
        return Counters(*(a + b for a, b in zip(_values(self), _values(other), strict=True)))

    def as_dict(self) -> dict[str, int]:
        return dict(zip(self.__dataclass_fields__, _values(self), strict=True))


def _values(counters: Counters) -> tuple[int, ...]:
    return tuple(getattr(counters, name) for name in counters.__dataclass_fields__)


def counters_for(score: Score) -> Counters:
    """What one scored response adds to every scope it belongs to."""
    category = score.nps_category
    return Counters(
        responses=1,
        promoters=int(category == "promoter"),
        passives=int(category == "passive"),
        detractors=int(category == "detractor"),
        csat_answers=int(score.csat is not None),
        csat_satisfied=int(bool(score.csat_satisfied)),
        ces_answers=int(score.ces is not None),
        ces_sum=score.ces or 0,
        ces_easy=int(bool(score.ces_easy)),
    )


def nps(promoters: int, passives: int, detractors: int) -> Estimate:
    """NPS with the adjusted Wald 95 % interval; no answers gives no value (not 0)."""
    n = promoters + passives + detractors
    if n == 0:
        return Estimate(None, None, None, 0)
    value = 100 * (promoters - detractors) / n
    n_adj = n + 3
    p = (promoters + 0.75) / n_adj
    d = (detractors + 0.75) / n_adj
    centre = 100 * (p - d)
    half = Z95 * 100 * math.sqrt((p + d - (p - d) ** 2) / n_adj)
    return Estimate(value, max(-100.0, centre - half), min(100.0, centre + half), n)


def csat(satisfied: int, answers: int) -> Estimate:
    """Share of 4-5 answers, in percent, with the Wilson 95 % interval."""
    if answers == 0:
        return Estimate(None, None, None, 0)
    share = satisfied / answers
    low, high = _wilson(satisfied, answers)
    return Estimate(100 * share, 100 * low, 100 * high, answers)


def ces(total: int, answers: int) -> Estimate:
    """Mean effort score on 1-7 (higher is easier); interval left to the metrics API."""
    if answers == 0:
        return Estimate(None, None, None, 0)
    return Estimate(total / answers, None, None, answers)


def _wilson(successes: int, n: int) -> tuple[float, float]:
    p = successes / n
    denominator = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)
