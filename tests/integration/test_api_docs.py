"""api_docs (GET /v1/openapi.json): the public contract, served by the real handler."""

from __future__ import annotations

import json

from cxloop.domain.integrations.models import EVENT_TYPES
from infra.openapi import DOCUMENT_PATH, build_document
from tests.helpers import load_event
from tests.integration.support import body_of, header_of, invoke


def test_the_openapi_document_describes_the_public_routes() -> None:
    answer = invoke("api_docs", load_event("apigw/openapi_get"))
    assert answer["statusCode"] == 200
    assert header_of(answer, "Content-Type") == "application/json"
    document = body_of(answer)
    assert document["openapi"].startswith("3.")
    assert {"/v1/events", "/s/{token}", "/v1/tickets", "/v1/tickets/{ticket_id}"} <= set(document["paths"])
    webhook = document["paths"]["/v1/events"]["post"]["responses"]
    assert {"202", "200", "400", "401", "413"} <= set(webhook)


def test_outbound_webhooks_are_documented_with_their_subscriptions() -> None:
    document = body_of(invoke("api_docs", load_event("apigw/openapi_get")))
    created = document["paths"]["/v1/webhooks"]["post"]["responses"]
    assert {"201", "400", "401", "403"} <= set(created)
    replay = document["paths"]["/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay"]["post"]
    assert "202" in replay["responses"]
    assert set(document["webhooks"]) == set(EVENT_TYPES)
    headers = {p["name"] for p in document["webhooks"]["ticket.opened"]["post"]["parameters"]}
    assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}


def test_the_served_document_is_a_fresh_build() -> None:
    """Regenerate it with `cxloop openapi` after changing a route."""
    assert json.loads(DOCUMENT_PATH.read_text(encoding="utf-8")) == build_document()
