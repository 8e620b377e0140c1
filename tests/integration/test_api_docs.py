"""api_docs (GET /v1/openapi.json): the public contract, served by the real handler."""

from __future__ import annotations

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
