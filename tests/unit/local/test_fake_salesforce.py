"""The local Salesforce speaks the documented REST API the connector relies on: the
client-credentials token, Bearer sessions that can expire, Case upserts on the external-id
field (201 created, 200 updated), patches by Id (204), CaseComments, picklists checked, and the
org's limits as 429 with Retry-After or 403 REQUEST_LIMIT_EXCEEDED."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import Client

from infra.local.fake_salesforce import FakeSalesforce, SalesforceOrg
from tests.fake_vendors import app_of

ORG = SalesforceOrg("consumer-key", "consumer-secret", "signing-1", "http://127.0.0.1:9/unused")
BASE = "/_local/salesforce"
CASES = f"{BASE}/services/data/v60.0/sobjects/Case"


@pytest.fixture
def org() -> tuple[FakeSalesforce, Client]:
    fake = FakeSalesforce(ORG)

    return fake, Client(app_of(fake, unowned_status=599))


def token(client: Client, secret: str = ORG.client_secret) -> Any:
    form = {"grant_type": "client_credentials", "client_id": ORG.client_id, "client_secret": secret}
    return client.post(f"{BASE}/services/oauth2/token", data=form)


def bearer(client: Client) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(client).json['access_token']}"}


def test_the_token_needs_the_connected_apps_credentials(org: tuple[FakeSalesforce, Client]) -> None:
    _, client = org
    granted = token(client)
    assert granted.status_code == 200
    assert granted.json["token_type"] == "Bearer"
    assert granted.json["instance_url"] == f"http://localhost{BASE}"
    refused = token(client, secret="wrong")
    assert (refused.status_code, refused.json["error"]) == (400, "invalid_client")
    password = client.post(f"{BASE}/services/oauth2/token", data={"grant_type": "password"})
    assert password.json["error"] == "unsupported_grant_type"


def test_cases_are_upserted_on_the_external_id_patched_and_commented(
    org: tuple[FakeSalesforce, Client],
) -> None:
    fake, client = org
    auth = bearer(client)
    key = f"{CASES}/Cxloop_Ticket_Id__c/CX-1"
    assert client.get(key, headers=auth).status_code == 404
    fields = {"Subject": "Detractor", "Description": "NPS 2", "Priority": "High", "Origin": "Web"}
    created = client.patch(key, json=fields, headers=auth)
    assert created.status_code == 201
    assert created.json["created"] is True
    case_id = created.json["id"]
    again = client.patch(key, json=fields | {"Priority": "Medium"}, headers=auth)
    assert (again.status_code, again.json["id"], again.json["created"]) == (200, case_id, False)
    assert client.get(key, headers=auth).json["Id"] == case_id

    assert client.patch(f"{CASES}/{case_id}", json={"Status": "Closed"}, headers=auth).status_code == 204
    comment = {"ParentId": case_id, "CommentBody": "done", "IsPublished": False}
    assert (
        client.post(
            f"{BASE}/services/data/v60.0/sobjects/CaseComment", json=comment, headers=auth
        ).status_code
        == 201
    )
    stored = fake.cases[case_id]
    assert (stored["Status"], stored["IsClosed"], stored["Priority"]) == ("Closed", True, "Medium")
    assert [c["CommentBody"] for c in stored["comments"]] == ["done"]


def test_bad_fields_expired_sessions_and_unknown_records_are_refused(
    org: tuple[FakeSalesforce, Client],
) -> None:
    _, client = org
    auth = bearer(client)
    key = f"{CASES}/Cxloop_Ticket_Id__c/CX-1"
    assert client.patch(key, json={"Priority": "Urgent"}, headers=auth).json[0]["errorCode"] == (
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    )
    assert client.patch(key, json={"Cxloop_Ticket_Id__c": "CX-1"}, headers=auth).status_code == 400
    assert client.patch(key, json={"Tags": ["x"]}, headers=auth).json[0]["errorCode"] == "INVALID_FIELD"
    assert client.get(f"{CASES}/Other__c/CX-1", headers=auth).status_code == 404
    assert client.get(key).status_code == 401
    client.post(f"{BASE}/_expire_sessions")
    expired = client.get(key, headers=auth)
    assert (expired.status_code, expired.json[0]["errorCode"]) == (401, "INVALID_SESSION_ID")


@pytest.mark.parametrize(
    ("status", "retry_after", "code"),
    [
        (429, "7", "SERVER_UNAVAILABLE"),
        (503, "7", "SERVER_UNAVAILABLE"),
        (403, None, "REQUEST_LIMIT_EXCEEDED"),
    ],
)
def test_over_the_limit_it_answers_as_salesforce_does(
    org: tuple[FakeSalesforce, Client], status: int, retry_after: str | None, code: str
) -> None:
    _, client = org
    auth = bearer(client)
    client.post(f"{BASE}/_throttle", json={"requests": 1, "retry_after": 7, "status": status})
    limited = client.get(f"{CASES}/Cxloop_Ticket_Id__c/CX-1", headers=auth)
    assert (limited.status_code, limited.headers.get("Retry-After"), limited.json[0]["errorCode"]) == (
        status,
        retry_after,
        code,
    )
    assert client.get(f"{CASES}/Cxloop_Ticket_Id__c/CX-1", headers=auth).status_code == 404
