"""Scores of one response (docs/ARCHITECTURE.md, Metric definitions): NPS category, CSAT
top-2-box, CES easy share."""

from __future__ import annotations

import pytest

from cxloop.domain.surveys.scoring import SCALES, nps_category, score_answers


@pytest.mark.parametrize(
    ("value", "category"),
    [(0, "detractor"), (6, "detractor"), (7, "passive"), (8, "passive"), (9, "promoter"), (10, "promoter")],
)
def test_nps_categories_at_their_edges(value: int, category: str) -> None:
    assert nps_category(value) == category
    assert score_answers({"nps": value}).nps_category == category


@pytest.mark.parametrize(("value", "satisfied"), [(1, False), (3, False), (4, True), (5, True)])
def test_csat_is_satisfied_from_4(value: int, satisfied: bool) -> None:
    assert score_answers({"csat": value}).csat_satisfied is satisfied


@pytest.mark.parametrize(("value", "easy"), [(1, False), (4, False), (5, True), (7, True)])
def test_ces_is_easy_from_5(value: int, easy: bool) -> None:
    assert score_answers({"ces": value}).ces_easy is easy


def test_a_full_answer() -> None:
    score = score_answers({"nps": 6, "csat": 4, "ces": 5, "comment": " slow ", "callback": True})
    assert (score.nps, score.nps_category) == (6, "detractor")
    assert (score.csat, score.csat_satisfied, score.ces, score.ces_easy) == (4, True, 5, True)
    assert score.callback_requested and score.has_comment


def test_unanswered_questions_score_nothing() -> None:
    score = score_answers({})
    assert (score.nps, score.nps_category, score.csat_satisfied, score.ces_easy) == (None, None, None, None)
    assert not score.callback_requested and not score.has_comment


@pytest.mark.parametrize("flag", [True, False])
def test_booleans_are_not_mistaken_for_scores(flag: bool) -> None:
    # bool is an int in Python: True would otherwise be NPS 1, a detractor.
    score = score_answers({"nps": flag, "csat": flag, "ces": flag})
    assert (score.nps, score.nps_category, score.csat, score.csat_satisfied) == (None, None, None, None)
    assert (score.ces, score.ces_easy) == (None, None)


def test_callback_needs_a_real_true_and_a_blank_comment_is_no_comment() -> None:
    score = score_answers({"nps": 9, "callback": "yes", "comment": "   "})
    assert not score.callback_requested and not score.has_comment


def test_every_scale_stores_its_direction() -> None:
    assert SCALES["nps"] == {"min": 0, "max": 10, "higher_is_better": True}
    assert SCALES["csat"]["min"] == 1 and SCALES["csat"]["max"] == 5
    assert SCALES["ces"]["max"] == 7 and SCALES["ces"]["higher_is_better"] is True
