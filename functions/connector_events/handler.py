"""connector_events: POST /v1/connectors/{name}/events, the changes a helpdesk reports back
(an agent solved, reopened or commented on a case there), verified with that vendor's own
signing and applied to the cxloop ticket (cxloop.domain.integrations.callbacks)."""

from __future__ import annotations

from cxloop.startup import built_once

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path

from cxloop.adapters.config_store import CachedRulebook, DynamoConfigStore
from cxloop.adapters.helpdesks import signing_secrets
from cxloop.adapters.messaging import SqsQueue
from cxloop.adapters.tickets import DynamoTicketStore
from cxloop.config import settings
from cxloop.domain.configuration.rulebook import Rulebook
from cxloop.domain.integrations.callbacks import CallbackPorts, apply_ticket_change, read_callback
from cxloop.domain.integrations.connectors import Connector
from cxloop.domain.kernel.errors import FieldProblem, NotFound, PayloadTooLarge
from cxloop.http import header, make_resolver
from cxloop.observability import MetricUnit, logger, metrics, set_correlation_id

# A ticket change is a few hundred bytes; every vendor's callbacks are far under this.
MAX_BODY_BYTES = 256 * 1024


@dataclass(frozen=True)
class Deps:
    ports: CallbackPorts
    secrets: Callable[[Connector], tuple[str, ...]] = signing_secrets
    rulebook: Callable[[], Rulebook] = Rulebook
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


def create_app(deps: Deps) -> APIGatewayRestResolver:
    app = make_resolver()

    @app.post(
        "/v1/connectors/<name>/events",
        summary="A helpdesk reports a case changed there (signed with that vendor's signing)",
        description=EVENTS_DESCRIPTION,
        responses={
            200: {"description": "Applied to the cxloop ticket, or nothing to apply (see `applied`)"},
            401: {"description": "Missing, wrong or stale signature"},
            404: {"description": "No connector of that name"},
            413: {"description": "Body over 256 KB"},
        },
    )
    def post_connector_event(name: Annotated[str, Path(max_length=40)]) -> Response[dict[str, Any]]:
        event = app.current_event
        headers = dict(event.headers or {})
        book = deps.rulebook()
        connector = book.connectors.named(name)
        if connector is None:
            raise NotFound(f"no connector {name}")
        now = deps.clock()
        change = read_callback(
            connector,
            body=raw_body(event.raw_event),
            headers=lambda wanted: header(headers, wanted),
            secrets=deps.secrets(connector),
            now=now,
        )
        moved = apply_ticket_change(
            change,
            connector,
            connectors=book.connectors,
            organisation=book.organisation,
            sla=book.sla,
            now=now,
            ports=deps.ports,
        )
        if moved.ticket is not None:
            set_correlation_id(moved.ticket.correlation_id)
        metrics.add_metric(name="ConnectorEventsApplied", unit=MetricUnit.Count, value=1)
        logger.info(
            "connector event",
            extra={"connector": connector.name, "case_id": change.ticket_id, **moved.as_json()},
        )
        return Response(200, content_types.APPLICATION_JSON, moved.as_json())

    return app


EVENTS_DESCRIPTION = (
    'For Zendesk: a webhook on a trigger (README "Helpdesk connectors") with the JSON body '
    '{"ticket_id", "external_id", "status", "comment", "assignee_email"}, signed by Zendesk: '
    "X-Zendesk-Webhook-Signature = base64(HMAC-SHA256(signing secret, timestamp + body)) and "
    "X-Zendesk-Webhook-Signature-Timestamp (refused more than 300 s away from now). Solved or closed "
    "there resolves the cxloop ticket (and sends the follow-up survey); open, pending or on hold reopens a "
    "resolved one; a comment is noted. `applied` says which: resolved, reopened, commented, unchanged, or "
    "not_ours (a ticket cxloop did not route to this connector). "
    'For ServiceNow: a business rule\'s outbound REST call with the JSON body {"sys_id", "number", '
    '"correlation_id", "state", "comments", "work_notes", "close_notes", "assigned_to"} (state 1 New, '
    "2 In Progress, 3 On Hold, 6 Resolved, 7 Closed, 8 Canceled), signed with the connector's shared key: "
    'X-Cxloop-Signature = "sha256=" + hex(HMAC-SHA256(signing secret, "{timestamp}.{body}")) and '
    "X-Cxloop-Timestamp (Unix seconds, refused more than 300 s away from now). Resolved, closed or "
    "canceled there resolves the cxloop ticket (the resolution notes as the action taken); New, In "
    "Progress or On Hold reopens a resolved one; a comment or work note is noted."
    ' For Salesforce: an Apex callout (README "Helpdesk connectors") with the JSON body {"Id", '
    '"CaseNumber", "Cxloop_Ticket_Id__c", "Status", "IsClosed", "Comment", "OwnerEmail"}, signed the '
    "same way as ServiceNow's. IsClosed true resolves the cxloop ticket (and sends the follow-up survey); "
    "false reopens a resolved one; a Comment is noted."
)


def raw_body(event: dict[str, Any]) -> bytes:
    """The bytes the vendor signed; refused when too large, before any HMAC."""
    body = event.get("body") or ""
    data = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")
    if len(data) > MAX_BODY_BYTES:
        raise PayloadTooLarge("body over 256 KB", [FieldProblem("body", "is over 256 KB")])
    return data


@built_once
def _app() -> APIGatewayRestResolver:
    config = settings()
    ports = CallbackPorts(
        tickets=DynamoTicketStore(config.table("tickets")),
        follow_ups=SqsQueue(config.queue_url("dispatch")),
    )
    rulebook = CachedRulebook(
        DynamoConfigStore(config.table("config")), reads=("connectors", "organisation", "sla")
    )
    return create_app(Deps(ports=ports, rulebook=rulebook))


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
