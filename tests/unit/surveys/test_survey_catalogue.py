"""Surveys as data: the `surveys` catalogue, its selection rules, multiple choice, driver
grids, and finding the exact definition (and version) an invitation was sent with."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from cxloop.domain.configuration.rulebook import DOCUMENTS, Rulebook, validate_document
from cxloop.domain.kernel.errors import InvalidInput
from cxloop.domain.kernel.events import InteractionEvent
from cxloop.domain.surveys.answers import parse_answers
from cxloop.domain.surveys.definitions import DEFAULT_SURVEY, FOLLOW_UP_SURVEY, SurveyDefinition
from cxloop.domain.surveys.pages import survey_page
from cxloop.domain.surveys.survey_catalogue import SurveyCatalogue, SurveyLibrary
from tests.helpers import load_event

GRID = {"es": "Califique nuestro servicio", "en": "Rate our service"}


def scale(question_id: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"id": question_id, "kind": "scale", "min": 1, "max": 5, "label": {"en": label}, **extra}


def branch_survey(version: int = 1, **changes: Any) -> dict[str, Any]:
    return {
        "id": "branch",
        "version": version,
        "questions": [
            {**scale("nps", "Recommend?"), "min": 0, "max": 10, "required": True},
            scale("staff", "Staff", grid=GRID),
            scale("speed", "Speed", grid=GRID),
            scale("place", "The place", grid=GRID),
            {
                "id": "reasons",
                "kind": "multiple",
                "label": {"en": "Why did you come?"},
                "options": [
                    {"value": "claim", "label": {"en": "A claim"}},
                    {"value": "payment", "label": {"en": "A payment"}},
                    {"value": "advice", "label": {"en": "Advice"}},
                ],
            },
        ],
        "indexes": [{"id": "service", "formula": "(staff + speed + place) / 3"}],
        **changes,
    }


def catalogue(**changes: Any) -> SurveyCatalogue:
    document: dict[str, Any] = {
        "surveys": [branch_survey(1), branch_survey(2), {**branch_survey(1), "id": "claims"}],
        "rules": [
            {"name": "quito_claims", "touchpoint": "quito-*", "event_type": "claim.", "survey": "claims"},
            {"name": "ecuador_branches", "country": "EC", "survey": "branch"},
            {"name": "one_desk", "touchpoint": "lima/desk", "survey": "default"},
        ],
        **changes,
    }
    return SurveyCatalogue.model_validate(document)


def event(**changes: Any) -> InteractionEvent:
    raw = load_event("erp/claim_reported")
    touchpoint = {**raw["touchpoint"], **changes.pop("touchpoint", {})}
    return InteractionEvent.model_validate({**raw, **changes, "touchpoint": touchpoint})


@pytest.mark.parametrize(
    ("changes", "survey", "version", "rule"),
    [
        ({}, "claims", 1, "quito_claims"),
        ({"event_type": "branch.visit"}, "branch", 2, "ecuador_branches"),
        ({"touchpoint": {"id": "guayaquil/claims", "country": "EC"}}, "branch", 2, "ecuador_branches"),
        ({"touchpoint": {"id": "lima/desk", "country": "PE"}}, "default", DEFAULT_SURVEY.version, "one_desk"),
        ({"touchpoint": {"id": "lima/other", "country": "PE"}}, "default", DEFAULT_SURVEY.version, None),
        ({"event_type": "case.resolved"}, "follow_up", FOLLOW_UP_SURVEY.version, None),
    ],
)
def test_the_first_matching_rule_chooses_the_newest_version(
    changes: dict[str, Any], survey: str, version: int, rule: str | None
) -> None:
    chosen = catalogue().choose(event(**changes))
    assert (chosen.survey.id, chosen.survey.version, chosen.rule) == (survey, version, rule)


def test_a_branch_rule_and_a_custom_default() -> None:
    book = catalogue(rules=[{"name": "north", "branch": "quito-norte", "survey": "branch"}], default="claims")
    assert book.choose(event()).survey.id == "branch"
    assert book.choose(event(touchpoint={"branch": "quito-sur"})).survey.id == "claims"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"surveys": [branch_survey(1), branch_survey(1)]}, "repeated: branch v1"),
        ({"surveys": [{**branch_survey(1), "id": "default"}]}, "default is a built-in survey id"),
        ({"rules": [{"name": "x", "survey": "nowhere"}]}, "rules.0.survey: no survey 'nowhere'"),
        ({"default": "nowhere"}, "default: no survey 'nowhere'"),
        ({"rules": [{"name": "x", "survey": "branch"}, {"name": "x", "survey": "claims"}]}, "unique"),
        (
            {"surveys": [branch_survey(1, indexes=[{"id": "i", "formula": "reasons + 1"}])]},
            "indexes.0.formula",
        ),
    ],
)
def test_a_bad_catalogue_is_refused_naming_the_field(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(words)):
        catalogue(**changes)


def test_the_catalogue_is_a_config_document_with_a_default() -> None:
    assert DOCUMENTS["surveys"] is SurveyCatalogue
    assert Rulebook().surveys.choose(event()).survey == DEFAULT_SURVEY
    stored = Rulebook.from_documents({"surveys": (3, catalogue().model_dump(mode="json"))})
    assert stored.versions["surveys"] == 3 and stored.surveys.choose(event()).survey.id == "claims"
    validate_document("surveys", {"surveys": [], "rules": []})


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ({"id": "q", "kind": "text", "label": {"en": "x"}, "grid": GRID}, "only scale questions"),
        (scale("q", "x", grid=GRID, show_if={"field": "nps", "op": ">", "value": 1}), "cannot have show_if"),
        ({"id": "q", "kind": "multiple", "label": {"en": "x"}}, "needs options"),
        (
            {
                "id": "q",
                "kind": "text",
                "label": {"en": "x"},
                "show_if": {"field": "reasons", "op": "==", "value": "claim"},
            },
            "cannot depend on a multiple-choice answer",
        ),
    ],
)
def test_grid_and_multiple_choice_mistakes_are_refused(question: dict[str, Any], words: str) -> None:
    document = branch_survey()
    document["questions"].append(question)
    with pytest.raises(ValidationError, match=words):
        SurveyDefinition.model_validate(document)


def test_a_grid_must_be_consecutive() -> None:
    document = branch_survey()
    document["questions"].append(scale("again", "Again", grid=GRID))
    with pytest.raises(ValidationError, match="must be consecutive"):
        SurveyDefinition.model_validate(document)


def test_multiple_choice_answers_are_a_list_of_known_options_in_their_order() -> None:
    survey = catalogue().latest("branch")
    assert parse_answers(survey, {"nps": 7, "reasons": ["advice", "claim", "advice"]})["reasons"] == [
        "claim",
        "advice",
    ]
    # A form with one box ticked posts one value; with none, no answer.
    assert parse_answers(survey, {"nps": "7", "reasons": "payment"})["reasons"] == ["payment"]
    assert "reasons" not in parse_answers(survey, {"nps": 7, "reasons": []})
    for bad in (["claim", "lottery"], [1], {"claim": True}):
        with pytest.raises(InvalidInput) as refused:
            parse_answers(survey, {"nps": 7, "reasons": bad})
        assert [p.field for p in refused.value.details] == ["answers.reasons"]


def test_a_driver_grid_is_one_group_with_a_rating_group_per_row() -> None:
    page = survey_page(catalogue().latest("branch"), language="es", place="Quito")
    grid = re.search(
        r'<fieldset class="q grid" id="grid-staff"><legend>(.*?)</legend>(.*?)</fieldset></fieldset>', page
    )
    assert grid is not None and grid.group(1) == "Califique nuestro servicio"
    rows = re.findall(
        r'<fieldset class="row" id="q-(\w+)" data-q="\1"><legend>(\w+)', grid.group(2) + "</fieldset>"
    )
    assert [row for row, _ in rows] == ["staff", "speed", "place"]
    for row in ("staff", "speed", "place"):
        assert all(f'id="{row}-{n}" type="radio" name="{row}"' in page for n in range(1, 6))
    # The grid's rows are still separate answers, each parsed on its own scale.
    answers = parse_answers(catalogue().latest("branch"), {"nps": "9", "staff": "5", "speed": "2"})
    assert answers == {"nps": 9, "staff": 5, "speed": 2}


def test_multiple_choice_renders_labelled_checkboxes_and_keeps_the_ticks() -> None:
    survey = catalogue().latest("branch")
    page = survey_page(survey, language="en", place="Quito", answers={"reasons": ["claim", "advice"]})
    boxes = re.findall(
        r'<input id="reasons-(\w+)" type="checkbox" name="reasons" value="\1"( checked)?>', page
    )
    assert boxes == [("claim", " checked"), ("payment", ""), ("advice", " checked")]
    assert '<fieldset class="q" id="q-reasons" data-q="reasons"><legend>Why did you come?' in page


def test_a_wrong_multiple_answer_is_explained_in_the_customers_language() -> None:
    survey = catalogue().latest("branch")
    with pytest.raises(InvalidInput) as refused:
        parse_answers(survey, {"nps": 7, "reasons": ["nope"]})
    page = survey_page(survey, language="fr", place="Quito", problems=refused.value.details)
    assert "Choisissez une ou plusieurs options." in page
    assert '<a href="#reasons-claim">' in page


class Reads:
    """The library's two sources, counting reads of older catalogues."""

    def __init__(
        self, current: tuple[int | None, SurveyCatalogue], older: dict[int, SurveyCatalogue]
    ) -> None:
        self.now = current
        self.older = older
        self.reads: list[int] = []

    def library(self) -> SurveyLibrary:
        def older(version: int) -> SurveyCatalogue | None:
            self.reads.append(version)
            return self.older.get(version)

        return SurveyLibrary(lambda: self.now, older, kept=2)


def test_an_invitation_finds_the_version_it_was_sent_with_and_older_catalogues_are_read_once() -> None:
    first = SurveyCatalogue.model_validate({"surveys": [{**branch_survey(1), "id": "retired"}]})
    reads = Reads((5, catalogue()), {4: first})
    library = reads.library()

    assert library.find("branch", 1, 5).version == 1  # kept in the current catalogue: no read
    assert library.find("branch", 2, 5).version == 2
    assert library.find("retired", 1, 4).id == "retired"
    assert library.find("retired", 1, 4).id == "retired"
    assert reads.reads == [4]  # a published version never changes: read once
    assert library.find("default", 2, None) == DEFAULT_SURVEY
    assert library.find("follow_up", None, None) == FOLLOW_UP_SURVEY
    # Gone everywhere (or never published): the default, as an unknown id always got.
    assert library.find("vanished", 1, 3) == DEFAULT_SURVEY
    assert library.find("vanished", 1, None) == DEFAULT_SURVEY
    # The cache is bounded: a third older catalogue evicts the least recently used.
    library.find("x", 1, 2)
    library.find("y", 1, 1)
    library.find("retired", 1, 4)
    assert reads.reads == [4, 3, 2, 1, 4]
