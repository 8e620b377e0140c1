"""Step 4: score a response, count it once in every scope, decide on a ticket."""

from __future__ import annotations

from dataclasses import dataclass

from cxloop.domain.metrics import counters_for
from cxloop.domain.models import RoutingDecision, SurveyResponse
from cxloop.domain.ports import AggregateStore, MessageQueue, ResponseStore
from cxloop.domain.routing import route
from cxloop.domain.scoring import Score, score_answers


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


def assess(
    response: SurveyResponse,
    *,
    responses: ResponseStore,
    aggregates: AggregateStore,
    tickets: MessageQueue,
) -> Assessed:
    score = score_answers(response.answers)
    responses.save_score(response.response_id, score)
    counted = aggregates.apply_once(
        response.response_id, scopes_of(response), response.submitted_at.date(), counters_for(score)
    )
    decision = route(response)
    if decision is not None:
        scored = response.model_copy(update={"score": score})
        tickets.send(
            {"response": scored.model_dump(mode="json"), "decision": decision.model_dump(mode="json")},
            correlation_id=response.correlation_id,
        )
    return Assessed(score, decision, counted)
