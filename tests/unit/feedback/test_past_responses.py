"""A history file's rows (cxloop.domain.feedback.past_responses): each becomes a past response
with its own answer time, read against the survey it names, or is refused naming its columns;
each day's counts add up per scope."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cxloop.domain.feedback.metrics import Counters
from cxloop.domain.feedback.past_responses import (
    HISTORY_PREFIX,
    PastAnswer,
    Stored,
    day_totals,
    definition_in,
    history_header,
    past_answer_of,
)
from cxloop.domain.kernel.errors import InvalidInput
from cxloop.domain.surveys.definitions import DEFAULT_SURVEY, Question, SurveyDefinition
from cxloop.domain.surveys.survey_catalogue import DEFAULT_CATALOGUE, SurveyCatalogue
from functions.import_events.handler import HISTORY_PREFIX as HANDLERS_PREFIX

NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)
HEADER = [
    "event_id",
    "event_type",
    "occurred_at",
    "customer_id",
    "email",
    "touchpoint_id",
    "branch",
    "answered_at",
    "survey_id",
    "survey_version",
    "answer.nps",
    "answer.waiting_time",
]
DRIVERS = SurveyDefinition(
    id="old_tool",
    version=3,
    questions=(
        DEFAULT_SURVEY.questions[0],
        Question(id="waiting_time", kind="scale", min=1, max=5, label={"en": "Waiting time"}),
    ),
)
CATALOGUE = SurveyCatalogue(surveys=(DRIVERS,))


def row(**cells: str) -> list[str]:
    values = {
        "event_id": "h-1",
        "event_type": "claim.reported",
        "occurred_at": "2026-10-01T10:00:00Z",
        "customer_id": "C-1",
        "email": "a@example.com",
        "touchpoint_id": "quito/claims",
        "branch": "quito",
        "answered_at": "2026-10-01T10:30:00-05:00",
        "survey_id": "old_tool",
        "survey_version": "3",
        "answer.nps": "3",
        "answer.waiting_time": "1",
    } | cells
    return [values[column] for column in HEADER]


def answer_of(cells: list[str]) -> PastAnswer:
    return past_answer_of(history_header(HEADER), cells, catalogue=CATALOGUE, now=NOW, correlation_id="c")


def problems_of(cells: list[str]) -> set[str]:
    with pytest.raises(InvalidInput) as refused:
        answer_of(cells)
    return {problem.field for problem in refused.value.details}


def test_the_handler_routes_the_prefix_the_domain_documents() -> None:
    assert HANDLERS_PREFIX == HISTORY_PREFIX


def test_a_row_becomes_a_response_answered_at_its_own_time_with_its_drivers() -> None:
    answer = answer_of(row())
    response = answer.response
    assert response.submitted_at == datetime(2026, 10, 1, 15, 30, tzinfo=UTC)
    assert response.answers == {"nps": 3, "waiting_time": 1}
    assert (response.survey_id, response.survey_version) == ("old_tool", 3)
    assert response.response_id == f"past-{response.interaction_id}"
    assert answer_of(row()).response.response_id == response.response_id  # the same row, the same id


def test_a_history_file_needs_its_answer_time_column() -> None:
    header = history_header([c for c in HEADER if c != "answered_at"])
    assert [p.field for p in header.problems] == ["answered_at"]
    assert [p.field for p in history_header([*HEADER, "answer_nps"]).problems] == ["answer_nps"]


@pytest.mark.parametrize(
    ("cells", "field"),
    [
        ({"answered_at": "2026-10-01 10:30"}, "answered_at"),  # no offset
        ({"answered_at": "2026-12-08T00:00:00Z"}, "answered_at"),  # in the future
        ({"answered_at": "2026-10-01T09:00:00Z"}, "answered_at"),  # before the moment
        ({"survey_id": "nope"}, "survey_id"),
        ({"survey_version": "4"}, "survey_id"),
        ({"survey_version": "v3"}, "survey_version"),
        ({"answer.nps": "11"}, "answer.nps"),
        ({"answer.waiting_time": "9"}, "answer.waiting_time"),
        ({"email": ""}, "email/phone"),
    ],
)
def test_a_bad_row_is_refused_naming_its_column(cells: dict[str, str], field: str) -> None:
    assert field in problems_of(row(**cells))


def test_an_unnamed_survey_is_the_default_and_a_version_less_one_the_newest() -> None:
    newer = DRIVERS.model_copy(update={"version": 4})
    catalogue = SurveyCatalogue(surveys=(DRIVERS, newer))
    assert definition_in(DEFAULT_CATALOGUE, "default", None) == DEFAULT_SURVEY
    assert definition_in(catalogue, "old_tool", None) == newer
    assert definition_in(catalogue, "old_tool", 3) == DRIVERS
    assert definition_in(catalogue, "missing", None) is None


def test_each_days_counts_add_up_per_scope() -> None:
    first, second = answer_of(row()), answer_of(row(event_id="h-2", answered_at="2026-10-01T23:00:00Z"))
    later = answer_of(
        row(event_id="h-3", occurred_at="2026-10-02T10:00:00Z", answered_at="2026-10-02T11:00:00Z")
    )
    one = Counters(responses=1, detractors=1)
    days = day_totals(Stored(a, one, ours=True) for a in (first, second, later))
    assert sorted(days) == [date(2026, 10, 1), date(2026, 10, 2)]
    totals, parents = days[date(2026, 10, 1)]
    assert totals["branch:quito"].responses == 2
    assert totals["all"].detractors == 2
    assert parents["touchpoint:quito/claims"] == "branch:quito"
