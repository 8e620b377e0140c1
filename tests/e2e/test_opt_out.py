"""The opt-out link over HTTP through `cxloop serve`: the survey mail carries it, GET only
asks, POST opts the customer out, and their next survey is held with blocked_opt_out."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest

from tests.e2e.conftest import Client, wait_for
from tests.helpers import load_event

pytestmark = pytest.mark.e2e

_OPT_OUT_URL = re.compile(r"https?://[^\s\"'<>]+/u/[A-Za-z0-9_-]{43}")


def event_for(customer_id: str, email: str) -> bytes:
    event: dict[str, Any] = load_event("erp/claim_reported")
    event["event_id"] = f"{event['event_id']}-{uuid.uuid4().hex[:10]}"
    event["customer"].update(id=customer_id, email=email)
    return json.dumps(event, ensure_ascii=False).encode("utf-8")


def decisions(client: Client, customer_id: str) -> list[dict[str, Any]]:
    answer = client.staff_get(f"/v1/customers/{customer_id}/contact")
    assert answer.status_code == 200, answer.text
    return list(answer.json()["decisions"])


def test_an_opted_out_customer_gets_no_more_surveys(client: Client) -> None:
    tag = uuid.uuid4().hex[:10]
    customer_id, email = f"C-{tag}", f"c-{tag}@example.com"
    assert client.post_event(event_for(customer_id, email)).status_code == 202
    message = client.message_to(email)
    # The message leaves before its decision is saved: wait for the contact record.
    wait_for(lambda: client.staff_get(f"/v1/customers/{customer_id}/contact").status_code == 200)
    found = _OPT_OUT_URL.search(message["body"])
    assert found, message["body"]
    opt_out_url = found.group(0)

    asked = client.http.get(opt_out_url, timeout=10)
    assert asked.status_code == 200 and "¿Dejar de recibir encuestas?" in asked.text
    assert [d["action"] for d in decisions(client, customer_id)] == ["send"]

    done = client.http.post(opt_out_url, data={}, timeout=10)
    assert done.status_code == 200 and "No le enviaremos más encuestas" in done.text
    assert [d["action"] for d in decisions(client, customer_id)] == ["opt_out", "send"]  # newest first

    assert client.post_event(event_for(customer_id, email)).status_code == 202
    held = wait_for(lambda: [d for d in decisions(client, customer_id) if d["reason"] == "blocked_opt_out"])
    assert len(held) == 1
    assert [m for m in client.outbox() if m["to"] == email] == [message]
