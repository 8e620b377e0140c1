"""The whole loop over HTTP: signed event → outbox → survey → ticket → alert."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from cxloop.domain.contact.sms_text import is_gsm7, segments
from infra.local.defaults import WEBHOOK_SECRET
from infra.local.erp import signed_headers
from tests.e2e.conftest import Client, wait_for
from tests.helpers import load_event

pytestmark = pytest.mark.e2e


def unique_event(sample: str = "erp/claim_reported", **customer: Any) -> dict[str, Any]:
    """A sample event with its own event id and contact, so tests never see each other's mail."""
    event = load_event(sample)
    tag = uuid.uuid4().hex[:10]
    event["event_id"] = f"{event['event_id']}-{tag}"
    # A customer of their own: the contact policy holds surveys for one with an open complaint.
    event["customer"]["id"] = f"C-{tag}"
    if event["customer"].get("email"):
        event["customer"]["email"] = f"c-{tag}@example.com"
    event["customer"].update(customer)
    return event


def body_of(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False).encode("utf-8")


def test_detractor_answer_becomes_ticket_and_alert_with_one_correlation_id(client: Client) -> None:
    event = unique_event()
    body = body_of(event)
    correlation_id = f"erp-{uuid.uuid4()}"
    accepted = client.post_event(
        body, headers=signed_headers(body, WEBHOOK_SECRET) | {"X-Correlation-Id": correlation_id}
    )
    assert accepted.status_code == 202
    assert accepted.json()["status"] == "accepted"
    assert accepted.headers["X-Correlation-Id"] == correlation_id

    message = client.message_to(event["customer"]["email"])
    assert message["channel"] == "email"
    assert "¿Cómo fue su experiencia" in message["subject"]
    survey_url = message["survey_url"]

    page = client.http.get(survey_url, timeout=10)
    assert page.status_code == 200
    assert 'name="nps"' in page.text and 'lang="es"' in page.text
    answered = client.http.post(
        survey_url, data={"nps": "2", "csat": "1", "ces": "2", "comment": "Nadie me llamó", "callback": "yes"}
    )
    assert answered.status_code == 200
    assert "Gracias" in answered.text

    ticket = wait_for(lambda: _ticket_with(client, correlation_id))
    ticket_id = ticket["ticket_id"]
    alert = wait_for(
        lambda: next((a for a in client.alerts() if a["attributes"]["ticket_id"] == ticket_id), None)
    )
    assert alert["attributes"] | {"ticket_id": ""} == {
        "country": "EC",
        "region": "pichincha",
        "branch": "quito-norte",
        "severity": "critical",
        "kind": "detractor",
        "audience": "owner",
        "level": "0",
        "ticket_id": "",
    }
    assert event["customer"]["email"] not in alert["message"]

    ticket = client.staff_get(f"/v1/tickets/{ticket_id}").json()
    assert ticket["interaction_id"] == accepted.json()["interaction_id"]
    assert ticket["priority"] == "high"
    assert ticket["owner"] == "team:quito-norte"
    assert ticket["comment"] == "Nadie me llamó"
    assert ticket["score"]["callback_requested"] is True
    listed = client.staff_get("/v1/tickets?branch=quito-norte&status=new").json()["items"]
    assert ticket_id in {t["ticket_id"] for t in listed}


def _ticket_with(client: Client, correlation_id: str) -> dict[str, Any] | None:
    tickets = client.staff_get("/v1/tickets?limit=200").json()["items"]
    return next((t for t in tickets if t["correlation_id"] == correlation_id), None)


def test_sms_customer_gets_a_short_text_with_the_link(client: Client) -> None:
    event = unique_event("erp/branch_visit_sms", phone=f"+1202555{uuid.uuid4().int % 10000:04d}")
    assert client.post_event(body_of(event)).status_code == 202
    message = client.message_to(event["customer"]["phone"])
    assert message["channel"] == "sms"
    assert message["survey_url"] in message["body"]
    assert message["body"].startswith("cxloop: how was your experience")
    # GSM-7, at most two parts, with the opt-out link when it fits.
    assert is_gsm7(message["body"]) and segments(message["body"]) <= 2
    assert " STOP: " in message["body"] and "/u/" in message["body"]


def test_promoter_answer_opens_no_ticket(client: Client) -> None:
    event = unique_event()
    client.post_event(body_of(event))
    url = client.message_to(event["customer"]["email"])["survey_url"]
    before = len(client.staff_get("/v1/tickets?limit=200").json()["items"])
    reply = client.http.post(url, json={"answers": {"nps": 10, "csat": 5, "ces": 7}}, timeout=10)
    assert reply.status_code == 201
    response_id = reply.json()["response_id"]
    # A detractor sent after the promoter proves the pipeline drained past it.
    marker = unique_event()
    client.post_event(body_of(marker))
    marker_url = client.message_to(marker["customer"]["email"])["survey_url"]
    client.http.post(marker_url, json={"answers": {"nps": 0}}, timeout=10)
    tickets = wait_for(
        lambda: (
            (items := client.staff_get("/v1/tickets?limit=200").json()["items"])
            and len(items) > before
            and items
        )
    )
    assert response_id not in {t["response_id"] for t in tickets}


def test_replayed_event_answers_200_with_same_id_and_sends_once(client: Client) -> None:
    event = unique_event()
    first = client.post_event(body_of(event))
    again = client.post_event(body_of(event))
    assert (first.status_code, again.status_code) == (202, 200)
    assert first.json() == again.json()
    client.message_to(event["customer"]["email"])
    # A late retry, after the survey went out: handed to dispatch again, and sent nothing.
    late = client.post_event(body_of(event))
    assert (late.status_code, late.json()) == (200, first.json())
    marker = unique_event()
    client.post_event(body_of(marker))
    client.message_to(marker["customer"]["email"])
    sent = [m for m in client.outbox() if m["to"] == event["customer"]["email"]]
    assert len(sent) == 1


def test_openapi_document_is_served(client: Client) -> None:
    document = client.http.get(client.url("/v1/openapi.json"), timeout=10).json()
    assert {"/v1/events", "/v1/tickets", "/v1/tickets/{ticket_id}", "/s/{token}"} <= set(document["paths"])
    webhook = document["paths"]["/v1/events"]["post"]
    assert {"202", "200", "400", "401", "413"} <= set(webhook["responses"])
