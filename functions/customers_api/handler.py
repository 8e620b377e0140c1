"""customers_api: what the contact policy remembered and decided, and what a proposed
policy would have decided.

GET  /v1/customers/{customer_id}/contact   the customer's contact record (managers, executives)
POST /v1/contact-policy/simulate           a policy replayed over a past period's events
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cxloop.adapters.config_store import CachedRulebook, DynamoConfigStore
from cxloop.adapters.contacts import DynamoContactStore
from cxloop.adapters.dynamo import DynamoInteractionStore
from cxloop.config import settings
from cxloop.domain.access import Caller
from cxloop.domain.configuration import problems_of
from cxloop.domain.contact_policy import ContactPolicy
from cxloop.domain.contacting import ContactStore
from cxloop.domain.errors import Forbidden, InvalidInput, NotFound
from cxloop.domain.events import Interaction
from cxloop.domain.rulebook import Rulebook
from cxloop.domain.simulation import simulate
from cxloop.http import make_resolver
from cxloop.observability import logger, metrics, tracer

READERS = frozenset({"branch_manager", "country_manager", "executive"})
MAX_DAYS = 92


class SimulationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    policy: dict[str, Any] | None = Field(
        default=None, description="A proposed policy; none = the current one"
    )
    start: date = Field(alias="from")
    end: date = Field(alias="to")

    @model_validator(mode="after")
    def _period(self) -> SimulationRequest:
        if self.end < self.start:
            raise ValueError("to must not be before from")
        if (self.end - self.start).days > MAX_DAYS:
            raise ValueError(f"at most {MAX_DAYS} days at a time")
        return self


@dataclass(frozen=True)
class Deps:
    contacts: ContactStore
    interactions: Callable[[datetime, datetime], list[Interaction]]
    rulebook: Callable[[], Rulebook] = Rulebook


def caller_of(event: dict[str, Any]) -> Caller:
    caller = Caller.from_claims(((event.get("requestContext") or {}).get("authorizer") or {}).get("claims"))
    if caller.role not in READERS:
        raise Forbidden(f"{caller.role} may not read contact records")
    return caller


def contact_view(customer_id: str, contacts: ContactStore) -> dict[str, Any]:
    state = contacts.load(customer_id)
    if state.version == 0:
        raise NotFound(f"no contact record for customer {customer_id}")
    memory = state.memory
    return {
        "customer_id": customer_id,
        "opted_out": memory.opted_out,
        # Addresses are personal data: the record says how many are suppressed, not which.
        "suppressed_addresses": len(memory.suppressed),
        "sent": [s.model_dump(mode="json") for s in memory.sent],
        "pending": [
            {
                "interaction_id": p.interaction.interaction_id,
                "kind": p.kind,
                "due_at": p.due_at.isoformat(),
                "reason": p.reason,
            }
            for p in state.pending
        ],
        "decisions": [d.model_dump(mode="json") for d in reversed(state.decisions)],
    }


def proposed_policy(request: SimulationRequest, current: ContactPolicy) -> ContactPolicy:
    if request.policy is None:
        return current
    try:
        return ContactPolicy.model_validate(request.policy)
    except ValidationError as exc:
        raise InvalidInput("the proposed policy is invalid", problems_of(exc, prefix="policy")) from exc


def create_app(deps: Deps) -> APIGatewayRestResolver:
    app = make_resolver(enable_validation=True)

    @app.get("/v1/customers/<customer_id>/contact", summary="What the contact policy remembered and decided")
    def contact(customer_id: Annotated[str, Path(max_length=128)]) -> dict[str, Any]:
        caller_of(app.current_event.raw_event)
        return contact_view(customer_id, deps.contacts)

    @app.post("/v1/contact-policy/simulate", summary="Replay a past period's events under a policy")
    def simulated(request: Annotated[SimulationRequest, Body()]) -> dict[str, Any]:
        caller = caller_of(app.current_event.raw_event)
        policy = proposed_policy(request, deps.rulebook().contact_policy)
        start = datetime.combine(request.start, time(0), tzinfo=UTC)
        end = datetime.combine(request.end, time(0), tzinfo=UTC) + timedelta(days=1)
        outcome = simulate(deps.interactions(start, end), policy)
        logger.info("policy simulated", extra={"caller": caller.user, "events": outcome.events})
        return {"from": request.start.isoformat(), "to": request.end.isoformat(), **outcome.as_json()}

    return app


@cache
def _app() -> APIGatewayRestResolver:
    config = settings()
    deps = Deps(
        contacts=DynamoContactStore(config.table("contacts")),
        interactions=DynamoInteractionStore(config.table("interactions")).received_between,
        rulebook=CachedRulebook(DynamoConfigStore(config.table("config"))),
    )
    return create_app(deps)


@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
