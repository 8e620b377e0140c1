"""customers_api: what the contact policy remembered and decided, what a proposed
policy would have decided, and the erasure of a customer's personal data.

GET    /v1/customers/{customer_id}/contact   the customer's contact record (managers, executives)
POST   /v1/contact-policy/simulate           a policy replayed over a past period's events
DELETE /v1/customers/{customer_id}           erase the customer's personal data (executives; 202)
"""

from __future__ import annotations

from cxloop.startup import built_once

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from pydantic import ConfigDict, Field, ValidationError, model_validator

from cxloop.adapters.config_store import CachedRulebook, DynamoConfigStore
from cxloop.adapters.contacts import DynamoContactStore
from cxloop.adapters.erasures import DynamoErasureLog, TableErasure
from cxloop.adapters.interactions import DynamoInteractionStore
from cxloop.adapters.invitations import DynamoInvitationStore
from cxloop.adapters.optouts import DynamoOptOutLinkStore
from cxloop.adapters.responses import DynamoResponseStore
from cxloop.adapters.suppressions import suppression_list
from cxloop.adapters.tickets import DynamoTicketStore
from cxloop.adapters.webhooks import announcer_for
from cxloop.config import settings
from cxloop.domain.configuration.documents import problems_of
from cxloop.domain.configuration.rulebook import Rulebook
from cxloop.domain.contact.contact_record import SuppressionsOf, contact_view, suppressed_channels
from cxloop.domain.contact.manners import ContactStore
from cxloop.domain.contact.policy import ContactPolicy, PolicyVersion
from cxloop.domain.contact.simulation import simulate
from cxloop.domain.integrations.announcements import Announcer
from cxloop.domain.integrations.customer_events import customer_erased
from cxloop.domain.kernel.errors import Forbidden, InvalidInput, Unavailable
from cxloop.domain.kernel.events import Interaction
from cxloop.domain.kernel.modelling import DomainModel
from cxloop.domain.organisation.access import Caller
from cxloop.domain.privacy.erasure import (
    ErasureStores,
    erase,
)
from cxloop.http import IsoDate, caller_of, make_resolver
from cxloop.observability import logger, metrics

READERS = frozenset({"branch_manager", "country_manager", "executive"})
ERASERS = frozenset({"executive"})
MAX_DAYS = 92


class SimulationRequest(DomainModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    policy: dict[str, Any] | None = Field(
        default=None,
        description="A proposed policy; none = the one in force (the published one, or the default)",
    )
    start: IsoDate = Field(alias="from", description=f"First day; at most {MAX_DAYS} days before to")
    end: IsoDate = Field(alias="to", description="Last day, included; not before from")

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
    # None where a test needs only the contact record and simulations.
    erasure: ErasureStores | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # A fresh key per erasure, never stored (cxloop.domain.privacy.erasure explains why).
    erasure_key: Callable[[], bytes] = lambda: secrets.token_bytes(32)
    # An interaction by id (the customer's addresses), and which of them are on the suppression list.
    interaction: Callable[[str], Interaction | None] = lambda _id: None
    suppressions: SuppressionsOf = lambda _customer: ()
    # Outbound webhooks' customer.erased; None: nobody is told.
    announcer: Announcer | None = None


def reader_of(event: dict[str, Any]) -> Caller:
    caller = caller_of(event)
    if caller.role not in READERS:
        raise Forbidden(f"{caller.role} may not read contact records")
    return caller


def eraser_of(event: dict[str, Any]) -> Caller:
    caller = caller_of(event)
    if caller.role not in ERASERS:
        raise Forbidden(f"{caller.role} may not erase a customer's personal data")
    return caller


def proposed_policy(request: SimulationRequest, book: Rulebook) -> tuple[ContactPolicy, PolicyVersion | None]:
    """The policy to replay and its version: the one in force (published, or `default`) when
    none is proposed; a proposed one has no version."""
    if request.policy is None:
        return book.contact_policy, book.contact_policy_version
    try:
        return ContactPolicy.model_validate(request.policy), None
    except ValidationError as exc:
        raise InvalidInput("the proposed policy is invalid", problems_of(exc, prefix="policy")) from exc


def create_app(deps: Deps) -> APIGatewayRestResolver:
    app = make_resolver(enable_validation=True)

    @app.get("/v1/customers/<customer_id>/contact", summary="What the contact policy remembered and decided")
    def contact(customer_id: Annotated[str, Path(max_length=128)]) -> dict[str, Any]:
        reader_of(app.current_event.raw_event)
        return contact_view(
            customer_id,
            deps.contacts,
            lambda state: suppressed_channels(state, deps.interaction, deps.suppressions),
        )

    @app.post("/v1/contact-policy/simulate", summary="Replay a past period's events under a policy")
    def simulated(request: Annotated[SimulationRequest, Body()]) -> dict[str, Any]:
        caller = reader_of(app.current_event.raw_event)
        policy, version = proposed_policy(request, deps.rulebook())
        start = datetime.combine(request.start, time(0), tzinfo=UTC)
        end = datetime.combine(request.end, time(0), tzinfo=UTC) + timedelta(days=1)
        outcome = simulate(deps.interactions(start, end), policy, policy_version=version)
        logger.info("policy simulated", extra={"caller": caller.user, "events": outcome.events})
        return {"from": request.start.isoformat(), "to": request.end.isoformat(), **outcome.as_json()}

    @app.delete(
        "/v1/customers/<customer_id>",
        summary="Erase the customer's personal data, keep the scores",
        responses={
            202: {"description": "Erased; the count of items changed per table (zeros the second time)"}
        },
    )
    def erased(customer_id: Annotated[str, Path(max_length=128)]) -> Response[dict[str, Any]]:
        caller = eraser_of(app.current_event.raw_event)
        if deps.erasure is None:
            raise Unavailable("erasure is not configured")
        now = deps.clock()
        outcome = erase(
            customer_id.strip(), by=caller.user, now=now, key=deps.erasure_key(), stores=deps.erasure
        )
        if deps.announcer:
            erased_event = customer_erased(outcome.customer_id, erased=outcome.erased, at=now)
            deps.announcer.announce(erased_event, correlation_id=erased_event.message_id)
        # The counts and who asked; never the customer's id next to anything personal.
        logger.info("customer erased", extra={"caller": caller.user, "erased": outcome.erased})
        return Response(202, content_types.APPLICATION_JSON, outcome.as_json())

    return app


@built_once
def _app() -> APIGatewayRestResolver:
    config = settings()
    contacts = DynamoContactStore(config.table("contacts"))
    interactions = DynamoInteractionStore(config.table("interactions"))
    deps = Deps(
        contacts=contacts,
        interactions=interactions.received_between,
        interaction=interactions.get,
        suppressions=suppression_list(config).channels_of,
        rulebook=CachedRulebook(DynamoConfigStore(config.table("config")), reads=("contact_policy",)),
        erasure=TableErasure(
            interaction_store=interactions,
            invitation_store=DynamoInvitationStore(config.table("invitations")),
            response_store=DynamoResponseStore(config.table("responses")),
            ticket_store=DynamoTicketStore(config.table("tickets")),
            contact_store=contacts,
            link_store=DynamoOptOutLinkStore(config.table("optouts")),
            log=DynamoErasureLog(config.table("erasures")),
        ),
        announcer=announcer_for(
            config.table("webhooks"), config.queue_url("webhooks"), ttl_s=config.webhook_cache_ttl_s
        ),
    )
    return create_app(deps)


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
