"""The local ServiceNow speaks the documented Table API the connector relies on: basic auth,
incidents created with a sys_id and a number, found by an encoded correlation_id query (and
nothing broader), patched with journal entries, the resolution data policy, priority from
impact x urgency, and 429 with Retry-After over the rate limit."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest
from werkzeug.test import Client

from infra.local.fake_servicenow import (
    FakeServiceNow,
    ServiceNowInstance,
    business_rule_payload,
    servicenow_signature,
)
from tests.fake_vendors import app_of

INSTANCE = ServiceNowInstance("cxloop.integration", "pw-1", "signing-1", "http://127.0.0.1:9/unused")
API = "/_local/servicenow/api/now/table/incident"


def auth(username: str = INSTANCE.username, password: str = INSTANCE.password) -> dict[str, str]:
    credentials = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {credentials}"}


@pytest.fixture
def servicenow() -> tuple[FakeServiceNow, Client]:
    fake = FakeServiceNow(INSTANCE)

    return fake, Client(app_of(fake, unowned_status=599))


def create(client: Client, **fields: Any) -> Any:
    incident = {"correlation_id": "CX-1", "short_description": "Detractor", "description": "NPS 2"}
    return client.post(API, json=incident | fields, headers=auth())


def test_incidents_are_created_found_by_correlation_id_and_patched(
    servicenow: tuple[FakeServiceNow, Client],
) -> None:
    _, client = servicenow
    created = create(client, impact="1", urgency="2")
    assert created.status_code == 201
    incident = created.json["result"]
    assert (incident["number"], incident["state"], incident["priority"]) == ("INC0010001", "1", "2")
    assert len(incident["sys_id"]) == 32

    query = "sysparm_query=correlation_id=CX-1&sysparm_limit=1&sysparm_fields=sys_id,number"
    found = client.get(f"{API}?{query}", headers=auth()).json["result"]
    assert found == [{"sys_id": incident["sys_id"], "number": "INC0010001"}]
    assert client.get(f"{API}?sysparm_query=correlation_id=CX-2", headers=auth()).json["result"] == []

    patched = client.patch(
        f"{API}/{incident['sys_id']}", json={"work_notes": "llamé", "state": "2"}, headers=auth()
    )
    assert patched.status_code == 200
    assert patched.json["result"]["state"] == "2"
    assert [n["value"] for n in patched.json["result"]["work_notes"]] == ["llamé"]


def test_a_query_the_fake_cannot_answer_exactly_is_refused_not_widened(
    servicenow: tuple[FakeServiceNow, Client],
) -> None:
    _, client = servicenow
    create(client)
    for query in ("correlation_idLIKECX", "correlation_id=CX-1^ORnumber=INC1", "short_description=x"):
        assert client.get(f"{API}?sysparm_query={query}", headers=auth()).status_code == 400


def test_resolving_needs_a_resolution_code_and_notes(servicenow: tuple[FakeServiceNow, Client]) -> None:
    _, client = servicenow
    sys_id = create(client).json["result"]["sys_id"]
    refused = client.patch(f"{API}/{sys_id}", json={"state": "6"}, headers=auth())
    assert refused.status_code == 403
    assert "Resolution code, Resolution notes" in refused.json["error"]["detail"]
    resolved = client.patch(
        f"{API}/{sys_id}",
        json={"state": "6", "close_code": "Solution provided", "close_notes": "done"},
        headers=auth(),
    )
    assert resolved.json["result"]["state"] == "6"


def test_wrong_credentials_bad_choices_and_unknown_records_are_refused(
    servicenow: tuple[FakeServiceNow, Client],
) -> None:
    _, client = servicenow
    assert client.get(API, headers=auth(password="wrong")).status_code == 401
    unauthenticated = client.get(API)
    assert unauthenticated.status_code == 401
    assert unauthenticated.json["error"]["message"] == "User Not Authenticated"
    assert create(client, impact="high").status_code == 400
    assert client.patch(f"{API}/{'0' * 32}", json={}, headers=auth()).status_code == 404


def test_over_the_rate_limit_it_answers_429_with_retry_after(
    servicenow: tuple[FakeServiceNow, Client],
) -> None:
    fake, client = servicenow
    client.post("/_local/servicenow/_throttle", json={"requests": 1, "retry_after": 7})
    throttled = create(client)
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "7"
    assert create(client).status_code == 201
    assert len(fake.incidents) == 1
    assert [c["status"] for c in fake.calls] == [429, 201]


def test_the_business_rules_body_carries_only_what_this_update_wrote() -> None:
    incident = {
        "sys_id": "a" * 32,
        "number": "INC0010001",
        "correlation_id": "CX-1",
        "state": "7",
        "close_notes": "done",
        "assigned_to": "beth@example.com",
        "sys_updated_on": "2026-12-07 10:00:00",
    }
    body = business_rule_payload(incident, {"state": "7"})
    assert (body["state"], body["close_notes"], body["comments"]) == ("7", "", "")


def test_the_signature_is_sha256_hex_hmac_of_timestamp_dot_body() -> None:
    # Computed independently: HMAC-SHA256("signing-1", "1796637600." + b'{"a":1}'), hex.
    expected = hmac.new(b"signing-1", b'1796637600.{"a":1}', hashlib.sha256).hexdigest()
    assert servicenow_signature("signing-1", "1796637600", b'{"a":1}') == f"sha256={expected}"
