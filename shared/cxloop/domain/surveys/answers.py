"""Answer validation: what a form or a JSON body must hold to be stored as a survey's answers.

A question's `show_if` is judged here as the page's script judges it, so a form posted without
JavaScript (every question shown) and one posted with it are judged alike.
"""

from __future__ import annotations

from collections.abc import Mapping

from cxloop.domain.kernel.errors import ValidationReport
from cxloop.domain.surveys.definitions import Question, SurveyDefinition

MAX_COMMENT_CHARS = 2000
REQUIRED = "an answer is required"
_TRUE = {"true", "yes", "on", "1", "si", "sí", "sim", "oui"}
_FALSE = {"false", "no", "off", "0", "não", "nao", "non"}


def parse_answers(survey: SurveyDefinition, raw: Mapping[str, object]) -> dict[str, object]:
    """Validate answers from a form or JSON; raise InvalidInput naming each bad field.

    Unknown question ids are refused rather than stored, so typos surface to integrators.
    Questions are judged in order against the answers kept so far: an answer to a question
    the customer would not be shown is dropped unread, and only shown questions are required.
    """
    report = ValidationReport()
    answers: dict[str, object] = {}
    for key in raw:
        if survey.question(key) is None:
            report.add(f"answers.{key}", "unknown question")
    for question in survey.questions:
        if not question.shown(answers):
            continue
        value = raw.get(question.id)
        if value in (None, "", []):
            if question.required:
                report.add(f"answers.{question.id}", REQUIRED)
            continue
        parsed = _parse_one(question, value, report)
        if parsed is not None:
            answers[question.id] = parsed
    report.raise_if_any("the answers are invalid")
    return answers


def _parse_one(question: Question, value: object, report: ValidationReport) -> object | None:
    field = f"answers.{question.id}"
    if question.kind == "scale":
        return _parse_scale(question, value, report, field)
    if question.kind == "boolean":
        return _parse_boolean(value, report, field)
    if question.kind in ("choice", "multiple"):
        parse = _parse_choice if question.kind == "choice" else _parse_multiple
        return parse(question, value, report, field)
    if not isinstance(value, str):
        report.add(field, "must be text")
        return None
    text = value.strip()
    if len(text) > MAX_COMMENT_CHARS:
        report.add(field, f"must be at most {MAX_COMMENT_CHARS} characters")
        return None
    return text or None


def _parse_scale(question: Question, value: object, report: ValidationReport, field: str) -> int | None:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value.strip())
    if number is None:
        report.add(field, "must be a whole number")
        return None
    if not question.min <= number <= question.max:
        report.add(field, f"must be between {question.min} and {question.max}")
        return None
    return number


def _parse_boolean(value: object, report: ValidationReport, field: str) -> bool | None:
    answer = as_boolean(value)
    if answer is None:
        report.add(field, "must be yes or no")
    return answer


def _parse_choice(question: Question, value: object, report: ValidationReport, field: str) -> str | None:
    allowed = [option.value for option in question.options]
    chosen = value.strip() if isinstance(value, str) else None
    if chosen not in allowed:
        report.add(field, f"must be one of {', '.join(allowed)}")
        return None
    return chosen


def _parse_multiple(
    question: Question, value: object, report: ValidationReport, field: str
) -> list[str] | None:
    """A list of option values (JSON), or one value (a form with one box ticked); kept in
    the options' order, each once."""
    given = [value] if isinstance(value, str) else value
    allowed = [option.value for option in question.options]
    if not isinstance(given, list) or not all(isinstance(item, str) for item in given):
        report.add(field, "must be a list of options")
        return None
    chosen = {item.strip() for item in given}
    unknown = sorted(chosen - set(allowed))
    if unknown:
        report.add(field, f"must be some of {', '.join(allowed)}")
        return None
    return [value for value in allowed if value in chosen] or None


def as_boolean(value: object) -> bool | None:
    """A yes/no answer from JSON (true) or a form ("yes", "sí", "oui"); None when it is neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    return None
