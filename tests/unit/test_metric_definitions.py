"""The metric arithmetic of DESIGN §6: NPS with adjusted Wald, CSAT with Wilson, CES mean."""

from __future__ import annotations

import math

import pytest

from cxloop.domain.metrics import SMALL_SAMPLE, Counters, ces, counters_for, csat, nps
from cxloop.domain.scoring import score_answers


def test_the_design_example_n100_p50_d20() -> None:
    estimate = nps(promoters=50, passives=30, detractors=20)
    assert estimate.value == pytest.approx(30.0)
    assert estimate.low is not None and estimate.high is not None
    assert (round(estimate.low, 1), round(estimate.high, 1)) == (14.1, 44.2)
    assert estimate.n == 100 and not estimate.small_sample


def test_the_interval_follows_the_adjusted_wald_formula() -> None:
    promoters, passives, detractors = 13, 4, 7
    n_adj = promoters + passives + detractors + 3
    p, d = (promoters + 0.75) / n_adj, (detractors + 0.75) / n_adj
    half = 1.96 * 100 * math.sqrt((p + d - (p - d) ** 2) / n_adj)
    estimate = nps(promoters, passives, detractors)
    assert estimate.low == pytest.approx(100 * (p - d) - half)
    assert estimate.high == pytest.approx(100 * (p - d) + half)
    assert estimate.value == pytest.approx(100 * (13 - 7) / 24)


def test_no_answers_means_no_value_not_zero() -> None:
    for estimate in (nps(0, 0, 0), csat(0, 0), ces(0, 0)):
        assert (estimate.value, estimate.low, estimate.high, estimate.n) == (None, None, None, 0)


def test_only_passives_is_zero_not_none() -> None:
    assert nps(0, 10, 0).value == 0.0


@pytest.mark.parametrize(("promoters", "detractors"), [(5, 0), (40, 0), (0, 5), (0, 40)])
def test_intervals_are_clipped_at_plus_minus_100(promoters: int, detractors: int) -> None:
    estimate = nps(promoters, 0, detractors)
    assert estimate.low is not None and estimate.high is not None
    assert -100.0 <= estimate.low < estimate.high <= 100.0
    # Unclipped, the adjusted Wald bound of a unanimous sample passes the end of the scale.
    if promoters:
        assert estimate.value == estimate.high == 100.0
    else:
        assert estimate.value == estimate.low == -100.0


def test_a_single_answer_gets_a_wide_unclipped_interval() -> None:
    # Adjusted Wald pulls the centre towards 0: one promoter is not "NPS 100 for sure".
    estimate = nps(1, 0, 0)
    assert estimate.value == 100.0 and estimate.small_sample
    assert estimate.low is not None and estimate.high is not None
    assert -100.0 < estimate.low < 0 < estimate.high < 100.0


def test_small_samples_are_flagged_below_30() -> None:
    assert nps(SMALL_SAMPLE - 1, 0, 0).small_sample
    assert not nps(SMALL_SAMPLE, 0, 0).small_sample


@pytest.mark.parametrize(("satisfied", "answers"), [(45, 50), (1, 3), (0, 10), (10, 10), (500, 1000)])
def test_wilson_interval_contains_the_share_and_stays_in_bounds(satisfied: int, answers: int) -> None:
    estimate = csat(satisfied, answers)
    assert estimate.value == pytest.approx(100 * satisfied / answers)
    assert estimate.low is not None and estimate.high is not None
    assert 0.0 <= estimate.low <= estimate.value <= estimate.high <= 100.0  # type: ignore[operator]
    assert estimate.low < estimate.high


def test_wilson_interval_narrows_with_more_answers() -> None:
    few, many = csat(9, 10), csat(900, 1000)
    assert few.low is not None and few.high is not None and many.low is not None and many.high is not None
    assert (many.high - many.low) < (few.high - few.low)


def test_wilson_at_a_known_value() -> None:
    # 45 of 50: Wilson 95 % interval [78.6, 95.7] (textbook value).
    estimate = csat(45, 50)
    assert estimate.low is not None and estimate.high is not None
    assert (round(estimate.low, 1), round(estimate.high, 1)) == (78.6, 95.7)


def test_ces_is_the_mean_on_1_to_7() -> None:
    assert ces(total=23, answers=5).value == pytest.approx(4.6)


def test_counters_of_one_response() -> None:
    counters = counters_for(score_answers({"nps": 7, "csat": 5, "ces": 2}))
    assert counters.as_dict() == {
        "responses": 1,
        "promoters": 0,
        "passives": 1,
        "detractors": 0,
        "csat_answers": 1,
        "csat_satisfied": 1,
        "ces_answers": 1,
        "ces_sum": 2,
        "ces_easy": 0,
    }


def test_an_answer_without_nps_counts_as_a_response_but_no_nps_category() -> None:
    counters = counters_for(score_answers({"csat": 2}))
    assert (counters.responses, counters.promoters, counters.passives, counters.detractors) == (1, 0, 0, 0)
    assert (counters.csat_answers, counters.csat_satisfied) == (1, 0)


def test_counters_add_field_by_field() -> None:
    a = Counters(responses=2, promoters=1, detractors=1, ces_answers=2, ces_sum=9, ces_easy=1)
    b = Counters(responses=3, passives=3, csat_answers=3, csat_satisfied=2)
    assert (a + b).as_dict() == {
        "responses": 5,
        "promoters": 1,
        "passives": 3,
        "detractors": 1,
        "csat_answers": 3,
        "csat_satisfied": 2,
        "ces_answers": 2,
        "ces_sum": 9,
        "ces_easy": 1,
    }
    assert a + Counters() == a and Counters() + b == b


def test_roll_ups_add_counts_instead_of_averaging() -> None:
    small = counters_for(score_answers({"nps": 10})) + counters_for(score_answers({"nps": 0}))
    big = Counters(responses=8, promoters=8)
    total = small + big
    assert (total.promoters, total.detractors, total.responses) == (9, 1, 10)
    # Averaging the two NPS values (0 and 100) would say 50; the counts say 80.
    assert nps(total.promoters, total.passives, total.detractors).value == pytest.approx(80.0)
