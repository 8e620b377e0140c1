"""Weighted-index formulas: arithmetic over answers, parsed with a whitelist, never eval'd."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cxloop.domain.kernel import formulas
from cxloop.domain.kernel.formulas import FormulaError, check, evaluate
from cxloop.domain.surveys.definitions import DEFAULT_SURVEY, SurveyDefinition
from cxloop.domain.surveys.scoring import score_answers

NUMERIC = {"nps", "csat", "ces", "callback"}


@pytest.mark.parametrize(
    ("formula", "answers", "expected"),
    [
        ("0.5 * nps + 10 * csat / 5", {"nps": 8, "csat": 4}, 12.0),
        ("(nps - 5) * 2", {"nps": 9}, 8.0),
        ("-nps + 10", {"nps": 3}, 7.0),
        ("min(nps, csat * 2, 7)", {"nps": 9, "csat": 3}, 6.0),
        ("max(csat, ces) - 1", {"csat": 2, "ces": 6}, 5.0),
        ("if(nps >= 9, 100, 0)", {"nps": 9}, 100.0),
        ("if(nps >= 9, 100, 0)", {"nps": 8}, 0.0),
        ("if(nps != 10, 1, 2)", {"nps": 10}, 2.0),
        ("callback * 10 + csat", {"callback": True, "csat": 1}, 11.0),
    ],
)
def test_a_formula_computes_from_the_answers(
    formula: str, answers: dict[str, object], expected: float
) -> None:
    check(formula, NUMERIC)
    assert evaluate(formula, answers) == pytest.approx(expected)


def test_a_missing_answer_the_formula_needs_gives_none() -> None:
    assert evaluate("nps + csat", {"nps": 9}) is None
    # Only the branch taken needs its answers.
    assert evaluate("if(nps >= 9, 100, csat)", {"nps": 10}) == 100.0
    assert evaluate("if(nps >= 9, 100, csat)", {"nps": 3}) is None


def test_a_division_by_an_answer_that_is_zero_gives_none() -> None:
    assert evaluate("csat / (ces - 1)", {"csat": 4, "ces": 1}) is None
    assert evaluate("csat / (ces - 1)", {"csat": 4, "ces": 3}) == 2.0


def test_the_ids_a_formula_reads_are_named() -> None:
    assert check("nps * 2 + if(csat > 3, ces, 0)", NUMERIC) == {"nps", "csat", "ces"}


@pytest.mark.parametrize(
    ("formula", "words"),
    [
        ("__import__('os').system('id')", "only min(), max() and if()"),
        ("nps.__class__", "Attribute is not allowed"),
        ("().__class__.__bases__[0]", "Subscript is not allowed"),
        ("().__class__", "Attribute is not allowed"),
        ("nps % 2", "Mod is not allowed"),
        ("~nps", "Invert is not allowed"),
        ("nps[0]", "Subscript is not allowed"),
        ("9 ** 9 ** 9", "Pow"),
        ("nps ** 2", "Pow"),
        ("lambda: 1", "Lambda is not allowed"),
        ("'text'", "only numbers"),
        ("True + nps", "only numbers"),
        ("nps if nps else csat", "IfExp is not allowed"),
        ("[nps, csat]", "List is not allowed"),
        ("open('x')", "only min(), max() and if()"),
        ("min(*[nps])", "two or more"),
        ("max(nps)", "two or more"),
        ("min(nps, key=csat)", "only min(), max() and if()"),
        ("if(nps, 1, 0)", "one comparison"),
        ("if(1 < nps < 5, 1, 0)", "one comparison"),
        ("if(nps > 1, 2)", "takes a condition"),
        ("nps > 5", "only be the condition"),
        ("nps and csat", "BoolOp is not allowed"),
        ("nps / 0", "divides by 0"),
        ("nps / -0.0", "divides by 0"),
        ("unknown_answer + 1", "'unknown_answer' is not a numeric answer"),
        ("comment + 1", "'comment' is not a numeric answer"),
        ("1e300 * nps", "numbers must be at most"),
        ("nps +", "not valid arithmetic"),
        ("", "empty"),
        ("(" * 40 + "nps" + ")" * 40 + " + " + "-" * 30 + "nps", "nests deeper"),
        ("+".join(["nps"] * 100), "more than"),
        ("nps + " * 100 + "nps", "longer than"),
        ("(" * 300 + "nps" + ")" * 300, "longer than"),
    ],
)
def test_hostile_or_wrong_formulas_are_refused_naming_why(formula: str, words: str) -> None:
    with pytest.raises(FormulaError) as refused:
        check(formula, NUMERIC)
    assert words in str(refused.value)


def test_deep_nesting_within_the_length_limit_is_refused_not_a_crash() -> None:
    deep = "min(" * 60 + "nps" + ", 1)" * 60
    assert len(deep) < formulas.MAX_CHARS
    with pytest.raises(FormulaError, match=r"nests deeper|more than"):
        check(deep, NUMERIC)


def test_evaluation_refuses_a_tree_check_would_refuse() -> None:
    # evaluate() walks its own whitelist too: a formula never checked still cannot run code.
    with pytest.raises(FormulaError):
        evaluate("nps.__class__", {"nps": 1})


def survey_with(*indexes: dict[str, str]) -> SurveyDefinition:
    document = {**DEFAULT_SURVEY.model_dump(mode="json"), "id": "weighted", "indexes": list(indexes)}
    return SurveyDefinition.model_validate(document)


def test_a_survey_refuses_a_bad_formula_at_publish_time_naming_the_field() -> None:
    with pytest.raises(ValidationError, match=r"indexes\.1\.formula \(bad\): 'praise' is not a numeric"):
        survey_with({"id": "good", "formula": "nps"}, {"id": "bad", "formula": "praise + 1"})
    with pytest.raises(ValidationError, match="each index id must be unique"):
        survey_with({"id": "same", "formula": "nps"}, {"id": "same", "formula": "csat"})


def test_the_score_carries_each_index_or_none_when_an_answer_is_missing() -> None:
    survey = survey_with(
        {"id": "loyalty", "formula": "0.7 * nps * 10 + 0.3 * (csat - 1) * 25"},
        {"id": "effort", "formula": "ces * 2"},
    )
    score = score_answers({"nps": 9, "csat": 5}, survey)
    assert score.indexes == {"loyalty": pytest.approx(93.0), "effort": None}
    assert score_answers({"nps": 9}).indexes == {}
