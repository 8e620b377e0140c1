"""Channels over HTTP through `cxloop serve`: a customer who prefers WhatsApp gets the survey
as the approved template (recorded by the End User Messaging fake, GET /_local/channels),
and when WhatsApp refuses the number the survey falls back to SMS with the decision and its
reason visible on the customer's contact record."""

from __future__ import annotations

import json
import random
import uuid
from typing import Any

import pytest

from infra.local.defaults import WHATSAPP_TEMPLATE
from tests.e2e.conftest import Client, wait_for
from tests.helpers import load_event

pytestmark = pytest.mark.e2e


def whatsapp_customer() -> tuple[dict[str, Any], str, str]:
    """A claim event for a customer of their own who prefers WhatsApp; with their phone."""
    tag = uuid.uuid4().hex[:10]
    phone = f"+5939{random.randrange(10**7, 10**8)}"
    event: dict[str, Any] = load_event("erp/claim_reported")
    event["event_id"] = f"{event['event_id']}-{tag}"
    event["customer"].update(
        id=f"C-{tag}", email=f"c-{tag}@example.com", phone=phone, preferred_channel="whatsapp"
    )
    return event, f"C-{tag}", phone


def post(client: Client, event: dict[str, Any]) -> None:
    body = json.dumps(event, ensure_ascii=False).encode("utf-8")
    assert client.post_event(body).status_code == 202


def channel_messages(client: Client, phone: str) -> list[dict[str, Any]]:
    recorded = client.http.get(client.url("/_local/channels"), timeout=10).json()
    return [m for m in recorded if m["to"] == phone]


def test_a_customer_preferring_whatsapp_gets_the_template_with_a_short_link(client: Client) -> None:
    event, customer_id, phone = whatsapp_customer()
    post(client, event)

    message = wait_for(lambda: next(iter(channel_messages(client, phone)), None))
    assert (message["channel"], message["template"], message["language"]) == (
        "whatsapp",
        WHATSAPP_TEMPLATE["name"],
        "es_EC",
    )
    assert message["parameters"][0] == "Claims desk"
    url = message["survey_url"]
    assert url and len(url.rsplit("/", 1)[-1]) == 22  # the phone channels' short token
    # The short link opens the survey like any other.
    page = client.http.get(url, timeout=10)
    assert page.status_code == 200 and "<form" in page.text
    decisions = wait_for(
        lambda: client.staff_get(f"/v1/customers/{customer_id}/contact").json().get("decisions") or None
    )
    assert [(d["reason"], d["channel"]) for d in decisions] == [("send", "whatsapp")]
    assert all(m["to"] != phone for m in client.outbox())  # no SMS besides


def test_a_number_whatsapp_refuses_falls_back_to_sms_with_the_reason(client: Client) -> None:
    event, customer_id, phone = whatsapp_customer()
    refused = client.http.post(
        client.url("/_local/channels/refusals"), json={"channel": "whatsapp", "to": phone}, timeout=10
    )
    assert refused.status_code == 200
    post(client, event)

    sms = client.message_to(phone)
    assert sms["channel"] == "sms" and sms["survey_url"]
    # The SMS leaves before the decision is saved: until then the record answers 404.
    decisions = wait_for(
        lambda: client.staff_get(f"/v1/customers/{customer_id}/contact").json().get("decisions") or None
    )
    last = decisions[-1]
    assert (last["action"], last["reason"], last["channel"]) == ("send", "rerouted_fallback", "sms")
    assert last["detail"] == "whatsapp refused: ValidationException" and phone not in last["detail"]
    assert channel_messages(client, phone) == []
