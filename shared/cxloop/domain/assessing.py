"""Step 4: score a response, count it once in every scope, decide on a ticket."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cxloop.domain.comments import analyse_comment
from cxloop.domain.metrics import counters_for
from cxloop.domain.models import RoutingDecision, SurveyResponse
from cxloop.domain.ports import AggregateStore, MessageQueue, ResponseStore
from cxloop.domain.routing import DEFAULT_RULES, route
from cxloop.domain.scoring import Score, score_answers
from cxloop.domain.surveys import FOLLOW_UP_SURVEY


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


def with_comment_insight(score: Score, response: SurveyResponse) -> Score:
    """The score with the comment's sentiment and topics, which rules and dashboards use."""
    comment = response.answers.get("comment")
    if not isinstance(comment, str) or not comment.strip():
        return score
    insight = analyse_comment(comment, language=response.customer.language)
    return score.model_copy(update={"sentiment": insight.sentiment, "topics": insight.topics})


def assess(
    response: SurveyResponse,
    *,
    responses: ResponseStore,
    aggregates: AggregateStore,
    tickets: MessageQueue,
    rules: tuple[Mapping[str, Any], ...] = DEFAULT_RULES,
) -> Assessed:
    score = with_comment_insight(score_answers(response.answers), response)
    responses.save_score(response.response_id, score)
    scored = response.model_copy(update={"score": score})
    if response.survey_id == FOLLOW_UP_SURVEY.id:
        # "Was it solved?" is about the case, not the moment: it stays out of the live NPS/CSAT
        # and goes to the ticket it belongs to.
        tickets.send(
            {"response": scored.model_dump(mode="json"), "follow_up": True},
            correlation_id=response.correlation_id,
        )
        return Assessed(score, None, counted=False)
    counted = aggregates.apply_once(
        response.response_id, scopes_of(response), response.submitted_at.date(), counters_for(score)
    )
    decision = route(scored, rules)
    if decision is not None:
        tickets.send(
            {"response": scored.model_dump(mode="json"), "decision": decision.model_dump(mode="json")},
            correlation_id=response.correlation_id,
        )
    return Assessed(score, decision, counted)
