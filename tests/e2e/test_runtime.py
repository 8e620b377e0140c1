"""The local runtime's own promises: traceable logs without personal data, clean stop."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from infra.local.defaults import WEBHOOK_SECRET
from infra.local.erp import signed_headers
from tests.e2e.conftest import Client, start_runtime, wait_for
from tests.e2e.test_loop import body_of, unique_event

pytestmark = pytest.mark.e2e

STEPS = (
    "event accepted",
    "survey sent",
    "answers recorded",
    "response scored",
    "ticket opened",
    "alert published",
)


def test_one_correlation_id_follows_the_customer_and_logs_hold_no_personal_data(client: Client) -> None:
    event = unique_event(name="Rosa Quishpe Secret", phone="+593987650001")
    body = body_of(event)
    correlation_id = f"trace-{uuid.uuid4()}"
    client.post_event(
        body, headers=signed_headers(body, WEBHOOK_SECRET) | {"X-Correlation-Id": correlation_id}
    )
    url = client.message_to(event["customer"]["email"])["survey_url"]
    comment = "El ajustador nunca llegó secret-comment-text"
    client.http.post(url, data={"nps": "1", "comment": comment}, timeout=10)

    def logged_steps() -> set[str]:
        lines = [
            json.loads(line) for line in client.log_file.read_text(encoding="utf-8").splitlines() if line
        ]
        found = {line["message"] for line in lines if line.get("correlation_id") == correlation_id}
        return found if found >= set(STEPS) else set()

    assert wait_for(logged_steps) >= set(STEPS)
    text = client.log_file.read_text(encoding="utf-8")
    for personal in (event["customer"]["email"], "+593987650001", "Rosa Quishpe", "secret-comment-text"):
        assert personal not in text
    token = url.rsplit("/", 1)[-1]
    assert token not in text


def test_ctrl_c_stops_the_runtime_cleanly(tmp_path: Path) -> None:
    served = start_runtime(tmp_path)
    code, output = served.stop()
    assert code == 0
    assert "stopped." in output
    assert "Traceback" not in output
