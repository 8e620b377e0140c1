"""score_response: consumes `responses`; scores, counts once, asks for a ticket when a rule fires.

No Powertools idempotency record: the count's own write is the guard. The live aggregates take
a response in one transaction with a marker put on condition that the response id was never
applied (cxloop.adapters.aggregates, apply_once), so a redelivery counts nothing again. What else
a delivery does is the same every time: the score written on the response (the same answers give
the same score), the ticket request (open_ticket opens one case per response id) and the
response.recorded announcement (same webhook-id). The score itself is written in the counts'
transaction. That saves three writes per loop
(tests/benchmarks/requests_per_loop.py). The same marker absorbs the copies survey_page sends on
purpose: a repeated POST hands an answer not yet scored on again rather than marking its hand-off
(cxloop.domain.surveys.survey_page)."""

from __future__ import annotations

from cxloop.startup import built_once

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cxloop.adapters.aggregates import DynamoAggregateStore
from cxloop.adapters.config_store import CachedRulebook, DynamoConfigStore, survey_library
from cxloop.adapters.messaging import SqsQueue
from cxloop.adapters.responses import DynamoResponseStore
from cxloop.adapters.webhooks import announcer_for
from cxloop.config import settings
from cxloop.consumer import consume
from cxloop.domain.configuration.rulebook import Rulebook
from cxloop.domain.feedback.ports import AggregateStore
from cxloop.domain.feedback.score_response import SentimentReader, assess
from cxloop.domain.integrations.announcements import Announcer
from cxloop.domain.integrations.response_events import response_recorded
from cxloop.domain.kernel.queues import MessageQueue
from cxloop.domain.surveys.models import SurveyResponse
from cxloop.domain.surveys.ports import ResponseStore
from cxloop.domain.surveys.survey_catalogue import SurveyLibrary, built_in_library
from cxloop.observability import MetricUnit, logger, metrics


@dataclass(frozen=True)
class Deps:
    responses: ResponseStore
    aggregates: AggregateStore
    tickets: MessageQueue
    rulebook: Callable[[], Rulebook] = Rulebook
    # The definition each response was answered with: its drivers and weighted indexes.
    library: SurveyLibrary = field(default_factory=built_in_library)
    # None: the lexicon reads comments' tone; else the operator's choice (Comprehend).
    sentiment: SentimentReader | None = None
    # Outbound webhooks' response.recorded; None: nobody is told.
    announcer: Announcer | None = None


def create_step(deps: Deps) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def score(message: dict[str, Any]) -> dict[str, Any]:
        response = SurveyResponse.model_validate(message)
        assessed = assess(
            response,
            responses=deps.responses,
            aggregates=deps.aggregates,
            tickets=deps.tickets,
            rules=deps.rulebook().ticket_rules.as_mappings(),
            survey=deps.library.find(response.survey_id, response.survey_version, response.catalogue_version),
            sentiment=deps.sentiment,
        )
        if deps.announcer:
            recorded = response_recorded(
                response, assessed.score, ticket_requested=assessed.decision is not None
            )
            deps.announcer.announce(recorded, correlation_id=response.correlation_id)
        metrics.add_metric(name="Answers", unit=MetricUnit.Count, value=1)
        if assessed.score.nps_category == "detractor":
            metrics.add_metric(name="Detractors", unit=MetricUnit.Count, value=1)
        logger.info(
            "response scored",
            extra={
                "response_id": response.response_id,
                "nps_category": assessed.score.nps_category,
                "rule": assessed.decision.rule if assessed.decision else None,
                "counted": assessed.counted,
            },
        )
        return {"nps_category": assessed.score.nps_category, "ticket": assessed.decision is not None}

    return score


def sentiment_reader(choice: str) -> SentimentReader | None:
    if choice != "comprehend":
        return None
    from cxloop.adapters.comprehend import ComprehendSentiment  # noqa: PLC0415 - only when chosen

    return ComprehendSentiment()


@built_once
def _step() -> Callable[[dict[str, Any]], dict[str, Any]]:
    config = settings()
    store = DynamoConfigStore(config.table("config"))
    rulebook = CachedRulebook(store, reads=("ticket_rules", "surveys"))
    deps = Deps(
        responses=DynamoResponseStore(config.table("responses")),
        # The score is written in the counts' transaction (cxloop.adapters.aggregates).
        aggregates=DynamoAggregateStore(
            config.table("aggregates"), responses_table=config.table("responses")
        ),
        tickets=SqsQueue(config.queue_url("tickets")),
        rulebook=rulebook,
        library=survey_library(store, rulebook),
        sentiment=sentiment_reader(config.comment_sentiment),
        announcer=announcer_for(
            config.table("webhooks"), config.queue_url("webhooks"), ttl_s=config.webhook_cache_ttl_s
        ),
    )
    return create_step(deps)


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    step = _step()
    return consume(event, context, step)
