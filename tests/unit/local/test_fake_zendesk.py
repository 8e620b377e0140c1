"""The local Zendesk speaks the documented Tickets API the connector relies on: basic auth
with an API token, external_id on create and in the list filter, PUT with a comment, and 429
with Retry-After over the rate limit."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest
from werkzeug.test import Client

from infra.local.fake_zendesk import FakeZendesk, ZendeskAccount, zendesk_signature
from tests.fake_vendors import app_of

ACCOUNT = ZendeskAccount("agent@example.com", "token-1", "signing-1", "http://127.0.0.1:9/unused")
API = "/_local/zendesk/api/v2/tickets"


def auth(email: str = ACCOUNT.email, token: str = ACCOUNT.api_token) -> dict[str, str]:
    credentials = base64.b64encode(f"{email}/token:{token}".encode()).decode()
    return {"Authorization": f"Basic {credentials}"}


@pytest.fixture
def zendesk() -> tuple[FakeZendesk, Client]:
    fake = FakeZendesk(ACCOUNT)

    return fake, Client(app_of(fake, unowned_status=599))


def create(client: Client, **fields: Any) -> Any:
    ticket = {"external_id": "CX-1", "subject": "Detractor", "comment": {"body": "NPS 2", "public": False}}
    return client.post(API, json={"ticket": ticket | fields}, headers=auth())


def test_tickets_are_created_found_by_external_id_and_updated(zendesk: tuple[FakeZendesk, Client]) -> None:
    _, client = zendesk
    created = create(client, priority="urgent", tags=["waiting_time"])
    assert created.status_code == 201
    ticket = created.json["ticket"]
    assert (ticket["external_id"], ticket["status"], ticket["priority"]) == ("CX-1", "new", "urgent")

    found = client.get(f"{API}.json?external_id=CX-1", headers=auth()).json
    assert (found["count"], found["tickets"][0]["id"]) == (1, ticket["id"])
    assert client.get(f"{API}?external_id=CX-2", headers=auth()).json["count"] == 0

    updated = client.put(
        f"{API}/{ticket['id']}.json",
        json={"ticket": {"status": "solved", "comment": {"body": "done"}}},
        headers=auth(),
    )
    assert updated.status_code == 200
    assert updated.json["ticket"]["status"] == "solved"
    assert [c["body"] for c in updated.json["ticket"]["comments"]] == ["NPS 2", "done"]


def test_wrong_credentials_and_bad_fields_are_refused(zendesk: tuple[FakeZendesk, Client]) -> None:
    _, client = zendesk
    assert client.get(API, headers=auth(token="wrong")).status_code == 401
    assert client.get(API).status_code == 401
    refused = create(client, priority="medium")
    assert refused.status_code == 422
    assert "priority" in refused.json["details"]
    assert client.put(f"{API}/99", json={"ticket": {}}, headers=auth()).status_code == 404


def test_over_the_rate_limit_it_answers_429_with_retry_after(zendesk: tuple[FakeZendesk, Client]) -> None:
    fake, client = zendesk
    client.post("/_local/zendesk/_throttle", json={"requests": 1, "retry_after": 7})
    throttled = create(client)
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "7"
    assert create(client).status_code == 201
    assert len(fake.tickets) == 1


def test_the_signature_is_zendesks_base64_hmac_of_timestamp_and_body() -> None:
    # Computed independently: HMAC-SHA256("signing-1", "2026-12-07T10:00:00Z" + b'{"a":1}'), base64.
    expected = base64.b64encode(
        hmac.new(b"signing-1", b'2026-12-07T10:00:00Z{"a":1}', hashlib.sha256).digest()
    ).decode()
    assert zendesk_signature("signing-1", "2026-12-07T10:00:00Z", b'{"a":1}') == expected
