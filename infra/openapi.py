"""Build the OpenAPI document of the public API from the real resolvers.

Each API function's resolver describes its own routes; this merges them, adds
what the resolvers cannot see (the signed webhook body, the staff bearer scheme,
the contract's error body) and writes functions/api_docs/openapi.json, which the
api_docs function serves. A test keeps the committed file equal to a fresh build.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from cxloop.domain.integrations.models import EVENT_TYPES
from cxloop.domain.kernel.events import InteractionEvent
from infra import openapi_contract as contract
from infra.pipeline import PIPELINE

DOCUMENT_PATH = Path(__file__).resolve().parent.parent / "functions" / "api_docs" / "openapi.json"
TITLE = "cxloop API"
VERSION = "1.0.0"
_REF = "#/components/schemas/{model}"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "examples": ["validation_error"]},
                "message": {"type": "string"},
                "details": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"field": {"type": "string"}, "problem": {"type": "string"}},
                    },
                },
            },
        }
    },
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def route_documents() -> list[dict[str, Any]]:
    """One OpenAPI document per API function, from its resolver with no live ports."""
    documents = []
    for function in PIPELINE.functions:
        if not function.routes or function.name == "api_docs":
            continue
        module = importlib.import_module(function.handler_module)
        deps = module.Deps(**dict.fromkeys(module.Deps.__dataclass_fields__))
        schema = module.create_app(deps).get_openapi_schema(title=TITLE, version=VERSION)
        documents.append(json.loads(schema.model_dump_json(by_alias=True, exclude_none=True)))
    return documents


def build_document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for document in route_documents():
        for path, operations in document.get("paths", {}).items():
            paths.setdefault(path, {}).update(operations)
        schemas.update(document.get("components", {}).get("schemas", {}))
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    event_schema = InteractionEvent.model_json_schema(ref_template=_REF)
    schemas.update(event_schema.pop("$defs", {}))
    schemas["InteractionEvent"] = event_schema
    for path, operations in paths.items():
        for method, operation in operations.items():
            _describe(path, method, operation)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": "Close-the-loop customer experience: ERP webhook, survey links, staff API.",
        },
        "paths": dict(sorted(paths.items())),
        "webhooks": outbound_webhooks(),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {"staffBearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def outbound_webhooks() -> dict[str, Any]:
    """What cxloop POSTs to a subscribed endpoint (Standard Webhooks), one entry per event type."""
    header = {"in": "header", "required": True, "schema": {"type": "string"}}
    parameters = [
        {
            **header,
            "name": "webhook-id",
            "description": "The message's id: the same on every retry; deduplicate on it",
        },
        {**header, "name": "webhook-timestamp", "description": "Unix seconds of this attempt"},
        {
            **header,
            "name": "webhook-signature",
            "description": 'v1,base64(HMAC-SHA256(base64-decoded secret after "whsec_", '
            '"{webhook-id}.{webhook-timestamp}.{body}")); two, space-separated, for 24 h after a rotation',
        },
    ]
    return {
        event_type: {
            "post": {
                "summary": f"{event_type}, delivered to a subscribed endpoint",
                "parameters": parameters,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["type", "timestamp", "data"],
                                "properties": {
                                    "type": {"const": event_type},
                                    "timestamp": {"type": "string", "format": "date-time"},
                                    "data": {
                                        "type": "object",
                                        "description": "Ids, places, scores, topics and statuses; names, "
                                        "addresses, phones and comments only with include_personal_data",
                                    },
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "2XX": {"description": "Received; anything else is retried for about 27 hours"},
                    "410": {"description": "Gone: the subscription is disabled at once"},
                },
            }
        }
        for event_type in EVENT_TYPES
    }


def _describe(path: str, method: str, operation: dict[str, Any]) -> None:
    """Replace the resolver's generic 422 with what cxloop really answers."""
    responses = operation.setdefault("responses", {})
    responses.pop("422", None)
    responses["400"] = _error("Invalid input; details name each field")
    route = next(
        r for f in PIPELINE.functions for r in f.routes if r.path == path and r.method.lower() == method
    )
    if route.auth == "staff":
        operation["security"] = [{"staffBearer": []}]
        responses["401"] = _error("Missing or invalid bearer token")
    if route.auth == "signature" and path.startswith("/v1/connectors/"):
        _describe_connector_callback(operation)
    elif route.auth == "signature":
        _describe_webhook(path, operation)
    responses.update(contract.route_errors(path, method, staff=route.auth == "staff"))
    if path.startswith("/s/"):
        _describe_survey_link(method, operation)
    responses.update(contract.page_statuses(path, method))
    for status, description, content in contract.ROUTE_SUCCESSES.get((method, path), []):
        responses.pop("200", None)
        responses[status] = {"description": description, "content": content}
    _constrain_parameters(path, method, operation)
    if path.startswith("/v1/webhooks"):
        _describe_webhook_subscriptions(path, method, operation)


def _constrain_parameters(path: str, method: str, operation: dict[str, Any]) -> None:
    """The values the handlers check beyond the parameters' types (infra/openapi_contract.py)."""
    for parameter in operation.get("parameters", []):
        name, schema = parameter["name"], parameter.get("schema", {})
        extra = contract.PARAMETER_CONSTRAINTS.get((method, path, name))
        if extra:
            target = next((s for s in schema.get("anyOf", []) if s.get("type") == "string"), schema)
            target.update(extra)
        if parameter["in"] == "path" and name in contract.PATH_ENUMS:
            schema["enum"] = list(contract.PATH_ENUMS[name])
        if name == "from" and parameter["in"] == "query":
            parameter["description"] = f"{parameter.get('description', '')}; {contract.PERIOD_RULE}"


def _describe_connector_callback(operation: dict[str, Any]) -> None:
    """A helpdesk's callback is signed the vendor's way, beside the path's connector name the
    resolver declares: Zendesk's signature and its timestamp; for ServiceNow and Salesforce, the
    HMAC of the business rule's or the Apex callout's body with the connector's shared key.
    Which pair a request needs depends on the connector's vendor, so neither is required by the
    document; a request without its vendor's pair is refused with 401."""
    operation.setdefault("parameters", []).extend(
        [
            {
                "name": "X-Zendesk-Webhook-Signature",
                "in": "header",
                "required": False,
                "description": "Zendesk: base64(HMAC-SHA256(signing secret, timestamp + raw body))",
                "schema": {"type": "string"},
            },
            {
                "name": "X-Zendesk-Webhook-Signature-Timestamp",
                "in": "header",
                "required": False,
                "description": "Zendesk: when it signed (ISO 8601); more than 300 s away is refused",
                "schema": {"type": "string"},
            },
            {
                "name": "X-Cxloop-Signature",
                "in": "header",
                "required": False,
                "description": (
                    'ServiceNow and Salesforce: "sha256=" + hex(HMAC-SHA256(signing secret, '
                    '"{timestamp}.{raw body}"))'
                ),
                "schema": {"type": "string"},
            },
            {
                "name": "X-Cxloop-Timestamp",
                "in": "header",
                "required": False,
                "description": (
                    "ServiceNow and Salesforce: Unix seconds when it signed; more than 300 s away is refused"
                ),
                "schema": {"type": "string", "pattern": "^[0-9]+$"},
            },
        ]
    )
    operation["responses"]["401"] = _error("Missing, wrong or stale signature")


def _describe_webhook(path: str, operation: dict[str, Any]) -> None:
    """Both webhook routes are signed alike: the single event's body and answers, or the batch's."""
    operation["parameters"] = [
        {"name": "X-Cx-Timestamp", "in": "header", "required": True, "schema": {"type": "string"}},
        {
            "name": "X-Cx-Signature",
            "in": "header",
            "required": True,
            "description": (
                'v1=hex(HMAC-SHA256(secret, "{timestamp}.{raw body}")); several comma-separated allowed'
            ),
            "schema": {"type": "string"},
        },
    ]
    responses = operation["responses"]
    responses["401"] = _error("Missing, wrong or stale signature")
    if path == "/v1/events/batch":
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": BATCH}}}
        responses["200"] = {
            "description": "One result per event, in order, with counts",
            "content": {"application/json": {"schema": BATCH_OUTCOME}},
        }
        return
    operation["summary"] = "Report a key customer moment (signed ERP webhook)"
    operation["requestBody"] = {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/InteractionEvent"}}},
    }
    accepted = {
        "type": "object",
        "properties": {"interaction_id": {"type": "string"}, "status": {"const": "accepted"}},
    }
    ok = {"content": {"application/json": {"schema": accepted}}}
    responses.pop("200", None)
    responses["202"] = {"description": "New event accepted", **ok}
    responses["200"] = {"description": "Repeat of an event already accepted", **ok}


BATCH: dict[str, Any] = {
    "type": "object",
    "required": ["events"],
    "additionalProperties": False,
    "properties": {
        "events": {
            "type": "array",
            "minItems": 1,
            "maxItems": 500,
            # Not InteractionEvent: an invalid event is rejected on its own, in its result (200).
            "items": {"description": "An event of POST /v1/events (InteractionEvent)"},
        }
    },
}
BATCH_OUTCOME: dict[str, Any] = {
    "type": "object",
    "required": ["results", "accepted", "duplicates", "rejected", "retry"],
    "properties": {
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["index", "status"],
                "properties": {
                    "index": {"type": "integer"},
                    "status": {"enum": ["accepted", "duplicate", "rejected", "retry"]},
                    "interaction_id": {"type": "string"},
                    "error": {"$ref": "#/components/schemas/Error/properties/error"},
                },
            },
        },
        **{k: {"type": "integer"} for k in ("accepted", "duplicates", "rejected", "retry")},
    },
}


def _describe_webhook_subscriptions(path: str, method: str, operation: dict[str, Any]) -> None:
    """Executives only; the secret is answered by subscribing and rotating, never by reading."""
    responses = operation["responses"]
    responses["403"] = _error("Not an executive")
    if "{webhook_id}" in path:
        responses["404"] = _error("No such subscription (or delivery)")
    if path == "/v1/webhooks" and method == "post":
        created = responses.pop("200", None) or {}
        responses["201"] = {**created, "description": "Subscribed: the answer carries the secret, once"}
    if path.endswith("/replay"):
        queued = responses.pop("200", None) or {}
        responses["202"] = {**queued, "description": "Queued: sent again with the same webhook-id"}


def _describe_survey_link(method: str, operation: dict[str, Any]) -> None:
    html = {"content": {"text/html": {"schema": {"type": "string"}}}}
    responses = operation["responses"]
    responses.pop("200", None)
    if method == "get":
        operation["summary"] = "Render the survey (never changes state)"
        responses["200"] = {"description": "The survey page", **html}
    else:
        operation["summary"] = "Record the answers once (form fields or JSON {answers})"
        responses["200"] = {"description": "Thank-you page (form post)", **html}
        responses["201"] = {"description": "Recorded (JSON post)"}
        responses["409"] = {"description": "Already answered: nothing recorded"}
    responses["404"] = {"description": "Unknown link (friendly page)", "content": contract.PAGE_OR_ERROR}
    responses["410"] = {"description": "Expired link (friendly page)", **html}


def write_document(path: Path = DOCUMENT_PATH) -> Path:
    path.write_text(json.dumps(build_document(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
