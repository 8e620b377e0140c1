"""The helpdesk connectors' round trips over real HTTP through `cxloop serve` and its local
Zendesk, ServiceNow and Salesforce (infra/local/fake_zendesk.py, fake_servicenow.py,
fake_salesforce.py): a connected team's ticket opens a case there once, through a 429; an agent
solves it there, whose signed webhook, business rule or Apex callout resolves the cxloop
ticket, and the customer gets cxloop's follow-up survey; unsigned, badly signed and stale
callbacks are refused."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from cxloop.domain.integrations.shared_secret_callouts import callout_signature
from infra.local.auth import mint_token
from infra.local.defaults import (
    SALESFORCE_SIGNING_SECRET,
    SERVICENOW_SIGNING_SECRET,
    STAFF_TOKEN_SECRET,
    WEBHOOK_SECRET,
    ZENDESK_SIGNING_SECRET,
)
from infra.local.erp import signed_headers
from infra.local.fake_servicenow import servicenow_signature
from infra.local.fake_zendesk import zendesk_signature
from tests.e2e.conftest import Client, Served, start_runtime, wait_for
from tests.e2e.test_casework import ORG_FILE, answer, cli, ticket_for
from tests.e2e.test_loop import body_of, unique_event

pytestmark = pytest.mark.e2e
EVENTS = "/v1/connectors/zendesk/events"


@pytest.fixture(scope="module")
def connected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """A runtime of its own whose claims teams work in the local Zendesk (Quito Norte),
    ServiceNow (Quito Sur) and Salesforce (Guayaquil)."""
    served: Served = start_runtime(tmp_path_factory.mktemp("connectors"))
    try:
        desk = Client(served.base_url, served.log_file)
        published = cli("config", "push", "organisation", str(ORG_FILE), "--url", desk.base_url)
        assert published.returncode == 0, published.stderr
        connectors = {
            "connectors": [
                {
                    "name": "zendesk",
                    "vendor": "zendesk",
                    "instance_url": f"{desk.base_url}/_local/zendesk",
                    "secret": "cxloop/connectors/zendesk",
                    "teams": ["quito-norte-claims"],
                },
                # Claims in Quito Sur work in the local ServiceNow (test_servicenow_round_trip).
                {
                    "name": "servicenow",
                    "vendor": "servicenow",
                    "instance_url": f"{desk.base_url}/_local/servicenow",
                    "secret": "cxloop/connectors/servicenow",
                    "teams": ["quito-sur-claims"],
                },
                # Claims in Guayaquil work in the local Salesforce org.
                {
                    "name": "salesforce",
                    "vendor": "salesforce",
                    "instance_url": f"{desk.base_url}/_local/salesforce",
                    "secret": "cxloop/connectors/salesforce",
                    "teams": ["guayaquil-centro-claims"],
                },
            ]
        }
        executive = mint_token(STAFF_TOKEN_SECRET, role="executive", user="e2e-analyst")
        put = desk.http.put(
            desk.url("/v1/config/connectors"),
            json={"document": connectors, "note": "claims work in Zendesk, ServiceNow or Salesforce"},
            headers={"Authorization": f"Bearer {executive}"},
            timeout=10,
        )
        assert put.status_code == 200, put.text
        yield desk
    finally:
        served.stop()


def zendesk(desk: Client) -> dict[str, Any]:
    return dict(desk.http.get(desk.url("/_local/zendesk/_tickets"), timeout=10).json())


def case_of(desk: Client, ticket_id: str) -> dict[str, Any]:
    found: dict[str, Any] = wait_for(
        lambda: next((t for t in zendesk(desk)["tickets"] if t["external_id"] == ticket_id), None),
        timeout_s=20,
    )
    return found


def detractor(desk: Client, branch: str = "quito-norte") -> tuple[dict[str, Any], str]:
    """A claim reported at `branch` and answered badly; the cxloop ticket and the customer's address."""
    event = unique_event()
    event["touchpoint"] |= {"id": f"{branch}/claims", "branch": branch}
    correlation_id = f"erp-{uuid.uuid4()}"
    body = body_of(event)
    headers = signed_headers(body, WEBHOOK_SECRET) | {"X-Correlation-Id": correlation_id}
    assert desk.post_event(body, headers=headers).status_code == 202
    email = event["customer"]["email"]
    survey = desk.message_to(email)
    answer(desk, survey["survey_url"], nps=2, csat=1, comment="El ajustador nunca llegó", callback=True)
    return ticket_for(desk, correlation_id), email


def answer_follow_up_unhappily(desk: Client, email: str) -> None:
    """The customer gets cxloop's "was it solved?" survey and answers no."""
    follow_up = wait_for(
        lambda: next(
            (m for m in desk.outbox() if m["to"] == email and (m["subject"] or "").startswith("¿Resolvimos")),
            None,
        ),
        timeout_s=20,
    )
    answer(desk, follow_up["survey_url"], solved=False, csat=1, comment="Nadie vino")


def signed(
    body: bytes, *, at: datetime | None = None, secret: str = ZENDESK_SIGNING_SECRET
) -> dict[str, str]:
    stamp = (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "Content-Type": "application/json",
        "X-Zendesk-Webhook-Signature": zendesk_signature(secret, stamp, body),
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
    }


def test_a_case_opened_in_zendesk_and_solved_there_sends_cxloops_follow_up(connected: Client) -> None:
    desk = connected
    # Zendesk is over its rate limit when the case is first pushed: it waits for Retry-After.
    throttle = desk.http.post(desk.url("/_local/zendesk/_throttle"), json={"requests": 1, "retry_after": 1})
    assert throttle.status_code == 200
    ticket, email = detractor(desk)
    assert ticket["team"] == "quito-norte-claims"

    case = case_of(desk, ticket["ticket_id"])
    assert (case["priority"], case["status"], case["type"]) == ("high", "new", "problem")
    assert {"cxloop", "claim"} <= set(case["tags"])
    description = case["description"]
    assert "NPS 2 (detractor), CSAT 1/5" in description
    assert "Comment: El ajustador nunca llegó" in description
    assert f"Due: {ticket['due_at']}" in description
    assert "Call script (es):" in description
    assert f"In cxloop: {desk.base_url}/v1/tickets/{ticket['ticket_id']}" in description
    calls = zendesk(desk)["calls"]
    assert [c["status"] for c in calls][:1] == [429]
    creates = [c for c in calls if c["method"] == "POST" and c["status"] == 201]
    assert len(creates) == 1

    # An agent solves it in Zendesk; the trigger's signed webhook resolves the cxloop ticket.
    solved = desk.http.post(
        desk.url(f"/_local/zendesk/_agent/tickets/{case['id']}"),
        json={
            "status": "solved",
            "comment": "Visita reprogramada",
            "assignee_email": "ana.agent@example.com",
        },
        timeout=30,
    )
    assert solved.status_code == 200, solved.text
    assert solved.json()["webhook"] == {
        "status": 200,
        "body": {"applied": "resolved", "ticket_id": ticket["ticket_id"], "status": "resolved"},
    }
    resolved = desk.staff_get(f"/v1/tickets/{ticket['ticket_id']}").json()
    assert resolved["status"] == "resolved"
    assert resolved["resolution"]["action_taken"] == "Visita reprogramada"
    assert resolved["history"][-1]["by"] == "zendesk:ana.agent@example.com"

    # The same webhook delivered again changes nothing.
    body = json.dumps(
        {"ticket_id": str(case["id"]), "external_id": ticket["ticket_id"], "status": "solved", "comment": ""}
    ).encode()
    repeat = desk.http.post(desk.url(EVENTS), data=body, headers=signed(body), timeout=10)
    assert repeat.json()["applied"] == "unchanged"

    # cxloop, not Zendesk, asks the customer whether it was solved; "no" reopens it in both.
    answer_follow_up_unhappily(desk, email)

    def reopened_there() -> dict[str, Any] | None:
        found = next(t for t in zendesk(desk)["tickets"] if t["id"] == case["id"])
        return found if found["status"] == "open" else None

    there = wait_for(reopened_there, timeout_s=20)
    assert there["comments"][-1]["body"] == (
        "The customer answered the follow-up survey: unhappy; the case is reopened in cxloop."
    )
    assert desk.staff_get(f"/v1/tickets/{ticket['ticket_id']}").json()["reopen_count"] == 1


def test_callbacks_unsigned_badly_signed_stale_or_unknown_are_refused(connected: Client) -> None:
    desk = connected
    body = json.dumps({"ticket_id": "1", "external_id": "CX-NOPE", "status": "solved"}).encode()

    def post(headers: dict[str, str], path: str = EVENTS) -> requests.Response:
        return desk.http.post(desk.url(path), data=body, headers=headers, timeout=10)

    unsigned = post({"Content-Type": "application/json"})
    assert unsigned.status_code == 401 and unsigned.json()["error"]["code"] == "unauthorized"
    assert post(signed(body, secret="someone-else")).status_code == 401
    assert post(signed(body, at=datetime.now(UTC) - timedelta(minutes=10))).status_code == 401
    assert post(signed(body), path="/v1/connectors/nowhere/events").status_code == 404
    # Signed, but not a ticket cxloop routed to Zendesk: acknowledged, nothing moved.
    assert post(signed(body)).json() == {"applied": "not_ours", "ticket_id": None, "status": None}
    bad = json.dumps({"ticket_id": "1", "external_id": "CX-1", "status": "archived"}).encode()
    refused = desk.http.post(desk.url(EVENTS), data=bad, headers=signed(bad), timeout=10)
    assert refused.status_code == 400
    assert [d["field"] for d in refused.json()["error"]["details"]] == ["status"]


def test_comments_and_the_resolution_made_in_cxloop_reach_zendesk_once(connected: Client) -> None:
    desk = connected
    ticket, _ = detractor(desk)
    case = case_of(desk, ticket["ticket_id"])
    owner = mint_token(
        STAFF_TOKEN_SECRET, role="agent", scope="team:quito-norte-claims", user=ticket["owner"]
    )

    def act(action: dict[str, Any]) -> None:
        done = desk.http.post(
            desk.url(f"/v1/tickets/{ticket['ticket_id']}/actions"),
            json=action,
            headers={"Authorization": f"Bearer {owner}"},
            timeout=10,
        )
        assert done.status_code == 200, done.text

    act({"action": "comment", "text": "Cliente contactado"})
    act({"action": "resolve", "root_cause": "adjuster overbooked", "action_taken": "visit rebooked"})

    def solved_there() -> dict[str, Any] | None:
        found = next(t for t in zendesk(desk)["tickets"] if t["id"] == case["id"])
        return found if found["status"] == "solved" else None

    there = wait_for(solved_there, timeout_s=20)
    notes = [c["body"] for c in there["comments"][1:]]
    assert notes == [
        f"Cliente contactado — {ticket['owner']} in cxloop",
        f"Resolved in cxloop by {ticket['owner']}. Root cause: adjuster overbooked. visit rebooked",
    ]


# ServiceNow (infra/local/fake_servicenow.py): the same round trip through its Table API and
# its business rule's callback, signed with the connector's shared key.
SERVICENOW_EVENTS = "/v1/connectors/servicenow/events"


def servicenow(desk: Client) -> dict[str, Any]:
    return dict(desk.http.get(desk.url("/_local/servicenow/_incidents"), timeout=10).json())


def incident_of(desk: Client, ticket_id: str) -> dict[str, Any]:
    found: dict[str, Any] = wait_for(
        lambda: next((i for i in servicenow(desk)["incidents"] if i["correlation_id"] == ticket_id), None),
        timeout_s=20,
    )
    return found


def servicenow_signed(
    body: bytes, *, at: datetime | None = None, secret: str = SERVICENOW_SIGNING_SECRET
) -> dict[str, str]:
    stamp = str(int((at or datetime.now(UTC)).timestamp()))
    return {
        "Content-Type": "application/json",
        "X-Cxloop-Signature": servicenow_signature(secret, stamp, body),
        "X-Cxloop-Timestamp": stamp,
    }


def test_an_incident_opened_in_servicenow_and_resolved_there_sends_cxloops_follow_up(
    connected: Client,
) -> None:
    desk = connected
    # ServiceNow's rate limit is reached when the incident is first pushed: it waits for Retry-After.
    throttle = desk.http.post(
        desk.url("/_local/servicenow/_throttle"), json={"requests": 1, "retry_after": 1}
    )
    assert throttle.status_code == 200
    ticket, email = detractor(desk, branch="quito-sur")
    assert ticket["team"] == "quito-sur-claims"

    incident = incident_of(desk, ticket["ticket_id"])
    assert (incident["state"], incident["correlation_display"]) == ("1", "cxloop")
    # A high-priority detractor: impact 1 x urgency 2 is ServiceNow's priority 2 (High).
    assert (incident["impact"], incident["urgency"], incident["priority"]) == ("1", "2", "2")
    assert incident["short_description"].startswith(f"[{ticket['ticket_id']}] claim at")
    description = incident["description"]
    assert "NPS 2 (detractor), CSAT 1/5" in description
    assert "Comment: El ajustador nunca llegó" in description
    assert f"Due: {ticket['due_at']}" in description
    assert "Call script (es):" in description
    assert f"In cxloop: {desk.base_url}/v1/tickets/{ticket['ticket_id']}" in description
    calls = servicenow(desk)["calls"]
    assert [c["status"] for c in calls][:1] == [429]
    assert len([c for c in calls if c["method"] == "POST" and c["status"] == 201]) == 1

    # An agent resolves it in ServiceNow; the business rule's signed call resolves the cxloop ticket.
    resolved_there = desk.http.post(
        desk.url(f"/_local/servicenow/_agent/incidents/{incident['number']}"),
        json={"state": "6", "close_notes": "Visita reprogramada", "assigned_to": "beth.agent@example.com"},
        timeout=30,
    )
    assert resolved_there.status_code == 200, resolved_there.text
    assert resolved_there.json()["callback"] == {
        "status": 200,
        "body": {"applied": "resolved", "ticket_id": ticket["ticket_id"], "status": "resolved"},
    }
    resolved = desk.staff_get(f"/v1/tickets/{ticket['ticket_id']}").json()
    assert resolved["status"] == "resolved"
    assert resolved["resolution"]["action_taken"] == "Visita reprogramada"
    assert resolved["history"][-1]["by"] == "servicenow:beth.agent@example.com"

    # Closed there later (ServiceNow closes resolved incidents after a while): nothing changes here.
    closed_there = desk.http.post(
        desk.url(f"/_local/servicenow/_agent/incidents/{incident['sys_id']}"), json={"state": "7"}, timeout=30
    )
    assert closed_there.json()["callback"]["body"]["applied"] == "unchanged"

    # cxloop, not ServiceNow, asks the customer whether it was solved; "no" reopens it in both.
    answer_follow_up_unhappily(desk, email)

    def reopened_there() -> dict[str, Any] | None:
        found = next(i for i in servicenow(desk)["incidents"] if i["sys_id"] == incident["sys_id"])
        return found if found["state"] == "2" else None

    there = wait_for(reopened_there, timeout_s=20)
    assert there["work_notes"][-1]["value"] == (
        "The customer answered the follow-up survey: unhappy; the case is reopened in cxloop."
    )
    assert desk.staff_get(f"/v1/tickets/{ticket['ticket_id']}").json()["reopen_count"] == 1


def test_servicenow_callbacks_unsigned_badly_signed_or_stale_are_refused(connected: Client) -> None:
    desk = connected
    body = json.dumps({"sys_id": "a" * 32, "correlation_id": "CX-NOPE", "state": "6"}).encode()

    def post(headers: dict[str, str], data: bytes = body) -> requests.Response:
        return desk.http.post(desk.url(SERVICENOW_EVENTS), data=data, headers=headers, timeout=10)

    unsigned = post({"Content-Type": "application/json"})
    assert unsigned.status_code == 401 and unsigned.json()["error"]["code"] == "unauthorized"
    assert post(servicenow_signed(body, secret="someone-else")).status_code == 401
    assert post(servicenow_signed(body, at=datetime.now(UTC) - timedelta(minutes=10))).status_code == 401
    # Zendesk's key does not sign for ServiceNow.
    assert post(servicenow_signed(body, secret=ZENDESK_SIGNING_SECRET)).status_code == 401
    assert post(servicenow_signed(body)).json() == {"applied": "not_ours", "ticket_id": None, "status": None}
    bad = json.dumps({"sys_id": "a" * 32, "correlation_id": "CX-1", "state": "archived"}).encode()
    refused = post(servicenow_signed(bad), data=bad)
    assert refused.status_code == 400
    assert [d["field"] for d in refused.json()["error"]["details"]] == ["state"]


def test_cxloops_comments_and_resolution_reach_servicenow_once_and_its_comments_come_back(
    connected: Client,
) -> None:
    desk = connected
    ticket, _ = detractor(desk, branch="quito-sur")
    incident = incident_of(desk, ticket["ticket_id"])
    owner = mint_token(STAFF_TOKEN_SECRET, role="agent", scope="team:quito-sur-claims", user=ticket["owner"])

    # An agent's additional comment in ServiceNow is a comment on the cxloop ticket.
    commented = desk.http.post(
        desk.url(f"/_local/servicenow/_agent/incidents/{incident['sys_id']}"),
        json={"state": "2", "comments": "Llamé al cliente"},
        timeout=30,
    )
    assert commented.json()["callback"]["body"]["applied"] == "commented"
    history = desk.staff_get(f"/v1/tickets/{ticket['ticket_id']}").json()["history"]
    assert (history[-1]["action"], history[-1]["note"]) == ("comment", "Llamé al cliente")

    def act(action: dict[str, Any]) -> None:
        done = desk.http.post(
            desk.url(f"/v1/tickets/{ticket['ticket_id']}/actions"),
            json=action,
            headers={"Authorization": f"Bearer {owner}"},
            timeout=10,
        )
        assert done.status_code == 200, done.text

    act({"action": "comment", "text": "Cliente contactado"})
    act({"action": "resolve", "root_cause": "adjuster overbooked", "action_taken": "visit rebooked"})

    def resolved_there() -> dict[str, Any] | None:
        found = next(i for i in servicenow(desk)["incidents"] if i["sys_id"] == incident["sys_id"])
        return found if found["state"] == "6" else None

    there = wait_for(resolved_there, timeout_s=20)
    resolution = f"Resolved in cxloop by {ticket['owner']}. Root cause: adjuster overbooked. visit rebooked"
    assert [n["value"] for n in there["work_notes"]] == [
        f"Cliente contactado — {ticket['owner']} in cxloop",
        resolution,
    ]
    assert (there["close_code"], there["close_notes"]) == ("Solution provided", resolution)


# Salesforce (infra/local/fake_salesforce.py): the same round trip through a Case upserted on its
# external id and the org's Apex callout, signed with the connector's shared key.
SALESFORCE_EVENTS = "/v1/connectors/salesforce/events"


def salesforce(desk: Client) -> dict[str, Any]:
    return dict(desk.http.get(desk.url("/_local/salesforce/_cases"), timeout=10).json())


def test_a_case_opened_in_salesforce_and_closed_there_sends_cxloops_follow_up(connected: Client) -> None:
    desk = connected
    # The org is over its limit when the Case is first pushed: it waits for Retry-After.
    throttle = {"requests": 1, "retry_after": 1, "status": 429}
    assert desk.http.post(desk.url("/_local/salesforce/_throttle"), json=throttle).status_code == 200
    ticket, email = detractor(desk, branch="guayaquil-centro")
    assert ticket["team"] == "guayaquil-centro-claims"

    case: dict[str, Any] = wait_for(
        lambda: next(
            (c for c in salesforce(desk)["cases"] if c["Cxloop_Ticket_Id__c"] == ticket["ticket_id"]), None
        ),
        timeout_s=20,
    )
    assert (case["Priority"], case["Status"], case["Origin"]) == ("High", "New", "Web")
    assert case["Subject"].startswith(f"[{ticket['ticket_id']}] claim at ")
    description = case["Description"]
    assert "NPS 2 (detractor), CSAT 1/5" in description
    assert "Comment: El ajustador nunca llegó" in description
    assert f"Due: {ticket['due_at']}" in description
    assert "Call script (es):" in description
    assert f"In cxloop: {desk.base_url}/v1/tickets/{ticket['ticket_id']}" in description
    calls = salesforce(desk)["calls"]
    assert 429 in [c["status"] for c in calls]
    assert [c["status"] for c in calls if c["method"] == "PATCH"] == [201]

    # An agent closes it in Salesforce; the org's Apex callout resolves the cxloop ticket.
    closed = desk.http.post(
        desk.url(f"/_local/salesforce/_agent/cases/{case['Id']}"),
        json={"status": "Closed", "comment": "Visita reprogramada", "owner_email": "ana.agent@example.com"},
        timeout=30,
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["callout"] == {
        "status": 200,
        "body": {"applied": "resolved", "ticket_id": ticket["ticket_id"], "status": "resolved"},
    }
    resolved = desk.staff_get(f"/v1/tickets/{ticket['ticket_id']}").json()
    assert resolved["status"] == "resolved"
    assert resolved["resolution"]["action_taken"] == "Visita reprogramada"
    assert resolved["history"][-1]["by"] == "salesforce:ana.agent@example.com"

    # cxloop asks the customer; "no" reopens the Case in Salesforce with an internal comment.
    answer_follow_up_unhappily(desk, email)

    def reopened_there() -> dict[str, Any] | None:
        found = next(c for c in salesforce(desk)["cases"] if c["Id"] == case["Id"])
        return found if found["Status"] == "Working" else None

    there = wait_for(reopened_there, timeout_s=20)
    assert there["comments"][-1]["CommentBody"] == (
        "The customer answered the follow-up survey: unhappy; the case is reopened in cxloop."
    )
    assert there["comments"][-1]["IsPublished"] is False

    # A callout signed with another key, or an old one, moves nothing.
    body = json.dumps(
        {"Id": case["Id"], "Cxloop_Ticket_Id__c": ticket["ticket_id"], "Status": "Closed", "IsClosed": True}
    ).encode()
    stale = str(int((datetime.now(UTC) - timedelta(minutes=10)).timestamp()))
    for secret, stamp in (
        ("someone-else", str(int(datetime.now(UTC).timestamp()))),
        (SALESFORCE_SIGNING_SECRET, stale),
    ):
        headers = {
            "Content-Type": "application/json",
            "X-Cxloop-Timestamp": stamp,
            "X-Cxloop-Signature": callout_signature(secret, stamp, body),
        }
        refused = desk.http.post(desk.url(SALESFORCE_EVENTS), data=body, headers=headers, timeout=10)
        assert refused.status_code == 401
    assert desk.staff_get(f"/v1/tickets/{ticket['ticket_id']}").json()["status"] != "resolved"
