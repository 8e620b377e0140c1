"""Answer validation (docs/ARCHITECTURE.md, The public contract): form strings and JSON, each
problem named `answers.<id>`."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cxloop.domain.kernel.errors import InvalidInput
from cxloop.domain.surveys.answers import MAX_COMMENT_CHARS, parse_answers
from cxloop.domain.surveys.definitions import (
    DEFAULT_SURVEY,
    Condition,
    Question,
    SurveyDefinition,
    visible_questions,
)
from cxloop.domain.surveys.scoring import score_answers


def parse(raw: dict[str, object]) -> dict[str, object]:
    return parse_answers(DEFAULT_SURVEY, raw)


def refused(raw: dict[str, object]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as refusal:
        parse(raw)
    assert refusal.value.code == "validation_error"
    return {p.field: p.problem for p in refusal.value.details}


def test_the_default_survey_asks_the_contract_questions_then_follow_ups() -> None:
    assert [q.id for q in DEFAULT_SURVEY.questions] == [
        "nps",
        "csat",
        "ces",
        "comment",
        "callback",
        "callback_time",
        "praise",
    ]
    ranges = {q.id: (q.min, q.max) for q in DEFAULT_SURVEY.questions if q.kind == "scale"}
    assert ranges == {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
    assert [q.id for q in DEFAULT_SURVEY.questions if q.required] == ["nps"]


def test_form_strings_become_typed_answers() -> None:
    parsed = parse({"nps": "5", "csat": " 4 ", "ces": "6", "comment": " Bien ", "callback": "sí"})
    assert parsed == {"nps": 5, "csat": 4, "ces": 6, "comment": "Bien", "callback": True}


def test_json_values_are_accepted_as_they_are() -> None:
    assert parse({"nps": 0, "csat": 5, "ces": 1, "callback": False}) == {
        "nps": 0,
        "csat": 5,
        "ces": 1,
        "callback": False,
    }


def test_blank_optional_answers_are_left_out() -> None:
    assert parse({"nps": "3", "csat": "", "ces": None, "comment": "   ", "callback": ""}) == {"nps": 3}


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
    problems = refused({"nps": "2", "csat": "0", "ces": "x", "callback": "maybe", "mood": "ok"})
    assert set(problems) == {"answers.csat", "answers.ces", "answers.callback", "answers.mood"}
    problems = refused({"nps": "11", "csat": "0", "ces": "x", "mood": "ok"})
    assert set(problems) == {"answers.nps", "answers.csat", "answers.ces", "answers.mood"}


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
        ("sim", True),
        ("oui", True),
        ("não", False),
        ("non", False),
    ],
)
def test_callback_words(text: object, value: bool) -> None:
    assert parse({"nps": "6", "callback": text})["callback"] is value


@pytest.mark.parametrize("text", ["maybe", "2", 1, "y"])
def test_callback_nonsense_is_refused(text: object) -> None:
    assert list(refused({"nps": "6", "callback": text})) == ["answers.callback"]


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


# --- display logic (show_if) ---------------------------------------------------------------


def shown_ids(answers: dict[str, object]) -> list[str]:
    return [q.id for q in visible_questions(DEFAULT_SURVEY, answers)]


@pytest.mark.parametrize(
    ("nps", "follow_ups"),
    [
        (0, ["comment", "callback"]),
        (6, ["comment", "callback"]),
        (7, ["comment", "callback"]),
        (8, ["comment", "callback"]),
        (9, ["praise"]),
        (10, ["praise"]),
    ],
)
def test_the_score_decides_the_follow_up_questions(nps: int, follow_ups: list[str]) -> None:
    assert shown_ids({"nps": nps}) == ["nps", "csat", "ces", *follow_ups]


def test_the_call_time_is_asked_only_after_a_yes_to_the_call_back() -> None:
    assert "callback_time" in shown_ids({"nps": 3, "callback": True})
    assert "callback_time" not in shown_ids({"nps": 3, "callback": False})
    # A promoter's stray callback=True is not enough: the call back itself is not shown to them.
    assert "callback_time" not in shown_ids({"nps": 9, "callback": True})


def test_without_a_score_only_the_unconditional_questions_show() -> None:
    assert shown_ids({}) == ["nps", "csat", "ces"]


def test_a_detractor_keeps_every_follow_up_answer() -> None:
    raw: dict[str, object] = {
        "nps": "2",
        "comment": "Nadie vino",
        "callback": "yes",
        "callback_time": "evening",
    }
    assert parse(raw) == {"nps": 2, "comment": "Nadie vino", "callback": True, "callback_time": "evening"}


def test_answers_to_hidden_questions_are_dropped_not_refused() -> None:
    # A form posted without JavaScript carries every field: the server applies the logic.
    raw: dict[str, object] = {
        "nps": "10",
        "comment": "n/a",
        "callback": "maybe",
        "callback_time": "never",
        "praise": " Rápido ",
    }
    assert parse(raw) == {"nps": 10, "praise": "Rápido"}


def test_a_passive_may_comment_and_ask_for_a_call_a_promoter_may_not() -> None:
    # A passive asking for a call becomes a request ticket (the asked_for_call rule).
    assert parse({"nps": "8", "comment": "Lento", "callback": "yes", "callback_time": "morning"}) == {
        "nps": 8,
        "comment": "Lento",
        "callback": True,
        "callback_time": "morning",
    }
    assert parse({"nps": "9", "callback": "yes", "callback_time": "morning"}) == {"nps": 9}


def test_the_call_time_must_be_one_of_the_options_when_shown() -> None:
    problems = refused({"nps": "1", "callback": "yes", "callback_time": "midnight"})
    assert problems == {"answers.callback_time": "must be one of morning, afternoon, evening"}
    assert parse({"nps": "1", "callback": "yes", "callback_time": " morning "})["callback_time"] == "morning"


def test_a_bad_score_hides_the_follow_ups_and_is_the_only_problem() -> None:
    assert refused({"nps": "eleven", "callback": "maybe"}) == {"answers.nps": "must be a whole number"}


def test_scoring_reads_the_new_answers_unchanged() -> None:
    score = score_answers(parse({"nps": "4", "comment": "x", "callback": "yes", "callback_time": "morning"}))
    assert (score.nps_category, score.callback_requested, score.has_comment) == ("detractor", True, True)
    promoter = score_answers(parse({"nps": "9", "praise": "Todo"}))
    assert promoter.nps_category == "promoter" and not promoter.has_comment


def required_follow_up_survey() -> SurveyDefinition:
    return SurveyDefinition(
        id="t",
        version=1,
        questions=(
            Question(id="nps", kind="scale", required=True, label={"en": "Score?"}),
            Question(
                id="why",
                kind="text",
                required=True,
                label={"en": "Why?"},
                show_if=Condition(field="nps", op="<", value=5),
            ),
        ),
    )


def test_a_required_question_is_required_only_when_shown() -> None:
    survey = required_follow_up_survey()
    assert parse_answers(survey, {"nps": "9"}) == {"nps": 9}
    with pytest.raises(InvalidInput) as refusal:
        parse_answers(survey, {"nps": "2"})
    assert [(p.field, p.problem) for p in refusal.value.details] == [("answers.why", "an answer is required")]


@pytest.mark.parametrize(
    ("condition", "answers", "holds"),
    [
        ({"field": "nps", "op": "<=", "value": 6}, {"nps": 6}, True),
        ({"field": "nps", "op": "<", "value": 6}, {"nps": 6}, False),
        ({"field": "nps", "op": ">", "value": 8}, {"nps": 9}, True),
        ({"field": "nps", "op": "!=", "value": 5}, {"nps": 5}, False),
        ({"field": "nps", "op": "<=", "value": 6}, {}, False),
        ({"field": "callback", "op": "==", "value": True}, {"callback": True}, True),
        # True <= 6 in Python; a yes/no answer never satisfies a numeric condition here.
        ({"field": "nps", "op": "<=", "value": 6}, {"nps": True}, False),
        ({"field": "callback", "op": "==", "value": True}, {"callback": 1}, False),
        ({"field": "nps", "op": "<", "value": 6}, {"nps": "3"}, False),
        ({"field": "when", "op": "==", "value": "morning"}, {"when": "morning"}, True),
    ],
)
def test_conditions(condition: dict[str, object], answers: dict[str, object], holds: bool) -> None:
    assert Condition.model_validate(condition).holds(answers) is holds


def test_a_condition_keeps_a_boolean_a_boolean() -> None:
    assert Condition.model_validate({"field": "callback", "op": "==", "value": True}).value is True


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        (
            [
                {
                    "id": "why",
                    "kind": "text",
                    "label": {},
                    "show_if": {"field": "nps", "op": "<", "value": 5},
                },
                {"id": "nps", "kind": "scale", "label": {}},
            ],
            "not an earlier question",
        ),
        (
            [
                {"id": "nps", "kind": "scale", "label": {}},
                {
                    "id": "why",
                    "kind": "text",
                    "label": {},
                    "show_if": {"field": "nps", "op": "<", "value": "5"},
                },
            ],
            "cannot be a nps answer",
        ),
        (
            [
                {"id": "ok", "kind": "boolean", "label": {}},
                {
                    "id": "why",
                    "kind": "text",
                    "label": {},
                    "show_if": {"field": "ok", "op": "==", "value": 1},
                },
            ],
            "cannot be a ok answer",
        ),
        ([{"id": "when", "kind": "choice", "label": {}}], "needs options"),
        ([{"id": "nps", "kind": "scale", "label": {}}, {"id": "nps", "kind": "text", "label": {}}], "twice"),
        ([{"id": "Bad Id", "kind": "text", "label": {}}], "pattern"),
        (
            [
                {"id": "nps", "kind": "scale", "label": {}},
                {
                    "id": "why",
                    "kind": "text",
                    "label": {},
                    "show_if": {"field": "nps", "op": "~", "value": 5},
                },
            ],
            "op",
        ),
    ],
    ids=[
        "forward-reference",
        "wrong-value-type",
        "bool-vs-int",
        "choice-without-options",
        "duplicate",
        "bad-id",
        "bad-op",
    ],
)
def test_a_survey_definition_with_broken_logic_is_refused(
    questions: list[dict[str, object]], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        SurveyDefinition.model_validate({"id": "x", "version": 1, "questions": questions})


def test_every_default_question_speaks_the_four_languages() -> None:
    for question in DEFAULT_SURVEY.questions:
        for texts in (
            question.label,
            question.if_note,
            question.hint,
            question.low_label,
            question.high_label,
        ):
            assert set(texts) in (set(), {"es", "en", "pt", "fr"}), question.id
        for option in question.options:
            assert set(option.label) == {"es", "en", "pt", "fr"}
