"""Survey definitions and their display logic; the built-in surveys.

The default survey asks nps (0-10), csat (1-5), ces (1-7), then follow-ups that depend
on the score: a non-promoter is asked what went wrong (comment), a detractor is offered
a call back (callback, callback_time) and a promoter is asked what they liked (praise).
Definitions are data: a question's `show_if` is a condition on an earlier answer, and
the page's script and this validator read the same condition, so a form posted without
JavaScript (every question shown) and one posted with it are judged alike (the validator
is cxloop.domain.surveys.answers).

Beyond the built-in surveys, analysts publish a catalogue of definitions
(cxloop.domain.surveys.survey_catalogue).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import ConfigDict, StringConstraints, model_validator

from cxloop.domain.kernel import formulas
from cxloop.domain.kernel.comparisons import COMPARISONS
from cxloop.domain.kernel.modelling import DomainModel
from cxloop.domain.surveys.names import CASE_RESOLVED, FOLLOW_UP_SURVEY_ID

# "multiple": several options may be chosen, the answer is the list of their values.
QuestionKind = Literal["scale", "text", "boolean", "choice", "multiple"]
ConditionOp = Literal["<", "<=", ">", ">=", "==", "!="]
# Ids become HTML ids, form names and storage keys: keep them to a safe alphabet.
QuestionId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
# Text per language ("es", "en", "pt", "fr"); a missing language falls back to English.
Localized = dict[str, str]


def localized(mapping: Mapping[str, str], language: str) -> str:
    return mapping.get(language) or mapping.get("en", "")


class Condition(DomainModel):
    """`{"field": "nps", "op": "<=", "value": 6}`: holds only when that answer was given and kept."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: QuestionId
    op: ConditionOp
    # bool first: pydantic must keep `true` a boolean, not turn it into 1.
    value: bool | int | str

    def holds(self, answers: Mapping[str, object]) -> bool:
        if self.field not in answers:
            return False
        answer = answers[self.field]
        # True <= 6 is true in Python; a yes/no answer never compares with a number.
        if isinstance(answer, bool) != isinstance(self.value, bool):
            return False
        if isinstance(answer, str) != isinstance(self.value, str):
            return False
        return COMPARISONS[self.op](answer, self.value)


class Choice(DomainModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    value: QuestionId
    label: Localized


class Question(DomainModel):
    model_config = ConfigDict(frozen=True)

    id: QuestionId
    kind: QuestionKind
    label: Localized
    # A sentence shown above the control (for example a thank-you before a follow-up).
    hint: Localized = {}
    # Shown only when the page runs without JavaScript, where every question is visible.
    if_note: Localized = {}
    low_label: Localized = {}
    high_label: Localized = {}
    min: int = 0
    max: int = 10
    options: tuple[Choice, ...] = ()
    required: bool = False
    show_if: Condition | None = None
    # Consecutive scale questions with the same grid heading are one driver grid: one
    # fieldset under the heading, a row of ratings per question (each still its own answer).
    grid: Localized = {}

    def text(self, mapping: Mapping[str, str], language: str) -> str:
        return localized(mapping, language)

    def shown(self, answers: Mapping[str, object]) -> bool:
        return self.show_if is None or self.show_if.holds(answers)

    @model_validator(mode="after")
    def _choices_have_options(self) -> Question:
        if self.kind in ("choice", "multiple") and not self.options:
            raise ValueError(f"question {self.id!r}: a {self.kind} question needs options")
        values = [option.value for option in self.options]
        if len(set(values)) != len(values):
            raise ValueError(f"question {self.id!r}: option values must be unique")
        if self.kind == "scale" and self.min >= self.max:
            raise ValueError(f"question {self.id!r}: min must be below max")
        if self.grid and self.kind != "scale":
            raise ValueError(f"question {self.id!r}: only scale questions may be in a grid")
        if self.grid and self.show_if is not None:
            # A grid is one group on the page: its rows are shown together or not at all.
            raise ValueError(f"question {self.id!r}: a grid row cannot have show_if")
        return self


class IndexDefinition(DomainModel):
    """A custom weighted index: `{"id": "loyalty", "formula": "0.7 * nps + 0.3 * csat * 2"}`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: QuestionId
    formula: Annotated[str, StringConstraints(min_length=1, max_length=formulas.MAX_CHARS)]


class SurveyDefinition(DomainModel):
    model_config = ConfigDict(frozen=True)

    id: str
    version: int
    questions: tuple[Question, ...]
    indexes: tuple[IndexDefinition, ...] = ()

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    @property
    def numeric_answers(self) -> frozenset[str]:
        """The answers a formula may read: ratings as numbers, yes/no as 1 or 0."""
        return frozenset(q.id for q in self.questions if q.kind in ("scale", "boolean"))

    def index_values(self, answers: Mapping[str, object]) -> dict[str, float | None]:
        return {index.id: formulas.evaluate(index.formula, answers) for index in self.indexes}

    @model_validator(mode="after")
    def _indexes_are_sound(self) -> SurveyDefinition:
        ids = [index.id for index in self.indexes]
        if len(set(ids)) != len(ids):
            raise ValueError("indexes: each index id must be unique")
        for position, index in enumerate(self.indexes):
            try:
                formulas.check(index.formula, self.numeric_answers)
            except formulas.FormulaError as problem:
                raise ValueError(f"indexes.{position}.formula ({index.id}): {problem}") from None
        return self

    @model_validator(mode="after")
    def _grids_are_together(self) -> SurveyDefinition:
        """A grid's rows are consecutive, and a grid heading is used by one grid only."""
        closed: set[str] = set()
        previous: str | None = None
        for question in self.questions:
            heading = grid_key(question)
            if heading is not None and heading != previous and heading in closed:
                raise ValueError(f"question {question.id!r}: the rows of a grid must be consecutive")
            if previous is not None:
                closed.add(previous)
            previous = heading
        return self

    @model_validator(mode="after")
    def _conditions_look_back(self) -> SurveyDefinition:
        """A condition may only name an earlier question: the page reveals questions top-down."""
        seen: dict[str, Question] = {}
        for question in self.questions:
            if question.id in seen:
                raise ValueError(f"question {question.id!r} appears twice")
            condition = question.show_if
            if condition is not None:
                earlier = seen.get(condition.field)
                if earlier is None:
                    raise ValueError(
                        f"question {question.id!r}: show_if names {condition.field!r}, "
                        "which is not an earlier question"
                    )
                _check_condition_fits(question.id, condition, earlier)
            seen[question.id] = question
        return self


def _check_condition_fits(question_id: str, condition: Condition, earlier: Question) -> None:
    if earlier.kind == "multiple":
        raise ValueError(f"question {question_id!r}: show_if cannot depend on a multiple-choice answer")
    expected: type = {"scale": int, "boolean": bool, "choice": str, "text": str}[earlier.kind]
    value = condition.value
    fits = isinstance(value, expected) and (expected is bool or not isinstance(value, bool))
    if earlier.kind == "choice":
        fits = fits and value in {option.value for option in earlier.options}
    if not fits:
        raise ValueError(f"question {question_id!r}: show_if value {value!r} cannot be a {earlier.id} answer")


def grid_key(question: Question) -> str | None:
    """What makes rows one grid: the same heading in every language."""
    return repr(sorted(question.grid.items())) if question.grid else None


def visible_questions(survey: SurveyDefinition, answers: Mapping[str, object]) -> list[Question]:
    """The questions a customer with these (parsed) answers is asked, in order.

    Only a shown question's answer counts for later conditions, as in parse_answers and
    the page's script: a hidden call back never reveals the call time.
    """
    counted: dict[str, object] = {}
    shown: list[Question] = []
    for question in survey.questions:
        if question.shown(counted):
            shown.append(question)
            if question.id in answers:
                counted[question.id] = answers[question.id]
    return shown


# The questions that ask for a call back (docs/ARCHITECTURE.md, The public contract, names
# `callback`); a survey of its own that offers one uses the same id, so an anonymous
# respondent is never offered it.
CALL_BACK_QUESTIONS = frozenset({"callback"})


def without_call_back(survey: SurveyDefinition) -> SurveyDefinition:
    """The survey shown to an anonymous respondent (a QR code at a counter): nobody can call
    them, so the call-back question goes, and with it every question that depends on it (the
    call time). Same id and version: the answers still count as that survey's. model_copy
    skips validation on purpose: an index that reads a removed answer just finds it missing,
    as it does when a customer skips the question."""
    removed = set(CALL_BACK_QUESTIONS)
    kept: list[Question] = []
    for question in survey.questions:
        if question.id in removed or (question.show_if is not None and question.show_if.field in removed):
            removed.add(question.id)
            continue
        kept.append(question)
    if len(kept) == len(survey.questions):
        return survey
    return survey.model_copy(update={"questions": tuple(kept)})


_NOT_PROMOTER = Condition(field="nps", op="<=", value=8)
_PROMOTER = Condition(field="nps", op=">=", value=9)

DEFAULT_SURVEY = SurveyDefinition(
    id="default",
    version=2,
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
                "pt": "Qual é a probabilidade de você nos recomendar a um amigo ou colega?",
                "fr": "Quelle est la probabilité que vous nous recommandiez à un proche "
                "ou un collègue\u00a0?",
            },
            low_label={
                "es": "Nada probable",
                "en": "Not at all likely",
                "pt": "Nada provável",
                "fr": "Pas du tout probable",
            },
            high_label={
                "es": "Muy probable",
                "en": "Extremely likely",
                "pt": "Muito provável",
                "fr": "Très probable",
            },
        ),
        Question(
            id="csat",
            kind="scale",
            min=1,
            max=5,
            label={
                "es": "¿Qué tan satisfecho quedó con la atención recibida?",
                "en": "How satisfied were you with the service you received?",
                "pt": "Qual é o seu nível de satisfação com o atendimento recebido?",
                "fr": "Dans quelle mesure êtes-vous satisfait du service reçu\u00a0?",
            },
            low_label={
                "es": "Muy insatisfecho",
                "en": "Very dissatisfied",
                "pt": "Muito insatisfeito",
                "fr": "Très insatisfait",
            },
            high_label={
                "es": "Muy satisfecho",
                "en": "Very satisfied",
                "pt": "Muito satisfeito",
                "fr": "Très satisfait",
            },
        ),
        Question(
            id="ces",
            kind="scale",
            min=1,
            max=7,
            label={
                "es": "La empresa me facilitó resolver lo que necesitaba.",
                "en": "The company made it easy to handle my request.",
                "pt": "A empresa facilitou a resolução do que eu precisava.",
                "fr": "L'entreprise m'a facilité le traitement de ma demande.",
            },
            low_label={
                "es": "Totalmente en desacuerdo",
                "en": "Strongly disagree",
                "pt": "Discordo totalmente",
                "fr": "Pas du tout d'accord",
            },
            high_label={
                "es": "Totalmente de acuerdo",
                "en": "Strongly agree",
                "pt": "Concordo totalmente",
                "fr": "Tout à fait d'accord",
            },
        ),
        Question(
            id="comment",
            kind="text",
            # Passives too: their "what could be better" is the cheapest improvement list there is.
            show_if=_NOT_PROMOTER,
            label={
                "es": "¿Qué salió mal o qué podríamos mejorar?",
                "en": "What went wrong, or what could we do better?",
                "pt": "O que deu errado ou o que poderíamos melhorar?",
                "fr": "Qu'est-ce qui n'a pas été, ou que pourrions-nous améliorer\u00a0?",
            },
            if_note={
                "es": "Responda si su calificación fue de 0 a 8.",
                "en": "Answer if your score was 0 to 8.",
                "pt": "Responda se a sua nota foi de 0 a 8.",
                "fr": "Répondez si votre note était de 0 à 8.",
            },
        ),
        Question(
            id="callback",
            kind="boolean",
            # Passives too: a 7 or 8 who asks for a call has a request worth a ticket.
            show_if=_NOT_PROMOTER,
            label={
                "es": "¿Desea que lo llamemos para conversar sobre su experiencia?",
                "en": "Would you like us to call you about your experience?",
                "pt": "Gostaria que ligássemos para você para conversar sobre a sua experiência?",
                "fr": "Souhaitez-vous que nous vous appelions au sujet de votre expérience\u00a0?",
            },
            if_note={
                "es": "Responda si su calificación fue de 0 a 8.",
                "en": "Answer if your score was 0 to 8.",
                "pt": "Responda se a sua nota foi de 0 a 8.",
                "fr": "Répondez si votre note était de 0 à 8.",
            },
        ),
        Question(
            id="callback_time",
            kind="choice",
            show_if=Condition(field="callback", op="==", value=True),
            label={
                "es": "¿A qué hora prefiere que lo llamemos?",
                "en": "When is the best time to call you?",
                "pt": "Qual é o melhor horário para ligarmos?",
                "fr": "À quel moment préférez-vous être appelé\u00a0?",
            },
            if_note={
                "es": "Responda si pidió que lo llamemos.",
                "en": "Answer if you asked us to call you.",
                "pt": "Responda se pediu que ligássemos.",
                "fr": "Répondez si vous avez demandé à être appelé.",
            },
            options=(
                Choice(
                    value="morning",
                    label={"es": "Por la mañana", "en": "Morning", "pt": "De manhã", "fr": "Le matin"},
                ),
                Choice(
                    value="afternoon",
                    label={"es": "Por la tarde", "en": "Afternoon", "pt": "À tarde", "fr": "L'après-midi"},
                ),
                Choice(
                    value="evening",
                    label={"es": "Por la noche", "en": "Evening", "pt": "À noite", "fr": "Le soir"},
                ),
            ),
        ),
        Question(
            id="praise",
            kind="text",
            show_if=_PROMOTER,
            hint={
                "es": "¡Gracias por su excelente calificación!",
                "en": "Thank you for the great score!",
                "pt": "Obrigado pela ótima nota!",
                "fr": "Merci pour cette excellente note\u00a0!",
            },
            label={
                "es": "¿Qué fue lo que más le gustó?",
                "en": "What did you like most?",
                "pt": "Do que você mais gostou?",
                "fr": "Qu'avez-vous le plus apprécié\u00a0?",
            },
            if_note={
                "es": "Responda si su calificación fue de 9 o 10.",
                "en": "Answer if your score was 9 or 10.",
                "pt": "Responda se a sua nota foi 9 ou 10.",
                "fr": "Répondez si votre note était de 9 ou 10.",
            },
        ),
    ),
)


# Sent after a ticket is resolved: was it solved? An unhappy answer reopens the ticket.
FOLLOW_UP_SURVEY = SurveyDefinition(
    id=FOLLOW_UP_SURVEY_ID,
    version=1,
    questions=(
        Question(
            id="solved",
            kind="boolean",
            required=True,
            label={
                "es": "¿Resolvimos su caso?",
                "en": "Did we solve your case?",
                "pt": "Resolvemos o seu caso?",
                "fr": "Avons-nous résolu votre dossier\u00a0?",
            },
        ),
        Question(
            id="csat",
            kind="scale",
            min=1,
            max=5,
            required=True,
            label={
                "es": "¿Qué tan satisfecho quedó con la solución?",
                "en": "How satisfied are you with the solution?",
                "pt": "Qual é a sua satisfação com a solução?",
                "fr": "Dans quelle mesure êtes-vous satisfait de la solution\u00a0?",
            },
            low_label={"es": "Nada", "en": "Not at all", "pt": "Nada", "fr": "Pas du tout"},
            high_label={"es": "Totalmente", "en": "Completely", "pt": "Totalmente", "fr": "Tout à fait"},
        ),
        Question(
            id="comment",
            kind="text",
            label={
                "es": "¿Algo más que debamos saber?",
                "en": "Anything else we should know?",
                "pt": "Mais alguma coisa que devamos saber?",
                "fr": "Autre chose que nous devrions savoir\u00a0?",
            },
        ),
    ),
)
SURVEYS: dict[str, SurveyDefinition] = {survey.id: survey for survey in (DEFAULT_SURVEY, FOLLOW_UP_SURVEY)}


def survey_for_event(event_type: str) -> SurveyDefinition:
    return FOLLOW_UP_SURVEY if event_type == CASE_RESOLVED else DEFAULT_SURVEY
