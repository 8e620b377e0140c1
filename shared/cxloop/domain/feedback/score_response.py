"""Step 4: score a response, count it once in every scope, decide on a ticket."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

from cxloop.domain.feedback.metrics import ScaleAnswer, counters_for
from cxloop.domain.feedback.models import RoutingDecision
from cxloop.domain.feedback.ports import AggregateStore
from cxloop.domain.feedback.routing import DEFAULT_RULES, route
from cxloop.domain.kernel.queues import MessageQueue
from cxloop.domain.surveys.definitions import DEFAULT_SURVEY, FOLLOW_UP_SURVEY, SURVEYS, SurveyDefinition
from cxloop.domain.surveys.models import SurveyResponse
from cxloop.domain.surveys.ports import ResponseStore
from cxloop.domain.surveys.scoring import Score, score_answers

# The three headline scales; every other scale question of a survey is a driver.
HEADLINE_SCALES = frozenset({"nps", "csat", "ces"})

# A second opinion on a comment's tone (comment text, its language) -> the tone, or None when
# it cannot judge (unsupported language, the service unavailable): the lexicon's stands then.
# Amazon Comprehend on AWS when the operator chooses it (cxloop.adapters.comprehend).
SentimentReader = Callable[[str, str], Literal["negative", "neutral", "positive"] | None]


@dataclass(frozen=True)
class Assessed:
    score: Score
    decision: RoutingDecision | None
    counted: bool


def scopes_of(response: SurveyResponse) -> list[str]:
    """Every level the response rolls up to, from the touchpoint to the whole company."""
    touchpoint = response.touchpoint
    scopes = ["all", f"touchpoint:{touchpoint.id}"]
    for level, value in (
        ("country", touchpoint.country),
        ("region", touchpoint.region),
        ("branch", touchpoint.branch),
    ):
        if value:
            scopes.append(f"{level}:{value}")
    return scopes


def parents_of(response: SurveyResponse) -> dict[str, str]:
    """Each scope's parent in the response's own chain, touchpoint -> branch -> region ->
    country -> all, skipping the levels the event left empty. Stored with the counts, so a
    scope is always compared with a parent whose counts include its own."""
    touchpoint = response.touchpoint
    chain = [f"touchpoint:{touchpoint.id}"]
    for level, value in (
        ("branch", touchpoint.branch),
        ("region", touchpoint.region),
        ("country", touchpoint.country),
    ):
        if value:
            chain.append(f"{level}:{value}")
    chain.append("all")
    return dict(pairwise(chain))


def driver_answers(
    response: SurveyResponse, surveys: Mapping[str, SurveyDefinition] = SURVEYS
) -> dict[str, ScaleAnswer]:
    """The response's driver answers: the survey's scale questions other than nps, csat and
    ces, each with its scale's bounds. Answers the survey does not define are not drivers."""
    survey = surveys.get(response.survey_id, DEFAULT_SURVEY)
    drivers: dict[str, ScaleAnswer] = {}
    for question in survey.questions:
        value = response.answers.get(question.id)
        if question.kind != "scale" or question.id in HEADLINE_SCALES:
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            drivers[question.id] = ScaleAnswer(value, question.min, question.max)
    return drivers


def with_comment_insight(
    score: Score, response: SurveyResponse, sentiment: SentimentReader | None = None
) -> Score:
    """The score with the comment's sentiment and topics, which rules and dashboards use.
    Topics always come from the analysts' taxonomy; `sentiment`, when given, reads the tone."""
    comment = response.answers.get("comment")
    if not isinstance(comment, str) or not comment.strip():
        return score
    # Imported here, not at the top: only answers with a comment need the lexicon and taxonomy
    # machinery, so the rest of score_response's cold starts do not load it.
    from cxloop.domain.feedback.comments import analyse_comment  # noqa: PLC0415

    insight = analyse_comment(comment, language=response.customer.language)
    tone = (sentiment(comment, insight.language) if sentiment else None) or insight.sentiment
    return score.model_copy(update={"sentiment": tone, "topics": insight.topics})


def assess(
    response: SurveyResponse,
    *,
    responses: ResponseStore,
    aggregates: AggregateStore,
    tickets: MessageQueue,
    rules: tuple[Mapping[str, Any], ...] = DEFAULT_RULES,
    surveys: Mapping[str, SurveyDefinition] = SURVEYS,
    survey: SurveyDefinition | None = None,
    sentiment: SentimentReader | None = None,
) -> Assessed:
    """`survey`, when given, is the definition the response was answered with (its version):
    its drivers are counted and its weighted indexes computed. `sentiment` reads comments' tone
    in place of the lexicon (see SentimentReader)."""
    if survey is not None:
        surveys = {**surveys, survey.id: survey}
    score = with_comment_insight(score_answers(response.answers, survey), response, sentiment)
    scored = response.model_copy(update={"score": score})
    if response.survey_id == FOLLOW_UP_SURVEY.id:
        responses.save_score(response.response_id, score)
        # "Was it solved?" is about the case, not the moment: it stays out of the live NPS/CSAT
        # and goes to the ticket it belongs to.
        tickets.send(
            {"response": scored.model_dump(mode="json"), "follow_up": True},
            correlation_id=response.correlation_id,
        )
        return Assessed(score, None, counted=False)
    counted = aggregates.apply_once(
        response.response_id,
        scopes_of(response),
        response.submitted_at.date(),
        counters_for(score, driver_answers(response, surveys)),
        parents=parents_of(response),
        # Kept on the response in the counts' own transaction: one write, and a response whose
        # counts are in is always scored (a repeat finds both done).
        score=score,
    )
    decision = route(scored, rules)
    if decision is not None:
        tickets.send(
            {"response": scored.model_dump(mode="json"), "decision": decision.model_dump(mode="json")},
            correlation_id=response.correlation_id,
        )
    return Assessed(score, decision, counted)
