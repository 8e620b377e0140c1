"""open_ticket: consumes `tickets`; one case per response, routed, with its alert queued.

No Powertools idempotency record: the ticket's own write is the guard. Its id derives from the
response (casework/open_ticket.py, ticket_id_for) and it is put on condition that no ticket has
that id (cxloop.adapters.tickets, DynamoTicketStore.add), so a redelivery finds the case opened
and only queues again what every delivery queues: the alert, the notice, the helpdesk case and
the webhook announcement, whose consumers are idempotent on keys set from the ticket. A follow-up
is kept once by its own check (record_follow_up: the answer's time already on the ticket). What a
redelivery can repeat is a turn of the team's round-robin counter, as a crash could before: it
only moves whose turn is next. That saves two writes per loop (tests/benchmarks/requests_per_loop.py)."""

from __future__ import annotations

from cxloop.startup import built_once

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cxloop.adapters.config_store import CachedRulebook, DynamoConfigStore
from cxloop.adapters.messaging import SqsQueue
from cxloop.adapters.tickets import DynamoTicketStore
from cxloop.adapters.webhooks import announcer_for
from cxloop.config import settings
from cxloop.consumer import consume
from cxloop.domain.casework.assignment import NextTurn
from cxloop.domain.casework.case_rules import CaseRouting
from cxloop.domain.casework.open_ticket import open_ticket, record_follow_up
from cxloop.domain.casework.ports import TicketStore
from cxloop.domain.configuration.rulebook import Rulebook
from cxloop.domain.feedback.models import RoutingDecision
from cxloop.domain.integrations.announcements import Announcer
from cxloop.domain.integrations.case_changes import open_request, update_request
from cxloop.domain.integrations.ticket_events import ticket_opened, ticket_reopened_by_follow_up
from cxloop.domain.kernel.queues import MessageQueue
from cxloop.domain.surveys.models import SurveyResponse
from cxloop.observability import MetricUnit, logger, metrics


@dataclass(frozen=True)
class Deps:
    tickets: TicketStore
    alerts: MessageQueue
    notices: MessageQueue
    next_turn: NextTurn
    # Where a connected team's case goes to its helpdesk (sync_cases); None: no connectors.
    cases: MessageQueue | None = None
    rulebook: Callable[[], Rulebook] = Rulebook
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # Outbound webhooks' ticket.opened; None: nobody is told.
    announcer: Announcer | None = None


def create_step(deps: Deps) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def open_case(message: dict[str, Any]) -> dict[str, Any]:
        response = SurveyResponse.model_validate(message["response"])
        if message.get("follow_up"):
            return follow_up(response)
        decision = RoutingDecision.model_validate(message["decision"])
        book = deps.rulebook()
        opened = open_ticket(
            response,
            decision,
            now=deps.clock(),
            tickets=deps.tickets,
            alerts=deps.alerts,
            notices=deps.notices,
            routing=CaseRouting(book.classification, book.assignment, book.organisation),
            sla=book.sla,
            next_turn=deps.next_turn,
        )
        if opened.is_new:
            metrics.add_metric(name="TicketsOpened", unit=MetricUnit.Count, value=1)
        if deps.announcer:
            # A repeat announces again with the same webhook-id (announcements.py says why).
            deps.announcer.announce(ticket_opened(opened.ticket), correlation_id=response.correlation_id)
        # On every delivery, like the alert: sync_cases creates the case once whatever it is sent.
        case = open_request(opened.ticket, book.connectors, book.organisation)
        if case is not None and deps.cases is not None:
            deps.cases.send(case.model_dump(mode="json"), correlation_id=opened.ticket.correlation_id)
        logger.info(
            "ticket opened",
            extra={
                "ticket_id": opened.ticket.ticket_id,
                "response_id": response.response_id,
                "priority": opened.ticket.priority,
                "type": opened.ticket.ticket_type,
                "team": opened.ticket.team,
                "owner": opened.ticket.owner,
                "new": opened.is_new,
            },
        )
        return {"ticket_id": opened.ticket.ticket_id}

    def follow_up(response: SurveyResponse) -> dict[str, Any]:
        book = deps.rulebook()
        ticket = record_follow_up(
            response,
            now=deps.clock(),
            tickets=deps.tickets,
            alerts=deps.alerts,
            sla=book.sla,
            organisation=book.organisation,
        )
        outcome = ticket.follow_up.outcome if ticket and ticket.follow_up else None
        if ticket and outcome == "unhappy" and deps.announcer:
            # An unhappy follow-up reopens the case (casework/open_ticket.py, record_follow_up).
            reopened = ticket_reopened_by_follow_up(ticket, at=deps.clock())
            deps.announcer.announce(reopened, correlation_id=response.correlation_id)
        # A connected team's case hears the answer (and is reopened there when it reopened here).
        case = update_request(ticket, book.connectors, book.organisation) if ticket else None
        if ticket is not None and case is not None and deps.cases is not None:
            deps.cases.send(case.model_dump(mode="json"), correlation_id=ticket.correlation_id)
        logger.info(
            "follow-up recorded",
            extra={
                "response_id": response.response_id,
                "ticket_id": ticket and ticket.ticket_id,
                "outcome": outcome,
            },
        )
        return {"ticket_id": ticket.ticket_id if ticket else None, "outcome": outcome}

    return open_case


@built_once
def _step() -> Callable[[dict[str, Any]], dict[str, Any]]:
    config = settings()
    config_store = DynamoConfigStore(config.table("config"))
    deps = Deps(
        tickets=DynamoTicketStore(config.table("tickets"), case_marks=config.table("contacts")),
        alerts=SqsQueue(config.queue_url("alerts")),
        notices=SqsQueue(config.queue_url("notices")),
        next_turn=config_store.next_turn,
        cases=SqsQueue(config.queue_url("cases")),
        rulebook=CachedRulebook(
            config_store, reads=("organisation", "sla", "classification", "assignment", "connectors")
        ),
        announcer=announcer_for(
            config.table("webhooks"), config.queue_url("webhooks"), ttl_s=config.webhook_cache_ttl_s
        ),
    )
    return create_step(deps)


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    step = _step()
    return consume(event, context, step)
