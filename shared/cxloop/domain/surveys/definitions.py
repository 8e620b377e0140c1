"""Survey definitions, display logic and answer validation (DESIGN §3.2).

The default survey asks nps (0-10), csat (1-5), ces (1-7), then follow-ups that depend
on the score: a non-promoter is asked what went wrong (comment), a detractor is offered
a call back (callback, callback_time) and a promoter is asked what they liked (praise).
Definitions are data: a question's `show_if` is a condition on an earlier answer, and
the page's script and this validator read the same condition, so a form posted without
JavaScript (every question shown) and one posted with it are judged alike.

Beyond the built-in surveys, analysts publish a catalogue (config document `surveys`):
definitions, each with its own version, and rules that choose one per touchpoint and
event type. An invitation keeps the survey id, version and catalogue version it was sent
with, so a link sent before a change still shows (and scores) the questions it promised.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Annotated, Literal

from pydantic import ConfigDict, StringConstraints, model_validator

from cxloop.domain.kernel import formulas
from cxloop.domain.kernel.comparisons import COMPARISONS
from cxloop.domain.kernel.errors import ValidationReport
from cxloop.domain.kernel.events import InteractionEvent
from cxloop.domain.kernel.modelling import DomainModel

# "multiple": several options may be chosen, the answer is the list of their values.
QuestionKind = Literal["scale", "text", "boolean", "choice", "multiple"]
ConditionOp = Literal["<", "<=", ">", ">=", "==", "!="]
# Ids become HTML ids, form names and storage keys: keep them to a safe alphabet.
QuestionId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
# Text per language ("es", "en", "pt", "fr"); a missing language falls back to English.
Localized = dict[str, str]

LANGUAGES = ("es", "en", "pt", "fr")
MAX_COMMENT_CHARS = 2000
REQUIRED = "an answer is required"
_TRUE = {"true", "yes", "on", "1", "si", "sí", "sim", "oui"}
_FALSE = {"false", "no", "off", "0", "não", "nao", "non"}


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


# The questions that ask for a call back (DESIGN §3.2 names `callback`); a survey of its own
# that offers one uses the same id, so an anonymous respondent is never offered it.
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
    id="follow_up",
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
# The event cxloop raises itself when a ticket is resolved; its survey is the follow-up.
CASE_RESOLVED = "case.resolved"


def survey_for_event(event_type: str) -> SurveyDefinition:
    return FOLLOW_UP_SURVEY if event_type == CASE_RESOLVED else DEFAULT_SURVEY


class SelectionRule(DomainModel):
    """Which survey an event gets. Every criterion given must hold; none given matches all.

    `touchpoint` is an id or a pattern (`madrid-*`), `event_type` a prefix (`claim.`), and
    `branch` / `country` the touchpoint's. The first rule that matches wins.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    survey: str
    touchpoint: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    event_type: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    branch: str | None = None
    country: str | None = None

    def matches(self, event: InteractionEvent) -> bool:
        place = event.touchpoint
        return (
            (self.touchpoint is None or fnmatchcase(place.id, self.touchpoint))
            and (self.event_type is None or event.event_type.startswith(self.event_type))
            and (self.branch is None or place.branch == self.branch)
            and (self.country is None or place.country == self.country)
        )


class SurveyCatalogue(DomainModel):
    """The config document `surveys`: the analysts' survey definitions and how one is chosen.

    A definition may be listed in several versions (keeping the older ones lets links sent
    with them resolve without reading the history); rules choose the newest version of an
    id. The built-in ids (default, follow_up) are reserved: the follow-up survey belongs to
    case work, and `default` is what every release of cxloop knows.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    surveys: tuple[SurveyDefinition, ...] = ()
    rules: tuple[SelectionRule, ...] = ()
    # The survey of an event no rule matches.
    default: str = DEFAULT_SURVEY.id

    @model_validator(mode="after")
    def _consistent(self) -> SurveyCatalogue:
        keys = [(survey.id, survey.version) for survey in self.surveys]
        repeated = sorted({f"{i} v{v}" for i, v in keys if keys.count((i, v)) > 1})
        if repeated:
            raise ValueError(f"surveys: each id and version must be unique; repeated: {', '.join(repeated)}")
        reserved = sorted({i for i, _ in keys if i in SURVEYS})
        if reserved:
            raise ValueError(f"surveys: {', '.join(reserved)} is a built-in survey id; choose another id")
        names = [rule.name for rule in self.rules]
        if len(set(names)) != len(names):
            raise ValueError("rules: rule names must be unique")
        known = {i for i, _ in keys} | {DEFAULT_SURVEY.id}
        for position, rule in enumerate(self.rules):
            if rule.survey not in known:
                raise ValueError(f"rules.{position}.survey: no survey {rule.survey!r} in this catalogue")
        if self.default not in known:
            raise ValueError(f"default: no survey {self.default!r} in this catalogue")
        return self

    def latest(self, survey_id: str) -> SurveyDefinition:
        versions = [survey for survey in self.surveys if survey.id == survey_id]
        return max(versions, key=lambda survey: survey.version) if versions else DEFAULT_SURVEY

    def find(self, survey_id: str, version: int | None) -> SurveyDefinition | None:
        """That exact definition; the built-ins answer for their own ids."""
        if survey_id in SURVEYS:
            return SURVEYS[survey_id]
        return next((s for s in self.surveys if s.id == survey_id and s.version == version), None)

    def choose(self, event: InteractionEvent) -> Chosen:
        """The survey this event gets, and the rule that chose it (None: the default)."""
        if event.event_type == CASE_RESOLVED:
            return Chosen(FOLLOW_UP_SURVEY, None)
        rule = next((rule for rule in self.rules if rule.matches(event)), None)
        return Chosen(self.latest(rule.survey if rule else self.default), rule.name if rule else None)


@dataclass(frozen=True)
class Chosen:
    survey: SurveyDefinition
    rule: str | None


DEFAULT_CATALOGUE = SurveyCatalogue()


class SurveyLibrary:
    """Finds the definition an invitation was sent with, cheaply.

    The invitation names the survey id, its version and the catalogue version it came
    from. The current catalogue (already cached by the rulebook) answers almost always;
    a link sent before a newer catalogue was published needs that older catalogue once,
    read by its version (`older`, one get) and then kept here: a published version never
    changes, so the cache needs no expiry, only a bound.
    """

    def __init__(
        self,
        current: Callable[[], tuple[int | None, SurveyCatalogue]],
        older: Callable[[int], SurveyCatalogue | None],
        kept: int = 16,
    ) -> None:
        self.current = current
        self.older = older
        self.kept = kept
        self._lock = threading.Lock()
        self._cache: OrderedDict[int, SurveyCatalogue | None] = OrderedDict()

    def find(self, survey_id: str, version: int | None, catalogue_version: int | None) -> SurveyDefinition:
        """That definition; an unknown one (say, a catalogue since deleted) gets the default."""
        if survey_id in SURVEYS:
            return SURVEYS[survey_id]
        current_version, catalogue = self.current()
        found = catalogue.find(survey_id, version)
        if found is None and catalogue_version is not None and catalogue_version != current_version:
            past = self._older(catalogue_version)
            found = past.find(survey_id, version) if past else None
        return found or DEFAULT_SURVEY

    def _older(self, catalogue_version: int) -> SurveyCatalogue | None:
        with self._lock:
            if catalogue_version in self._cache:
                self._cache.move_to_end(catalogue_version)
                return self._cache[catalogue_version]
        catalogue = self.older(catalogue_version)
        with self._lock:
            self._cache[catalogue_version] = catalogue
            while len(self._cache) > self.kept:
                self._cache.popitem(last=False)
        return catalogue


def built_in_library() -> SurveyLibrary:
    """Only the built-in surveys: for callers (and tests) without a catalogue."""
    return SurveyLibrary(lambda: (None, DEFAULT_CATALOGUE), lambda _: None)


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
