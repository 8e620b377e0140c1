"""Answer validation (contract §3.2): form strings and JSON, each problem named `answers.<id>`."""

from __future__ import annotations

import pytest

from cxloop.domain.errors import InvalidInput
from cxloop.domain.surveys import DEFAULT_SURVEY, MAX_COMMENT_CHARS, parse_answers


def parse(raw: dict[str, object]) -> dict[str, object]:
    return parse_answers(DEFAULT_SURVEY, raw)


def refused(raw: dict[str, object]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as refusal:
        parse(raw)
    assert refusal.value.code == "validation_error"
    return {p.field: p.problem for p in refusal.value.details}


def test_the_default_survey_asks_the_contract_questions() -> None:
    assert [q.id for q in DEFAULT_SURVEY.questions] == ["nps", "csat", "ces", "comment", "callback"]
    ranges = {q.id: (q.min, q.max) for q in DEFAULT_SURVEY.questions if q.kind == "scale"}
    assert ranges == {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
    assert [q.id for q in DEFAULT_SURVEY.questions if q.required] == ["nps"]


def test_form_strings_become_typed_answers() -> None:
    parsed = parse({"nps": "7", "csat": " 4 ", "ces": "6", "comment": " Bien ", "callback": "sí"})
    assert parsed == {"nps": 7, "csat": 4, "ces": 6, "comment": "Bien", "callback": True}


def test_json_values_are_accepted_as_they_are() -> None:
    assert parse({"nps": 0, "csat": 5, "ces": 1, "callback": False}) == {
        "nps": 0,
        "csat": 5,
        "ces": 1,
        "callback": False,
    }


def test_blank_optional_answers_are_left_out() -> None:
    assert parse({"nps": "9", "csat": "", "ces": None, "comment": "   ", "callback": ""}) == {"nps": 9}


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"nps": "11"}, "answers.nps"),
        ({"nps": 11}, "answers.nps"),
        ({"nps": -1}, "answers.nps"),
        ({"nps": "-1"}, "answers.nps"),
        ({"nps": "5", "csat": "0"}, "answers.csat"),
        ({"nps": "5", "csat": 6}, "answers.csat"),
        ({"nps": "5", "ces": 8}, "answers.ces"),
        ({"nps": "5", "ces": "0"}, "answers.ces"),
    ],
)
def test_out_of_range_answers_are_refused_by_name(raw: dict[str, object], field: str) -> None:
    problems = refused(raw)
    assert list(problems) == [field]
    assert "between" in problems[field]


@pytest.mark.parametrize(
    "value",
    ["seven", "7.5", 7.0, "", "1e1", True, [7], {"score": 7}],
    ids=["word", "decimal-text", "float", "blank", "exponent", "bool", "list", "object"],
)
def test_non_numeric_scale_answers_are_refused(value: object) -> None:
    # nps is required, so a blank one is "required"; every other value is "a whole number".
    problems = refused({"nps": value})
    assert list(problems) == ["answers.nps"]


def test_a_required_nps_missing_is_named() -> None:
    assert refused({"csat": "3"}) == {"answers.nps": "an answer is required"}
    assert refused({}) == {"answers.nps": "an answer is required"}


@pytest.mark.parametrize("key", ["mood", "NPS", "cleanliness", "answers"])
def test_unknown_question_ids_are_refused(key: str) -> None:
    assert list(refused({"nps": "5", key: "ok"})) == [f"answers.{key}"]


def test_every_problem_is_reported_at_once() -> None:
    problems = refused({"nps": "11", "csat": "0", "ces": "x", "callback": "maybe", "mood": "ok"})
    assert set(problems) == {"answers.nps", "answers.csat", "answers.ces", "answers.callback", "answers.mood"}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", True),
        ("Yes", True),
        ("sí", True),
        ("si", True),
        ("true", True),
        ("on", True),
        ("1", True),
        (True, True),
        ("no", False),
        ("false", False),
        ("off", False),
        ("0", False),
        (False, False),
    ],
)
def test_callback_words(text: object, value: bool) -> None:
    assert parse({"nps": "9", "callback": text})["callback"] is value


@pytest.mark.parametrize("text", ["maybe", "2", 1, "y"])
def test_callback_nonsense_is_refused(text: object) -> None:
    assert list(refused({"nps": "9", "callback": text})) == ["answers.callback"]


def test_a_comment_at_the_limit_is_kept_and_one_over_is_refused() -> None:
    assert parse({"nps": "5", "comment": "x" * MAX_COMMENT_CHARS})["comment"] == "x" * 2000
    problems = refused({"nps": "5", "comment": "x" * (MAX_COMMENT_CHARS + 1)})
    assert list(problems) == ["answers.comment"] and "2000" in problems["answers.comment"]


def test_a_comment_must_be_text() -> None:
    assert list(refused({"nps": "5", "comment": 42})) == ["answers.comment"]


def test_markup_in_a_comment_is_kept_verbatim_as_text() -> None:
    # Stored as the customer typed it; escaping is the renderer's job, not the validator's.
    comment = "<script>alert(\"x\")</script> & <b>bold</b> 'quotes'"
    assert parse({"nps": "2", "comment": comment})["comment"] == comment
