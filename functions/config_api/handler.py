"""config_api: the analysts' documents (organisation, SLAs, rules) over HTTP.

GET /v1/config/{name}          the current version (managers and executives)
PUT /v1/config/{name}          publish a new version (executives), validated first
GET /v1/config/{name}/history  every version, newest first, with who and when
"""

from __future__ import annotations

from cxloop.startup import built_once

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from pydantic import ConfigDict, Field

from cxloop.adapters.config_store import DynamoConfigStore
from cxloop.config import settings
from cxloop.domain.configuration import documents
from cxloop.domain.configuration.documents import ConfigStore
from cxloop.domain.kernel.modelling import DomainModel
from cxloop.http import caller_of, make_resolver
from cxloop.observability import logger, metrics

Name = Annotated[
    str, Path(max_length=64, description="organisation, sla, ticket_rules, classification or assignment")
]


class Publication(DomainModel):
    model_config = ConfigDict(extra="forbid")

    document: dict[str, Any] = Field(description="The whole document; validated before it is stored")
    expected_version: int | None = Field(
        default=None, ge=0, description="The version you edited; 409 if someone published since"
    )
    note: str | None = Field(default=None, max_length=500, description="Why, for the audit trail")


@dataclass(frozen=True)
class Deps:
    store: ConfigStore
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


def create_app(deps: Deps) -> APIGatewayRestResolver:
    app = make_resolver(enable_validation=True)

    @app.get("/v1/config/<name>", summary="The current version of a config document")
    def read(name: Name) -> dict[str, Any]:
        return documents.read_document(name, caller=caller_of(app.current_event.raw_event), store=deps.store)

    @app.get("/v1/config/<name>/history", summary="Every published version, newest first")
    def history(name: Name) -> dict[str, Any]:
        caller = caller_of(app.current_event.raw_event)
        return {"items": documents.document_history(name, caller=caller, store=deps.store)}

    @app.put("/v1/config/<name>", summary="Publish a new version of a config document")
    def publish(name: Name, publication: Annotated[Publication, Body()]) -> dict[str, Any]:
        caller = caller_of(app.current_event.raw_event)
        stored = documents.publish_document(
            name,
            publication.document,
            caller=caller,
            expected_version=publication.expected_version,
            note=publication.note,
            now=deps.clock(),
            store=deps.store,
        )
        logger.info(
            "config published", extra={"document": name, "version": stored["version"], "caller": caller.user}
        )
        return stored

    return app


@built_once
def _app() -> APIGatewayRestResolver:
    return create_app(Deps(store=DynamoConfigStore(settings().table("config"))))


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
