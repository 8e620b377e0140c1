"""The metric arithmetic of docs/ARCHITECTURE.md (Metric definitions): NPS with adjusted Wald,
CSAT with Wilson, CES mean."""

from __future__ import annotations

import math

import pytest

from cxloop.domain.feedback.metrics import (
    SMALL_SAMPLE,
    Counters,
    DriverCounts,
    ScaleAnswer,
    TopicCounts,
    ces,
    counters_for,
    csat,
    nps,
    t95,
)
from cxloop.domain.surveys.scoring import score_answers


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
        "ces_sum_sq": 4,
        "comments": 0,
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
        "ces_sum_sq": 0,
        "comments": 0,
    }
    assert a + Counters() == a and Counters() + b == b


def test_roll_ups_add_counts_instead_of_averaging() -> None:
    small = counters_for(score_answers({"nps": 10})) + counters_for(score_answers({"nps": 0}))
    big = Counters(responses=8, promoters=8)
    total = small + big
    assert (total.promoters, total.detractors, total.responses) == (9, 1, 10)
    # Averaging the two NPS values (0 and 100) would say 50; the counts say 80.
    assert nps(total.promoters, total.passives, total.detractors).value == pytest.approx(80.0)


# --- what one response adds: CES spread, drivers and topics ------------------------------------


@pytest.mark.parametrize(
    ("value", "minimum", "maximum", "low", "high"),
    [
        (2, 1, 5, True, False),
        (3, 1, 5, False, False),
        (4, 1, 5, False, True),
        (2, 1, 7, True, False),
        (3, 1, 7, False, False),
        (6, 1, 7, False, True),
        (5, 1, 7, False, False),
        (2, 0, 10, True, False),
        (3, 0, 10, False, False),
        (8, 0, 10, False, True),
    ],
)
def test_low_is_the_bottom_quarter_of_a_scale_and_high_the_top(
    value: int, minimum: int, maximum: int, low: bool, high: bool
) -> None:
    answer = ScaleAnswer(value, minimum, maximum)
    assert (answer.is_low, answer.is_high) == (low, high)


def test_a_response_adds_its_drivers_beside_its_nps_category_and_its_topics() -> None:
    score = score_answers({"nps": 3, "ces": 5, "comment": "Esperé dos horas"}).model_copy(
        update={"sentiment": "negative", "topics": ("waiting_time", "staff_attitude")}
    )
    drivers = {"waiting_time": ScaleAnswer(1, 1, 5), "cleanliness": ScaleAnswer(4, 1, 5)}
    counters = counters_for(score, drivers)
    assert (counters.ces_sum, counters.ces_sum_sq, counters.comments) == (5, 25, 1)
    assert counters.drivers == {
        "waiting_time": DriverCounts(answers=1, total=1, low=1, detractors=1, low_detractors=1),
        "cleanliness": DriverCounts(answers=1, total=4, high=1, detractors=1, high_detractors=1),
    }
    assert counters.topics == {
        "waiting_time": TopicCounts(mentions=1, negative=1),
        "staff_attitude": TopicCounts(mentions=1, negative=1),
    }


def test_a_driver_answered_without_nps_counts_its_answer_but_no_category() -> None:
    counters = counters_for(score_answers({"csat": 4}), {"cleanliness": ScaleAnswer(5, 1, 5)})
    assert counters.drivers["cleanliness"] == DriverCounts(answers=1, total=5, high=1)


def test_counters_are_stored_under_flat_names_and_read_back() -> None:
    counters = Counters(
        responses=2,
        promoters=1,
        ces_answers=2,
        ces_sum=9,
        ces_sum_sq=41,
        comments=1,
        drivers={"waiting_time": DriverCounts(answers=2, total=3, low=2, promoters=1, low_promoters=1)},
        topics={"price": TopicCounts(mentions=1)},
    )
    stored = counters.as_dict()
    assert stored["driver#waiting_time#n"] == 2 and stored["driver#waiting_time#sum"] == 3
    assert stored["driver#waiting_time#low_promoters"] == 1 and stored["topic#price#n"] == 1
    assert stored["topic#price#negative"] == 0 and stored["ces_sum_sq"] == 41
    assert Counters.from_dict(stored | {"unknown": 7}) == counters


def test_drivers_and_topics_add_by_name() -> None:
    a = Counters(drivers={"x": DriverCounts(answers=1, total=2)}, topics={"price": TopicCounts(1, 1)})
    b = Counters(drivers={"x": DriverCounts(answers=2, total=9), "y": DriverCounts(answers=1, total=5)})
    total = a + b
    assert total.drivers == {"x": DriverCounts(answers=3, total=11), "y": DriverCounts(answers=1, total=5)}
    assert total.topics == {"price": TopicCounts(1, 1)}


def test_minus_takes_a_child_out_of_its_parent_and_never_goes_below_zero() -> None:
    child = Counters(responses=2, promoters=2, topics={"price": TopicCounts(2, 1)})
    parent = child + Counters(responses=3, detractors=3, topics={"price": TopicCounts(1, 0)})
    rest = parent.minus(child)
    assert (rest.responses, rest.promoters, rest.detractors) == (3, 0, 3)
    assert rest.topics == {"price": TopicCounts(1, 0)}
    assert Counters(promoters=1).minus(Counters(promoters=4)).promoters == 0


# --- the CES interval ---------------------------------------------------------------------------


def test_the_ces_interval_is_students_t_from_the_sum_of_squares() -> None:
    # 4, 5, 6, 5, 5: mean 5; variance (5*127 - 25^2)/(5*4) = 0.5; se = sqrt(0.5/5) = 0.3162;
    # t(4) = 2.776 -> 5 +- 0.8778 = [4.122, 5.878].
    estimate = ces(total=25, answers=5, sum_sq=127)
    assert estimate.value == 5.0
    assert (round(estimate.low or 0, 3), round(estimate.high or 0, 3)) == (4.122, 5.878)


def test_the_ces_interval_stays_on_the_scale_and_needs_two_answers() -> None:
    wide = ces(total=12, answers=3, sum_sq=4 + 16 + 36)  # 2, 4, 6: 4 +- 4.303 * 2/sqrt(3)
    assert (wide.low, wide.high) == (1.0, 7.0)
    one = ces(total=6, answers=1, sum_sq=36)
    assert one.value == 6.0 and one.low is None and one.high is None


@pytest.mark.parametrize(("df", "expected"), [(1, 12.706), (4, 2.776), (30, 2.042), (3.9, 3.182)])
def test_t_quantiles_from_the_table(df: float, expected: float) -> None:
    assert t95(df) == expected


@pytest.mark.parametrize(("df", "expected"), [(40, 2.021), (60, 2.000), (120, 1.980)])
def test_t_quantiles_beyond_the_table_match_published_values(df: float, expected: float) -> None:
    assert t95(df) == pytest.approx(expected, abs=0.001)
