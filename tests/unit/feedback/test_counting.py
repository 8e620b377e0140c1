"""What score_response counts for a response (cxloop.domain.feedback.score_response): its driver answers,
read from its survey, and the parent chain stored with its counts."""

from __future__ import annotations

from datetime import UTC, datetime

from cxloop.domain.feedback.metrics import ScaleAnswer
from cxloop.domain.feedback.score_response import driver_answers, parents_of, scopes_of
from cxloop.domain.kernel.events import Customer, Touchpoint
from cxloop.domain.surveys.definitions import DEFAULT_SURVEY, SURVEYS, Question, SurveyDefinition
from cxloop.domain.surveys.models import SurveyResponse

CUSTOMER = Customer(id="C-1", email="ana@example.com")
TOUCHPOINT = Touchpoint(id="quito-norte/claims", branch="quito-norte", region="pichincha", country="EC")
BRANCH_VISIT = SurveyDefinition(
    id="branch_visit",
    version=1,
    questions=(
        *DEFAULT_SURVEY.questions[:3],
        Question(id="cleanliness", kind="scale", min=1, max=5, label={"en": "How clean was it?"}),
        Question(id="waiting_time", kind="scale", min=0, max=10, label={"en": "How was the wait?"}),
        Question(id="visited_before", kind="boolean", label={"en": "Been here before?"}),
    ),
)


def response(
    touchpoint: Touchpoint = TOUCHPOINT, survey_id: str = "branch_visit", **answers: object
) -> SurveyResponse:
    return SurveyResponse(
        response_id="r-1",
        interaction_id="i-1",
        correlation_id="c-1",
        survey_id=survey_id,
        event_type="branch.visit",
        customer=CUSTOMER,
        touchpoint=touchpoint,
        answers=answers,
        submitted_at=datetime(2026, 11, 23, tzinfo=UTC),
    )


def test_drivers_are_the_surveys_other_scale_questions_with_their_bounds() -> None:
    surveys = SURVEYS | {BRANCH_VISIT.id: BRANCH_VISIT}
    given = response(nps=9, csat=5, ces=6, cleanliness=2, waiting_time=8, visited_before=True)
    assert driver_answers(given, surveys) == {
        "cleanliness": ScaleAnswer(2, 1, 5),
        "waiting_time": ScaleAnswer(8, 0, 10),
    }


def test_unanswered_drivers_and_unknown_surveys_give_no_drivers() -> None:
    surveys = SURVEYS | {BRANCH_VISIT.id: BRANCH_VISIT}
    assert driver_answers(response(nps=9, waiting_time=3), surveys) == {"waiting_time": ScaleAnswer(3, 0, 10)}
    # An answer the survey does not define is not a driver: the default survey has none.
    assert driver_answers(response(survey_id="retired", nps=9, cleanliness=2), surveys) == {}


def test_each_scope_has_its_parent_in_the_responses_own_chain() -> None:
    given = response(nps=9)
    assert parents_of(given) == {
        "touchpoint:quito-norte/claims": "branch:quito-norte",
        "branch:quito-norte": "region:pichincha",
        "region:pichincha": "country:EC",
        "country:EC": "all",
    }
    assert set(parents_of(given)) | {"all"} == set(scopes_of(given))


def test_levels_the_event_left_empty_are_skipped() -> None:
    bare = Touchpoint(id="web", country="ES")
    assert parents_of(response(bare, nps=9)) == {"touchpoint:web": "country:ES", "country:ES": "all"}
