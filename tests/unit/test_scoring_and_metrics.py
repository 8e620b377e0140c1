"""Scores of one response and the metric arithmetic of DESIGN §6."""

from __future__ import annotations

import pytest

from cxloop.domain.metrics import Counters, counters_for, csat, nps
from cxloop.domain.scoring import nps_category, score_answers


@pytest.mark.parametrize(
    ("value", "category"),
    [(0, "detractor"), (6, "detractor"), (7, "passive"), (8, "passive"), (9, "promoter"), (10, "promoter")],
)
def test_nps_categories_at_their_edges(value: int, category: str) -> None:
    assert nps_category(value) == category


def test_score_of_a_full_answer() -> None:
    score = score_answers({"nps": 6, "csat": 4, "ces": 5, "comment": " slow ", "callback": True})
    assert (score.nps_category, score.csat_satisfied, score.ces_easy) == ("detractor", True, True)
    assert score.callback_requested and score.has_comment


def test_edges_of_csat_and_ces_and_blank_comments() -> None:
    score = score_answers({"nps": 9, "csat": 3, "ces": 4, "comment": "   "})
    assert (score.csat_satisfied, score.ces_easy, score.has_comment) == (False, False, False)


def test_booleans_are_not_mistaken_for_scores() -> None:
    score = score_answers({"nps": True, "csat": False})
    assert score.nps is None and score.nps_category is None and score.csat is None


def test_design_example_interval() -> None:
    estimate = nps(promoters=50, passives=30, detractors=20)
    assert estimate.value == pytest.approx(30.0)
    assert (round(estimate.low, 1), round(estimate.high, 1)) == (14.1, 44.2)  # type: ignore[arg-type]
    assert not estimate.small_sample


def test_no_answers_means_no_value_not_zero() -> None:
    estimate = nps(0, 0, 0)
    assert (estimate.value, estimate.low, estimate.high, estimate.n) == (None, None, None, 0)
    assert csat(0, 0).value is None


def test_intervals_are_clipped_at_the_ends_of_the_scale() -> None:
    all_promoters = nps(promoters=5, passives=0, detractors=0)
    assert all_promoters.value == 100.0
    assert all_promoters.high == 100.0  # clipped
    assert all_promoters.small_sample
    all_detractors = nps(0, 0, 5)
    assert all_detractors.low == -100.0


def test_wilson_interval_contains_the_share_and_stays_in_bounds() -> None:
    estimate = csat(satisfied=45, answers=50)
    assert estimate.value == pytest.approx(90.0)
    assert 0 <= estimate.low < 90.0 < estimate.high <= 100  # type: ignore[operator]
    perfect = csat(10, 10)
    assert perfect.high == pytest.approx(100.0) and perfect.low < 100  # type: ignore[operator]


def test_roll_ups_add_counts_instead_of_averaging() -> None:
    small = counters_for(score_answers({"nps": 10})) + counters_for(score_answers({"nps": 0}))
    big = Counters(responses=8, promoters=8)
    total = small + big
    assert (total.promoters, total.detractors, total.responses) == (9, 1, 10)
    # Averaging the two NPS values (0 and 100) would say 50; counts say 80.
    assert nps(total.promoters, total.passives, total.detractors).value == pytest.approx(80.0)


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
