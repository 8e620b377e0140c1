"""Survey definitions and answer validation (DESIGN §3.2).

The default survey asks nps (0-10), csat (1-5), ces (1-7), comment (text) and
callback (yes/no). Definitions are data: later surveys add driver ratings and
display logic without touching this module's callers.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from cxloop.domain.errors import ValidationReport

QuestionKind = Literal["scale", "text", "boolean"]
MAX_COMMENT_CHARS = 2000
_TRUE = {"true", "yes", "on", "1", "si", "sí"}
_FALSE = {"false", "no", "off", "0"}


class Question(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    kind: QuestionKind
    # Text per language ("es", "en"); the page falls back to English.
    label: dict[str, str]
    low_label: dict[str, str] = {}
    high_label: dict[str, str] = {}
    min: int = 0
    max: int = 10
    required: bool = False

    def text(self, mapping: dict[str, str], language: str) -> str:
        return mapping.get(language) or mapping.get("en", "")


class SurveyDefinition(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    version: int
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


DEFAULT_SURVEY = SurveyDefinition(
    id="default",
    version=1,
    questions=(
        Question(
            id="nps",
            kind="scale",
            min=0,
            max=10,
            required=True,
            label={
                "es": "¿Qué tan probable es que nos recomiende a un amigo o familiar?",
                "en": "How likely are you to recommend us to a friend or colleague?",
            },
            low_label={"es": "Nada probable", "en": "Not at all likely"},
            high_label={"es": "Muy probable", "en": "Extremely likely"},
        ),
        Question(
            id="csat",
            kind="scale",
            min=1,
            max=5,
            label={
                "es": "¿Qué tan satisfecho quedó con la atención recibida?",
                "en": "How satisfied were you with the service you received?",
            },
            low_label={"es": "Muy insatisfecho", "en": "Very dissatisfied"},
            high_label={"es": "Muy satisfecho", "en": "Very satisfied"},
        ),
        Question(
            id="ces",
            kind="scale",
            min=1,
            max=7,
            label={
                "es": "La empresa me facilitó resolver lo que necesitaba.",
                "en": "The company made it easy to handle my request.",
            },
            low_label={"es": "Totalmente en desacuerdo", "en": "Strongly disagree"},
            high_label={"es": "Totalmente de acuerdo", "en": "Strongly agree"},
        ),
        Question(
            id="comment",
            kind="text",
            label={"es": "¿Qué podríamos mejorar?", "en": "What could we do better?"},
        ),
        Question(
            id="callback",
            kind="boolean",
            label={
                "es": "¿Desea que lo llamemos para conversar sobre su experiencia?",
                "en": "Would you like us to call you about your experience?",
            },
        ),
    ),
)


def parse_answers(survey: SurveyDefinition, raw: dict[str, object]) -> dict[str, object]:
    """Validate answers from a form or JSON; raise InvalidInput naming each bad field.

    Unknown question ids are refused rather than stored, so typos surface to integrators.
    """
    report = ValidationReport()
    answers: dict[str, object] = {}
    for key in raw:
        if survey.question(key) is None:
            report.add(f"answers.{key}", "unknown question")
    for question in survey.questions:
        value = raw.get(question.id)
        if value is None or value == "":
            if question.required:
                report.add(f"answers.{question.id}", "an answer is required")
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


def as_boolean(value: object) -> bool | None:
    """A yes/no answer from JSON (true) or a form ("yes", "sí", "on"); None when it is neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    return None
