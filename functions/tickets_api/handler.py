"""tickets_api: the staff API over tickets.

GET  /v1/tickets                      list within the caller's scope (filters, sort, cursor)
GET  /v1/tickets/{ticket_id}          one ticket with its history and call script
POST /v1/tickets/{ticket_id}/actions  assign, log_call, schedule_callback, resolve, close, reopen, comment

API Gateway's Cognito authorizer (or the local gateway's token check) vouches for the
caller and passes its claims; role scoping is decided by cxloop.domain.organisation.access.
"""

from __future__ import annotations

from cxloop.startup import built_once

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from cxloop.adapters.config_store import CachedRulebook, DynamoConfigStore
from cxloop.adapters.messaging import SqsQueue
from cxloop.adapters.tickets import DynamoTicketStore
from cxloop.adapters.webhooks import announcer_for
from cxloop.config import settings
from cxloop.domain.casework import desk
from cxloop.domain.casework.call_scripts import call_script
from cxloop.domain.casework.lifecycle import TicketAction
from cxloop.domain.casework.models import Ticket, TicketStatus
from cxloop.domain.casework.ports import TicketStore
from cxloop.domain.casework.ticket_list import SortOrder, TicketFilter
from cxloop.domain.casework.ticket_types import TicketType
from cxloop.domain.configuration.rulebook import Rulebook
from cxloop.domain.feedback.models import Priority
from cxloop.domain.integrations.announcements import Announcer
from cxloop.domain.integrations.case_changes import update_request
from cxloop.domain.integrations.ticket_events import ticket_changed
from cxloop.domain.kernel.queues import MessageQueue
from cxloop.http import caller_of, make_resolver
from cxloop.observability import logger, metrics


@dataclass(frozen=True)
class Deps:
    tickets: TicketStore
    follow_ups: MessageQueue
    # A connected team's change goes to its helpdesk too (sync_cases); None: no connectors.
    cases: MessageQueue | None = None
    rulebook: Callable[[], Rulebook] = Rulebook
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # Outbound webhooks' ticket.updated, ticket.resolved and ticket.reopened; None: nobody is told.
    announcer: Announcer | None = None


def summary(ticket: Ticket) -> dict[str, Any]:
    return ticket.model_dump(mode="json", exclude={"history", "attempts"})


def create_app(deps: Deps) -> APIGatewayRestResolver:
    app = make_resolver(enable_validation=True)

    @app.get("/v1/tickets", summary="List the tickets in your scope")
    def list_tickets(  # noqa: PLR0917 - Powertools reads each query parameter from the signature
        status: Annotated[TicketStatus | None, Query(description="Only tickets in this status")] = None,
        type: Annotated[TicketType | None, Query(description="request, complaint or claim")] = None,
        priority: Annotated[Priority | None, Query(description="Only this priority")] = None,
        branch: Annotated[str | None, Query(max_length=128, description="Only this branch")] = None,
        owner: Annotated[str | None, Query(max_length=128, description="Only this owner's")] = None,
        overdue: Annotated[bool | None, Query(description="true: past due and still open")] = None,
        sort: Annotated[SortOrder, Query(description="Sort order; '-' is descending")] = "-opened_at",
        limit: Annotated[int, Query(ge=1, le=200, description="Page size")] = 50,
        cursor: Annotated[
            str | None, Query(max_length=512, description="next_cursor of the last page")
        ] = None,
    ) -> dict[str, Any]:
        caller = caller_of(app.current_event.raw_event)
        wanted = TicketFilter(status, type, priority, branch, owner, overdue)
        page = desk.find_tickets(
            caller, wanted, sort=sort, limit=limit, cursor=cursor, now=deps.clock(), tickets=deps.tickets
        )
        logger.info(
            "tickets listed", extra={"caller": caller.user, "role": caller.role, "count": len(page.items)}
        )
        return {"items": [summary(t) for t in page.items], "next_cursor": page.next_cursor}

    @app.get("/v1/tickets/<ticket_id>", summary="One ticket with its history and call script")
    def get_ticket(ticket_id: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
        ticket = desk.visible_ticket(ticket_id, caller_of(app.current_event.raw_event), deps.tickets)
        return ticket.model_dump(mode="json") | {"call_script": call_script(ticket)}

    @app.post("/v1/tickets/<ticket_id>/actions", summary="Work the ticket: one action")
    def act_on_ticket(
        ticket_id: Annotated[str, Path(max_length=64)],
        action: Annotated[TicketAction, Body(description="What to do, with its fields")],
    ) -> dict[str, Any]:
        caller = caller_of(app.current_event.raw_event)
        book = deps.rulebook()
        now = deps.clock()
        ticket = desk.act(
            ticket_id,
            action,
            caller=caller,
            now=now,
            tickets=deps.tickets,
            sla=book.sla,
            organisation=book.organisation,
            follow_ups=deps.follow_ups,
        )
        if deps.announcer:
            changed = ticket_changed(ticket, action.action, at=now)
            deps.announcer.announce(changed, correlation_id=ticket.correlation_id)
        case = update_request(ticket, book.connectors, book.organisation)
        if case is not None and deps.cases is not None:
            deps.cases.send(case.model_dump(mode="json"), correlation_id=ticket.correlation_id)
        logger.info(
            "ticket action",
            extra={
                "ticket_id": ticket_id,
                "action": action.action,
                "caller": caller.user,
                "status": ticket.status,
            },
        )
        return ticket.model_dump(mode="json") | {"call_script": call_script(ticket)}

    return app


@built_once
def _app() -> APIGatewayRestResolver:
    config = settings()
    rulebook = CachedRulebook(
        DynamoConfigStore(config.table("config")), reads=("sla", "organisation", "connectors")
    )
    deps = Deps(
        tickets=DynamoTicketStore(config.table("tickets")),
        follow_ups=SqsQueue(config.queue_url("dispatch")),
        cases=SqsQueue(config.queue_url("cases")),
        rulebook=rulebook,
        announcer=announcer_for(
            config.table("webhooks"), config.queue_url("webhooks"), ttl_s=config.webhook_cache_ttl_s
        ),
    )
    return create_app(deps)


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
