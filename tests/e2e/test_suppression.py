"""Bounces over the local runtime: SES's bounce event published to `email_events` (through
moto, as SES would) reaches record_suppression through the `suppressions` queue, and the
customer's next survey goes around the bounced address, as the staff API shows."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.local.analytics import lake_location
from infra.local.demo.contacts.bounces import publish_bounce, wait_until_suppressed
from tests.e2e.conftest import Client, wait_for
from tests.helpers import load_event

pytestmark = pytest.mark.e2e


def claim_of(customer: dict[str, Any]) -> bytes:
    event = load_event("erp/claim_reported")
    event["event_id"] = f"claim-{customer['id']}"
    event["customer"] = customer
    return json.dumps(event, ensure_ascii=False).encode()


def decisions_of(client: Client, customer_id: str) -> list[dict[str, Any]]:
    answer = client.staff_get(f"/v1/customers/{customer_id}/contact")
    return list(answer.json()["decisions"]) if answer.status_code == 200 else []


def test_a_bounced_email_reroutes_the_next_survey_to_sms(client: Client) -> None:
    endpoint, _ = lake_location(client.base_url)
    customer = {"id": "BOUNCE-1", "email": "rebota@example.com", "phone": "+593990000101", "timezone": "UTC"}
    publish_bounce(endpoint, customer["email"])
    assert wait_until_suppressed(endpoint, customer["email"])

    assert client.post_event(claim_of(customer)).status_code == 202

    (decision,) = wait_for(lambda: decisions_of(client, "BOUNCE-1"), timeout_s=20)
    # Without a published policy only the manners no brand may skip apply: no group, no wait.
    assert (decision["action"], decision["reason"], decision["channel"]) == (
        "send",
        "rerouted_fallback",
        "sms",
    )
    record = client.staff_get("/v1/customers/BOUNCE-1/contact").json()
    assert [(c["channel"], c["reason"]) for c in record["suppressed_channels"]] == [("email", "bounce")]
    assert "rebota@example.com" not in json.dumps(record)
    assert client.message_to("+593990000101")["channel"] == "sms"
    assert not [m for m in client.outbox() if m["to"] == "rebota@example.com"]
