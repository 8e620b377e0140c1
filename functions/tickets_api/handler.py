"""tickets_api: the staff read API, GET /v1/tickets and GET /v1/tickets/{ticket_id}.

API Gateway's Cognito authorizer (or the local gateway's token check) vouches for
the caller and passes its claims; a request without claims is refused all the same.
Role scoping arrives with the case-management issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from cxloop.adapters.dynamo import DynamoTicketStore
from cxloop.config import settings
from cxloop.domain.errors import NotFound, Unauthorized
from cxloop.domain.ports import TicketStore
from cxloop.http import make_resolver
from cxloop.observability import logger, metrics, tracer

TicketStatus = Literal["new", "assigned", "in_progress", "waiting_customer", "resolved", "closed"]


@dataclass(frozen=True)
class Deps:
    tickets: TicketStore


def caller_claims(event: dict[str, Any]) -> dict[str, Any]:
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims")
    if not claims or not claims.get("sub"):
        raise Unauthorized("a valid bearer token is required")
    return dict(claims)


def create_app(deps: Deps) -> APIGatewayRestResolver:
    app = make_resolver(enable_validation=True)

    @app.get("/v1/tickets", summary="List tickets, newest first")
    def list_tickets(
        status: Annotated[TicketStatus | None, Query(description="Only tickets in this status")] = None,
        branch: Annotated[str | None, Query(max_length=128, description="Only this branch's tickets")] = None,
        limit: Annotated[int, Query(ge=1, le=200, description="At most this many tickets")] = 50,
    ) -> dict[str, Any]:
        claims = caller_claims(app.current_event.raw_event)
        logger.info("tickets listed", extra={"caller": claims["sub"], "status": status, "branch": branch})
        tickets = deps.tickets.find(status=status, branch=branch, limit=limit)
        return {"items": [t.model_dump(mode="json") for t in tickets]}

    @app.get("/v1/tickets/<ticket_id>", summary="One ticket")
    def get_ticket(ticket_id: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
        caller_claims(app.current_event.raw_event)
        ticket = deps.tickets.get(ticket_id)
        if ticket is None:
            raise NotFound(f"no ticket {ticket_id}")
        return ticket.model_dump(mode="json")

    return app


@cache
def _app() -> APIGatewayRestResolver:
    return create_app(Deps(tickets=DynamoTicketStore(settings().table("tickets"))))


@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
