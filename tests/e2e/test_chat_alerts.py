"""`cxloop serve --chat-alerts FILTER`: a detractor's alert also reaches the chat channel's topic
(AWS Chatbot's on AWS) as a custom notification, with the managers' filter attributes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from infra.local.defaults import WEBHOOK_SECRET
from infra.local.erp import signed_headers
from tests.e2e.conftest import Client, start_runtime, wait_for
from tests.e2e.test_loop import body_of, unique_event

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def chatty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    served = start_runtime(
        tmp_path_factory.mktemp("chat"), extra_args=("--chat-alerts", '{"severity": ["critical"]}')
    )
    yield Client(served.base_url, served.log_file)
    served.stop()


def test_a_detractor_alert_reaches_the_chat_channel_as_a_custom_notification(chatty: Client) -> None:
    event = unique_event()
    body = body_of(event)
    assert chatty.post_event(body, headers=signed_headers(body, WEBHOOK_SECRET)).status_code == 202
    survey_url = chatty.message_to(event["customer"]["email"])["survey_url"]
    answered = chatty.http.post(
        survey_url, data={"nps": "1", "csat": "1", "comment": "Nadie vino"}, timeout=30
    )
    assert answered.status_code == 200

    chat = wait_for(lambda: _chat_alert(chatty), timeout_s=30)
    shown = json.loads(chat["message"])
    assert shown["source"] == "custom" and shown["content"]["textType"] == "client-markdown"
    assert chat["attributes"]["severity"] == "critical" and chat["attributes"]["kind"] == "detractor"
    assert shown["metadata"]["threadId"] == chat["attributes"]["ticket_id"]
    for personal in (event["customer"]["name"], event["customer"]["email"], "Nadie vino"):
        assert personal not in chat["message"]


def _chat_alert(client: Client) -> dict[str, Any] | None:
    return next((a for a in client.alerts() if a["topic"].endswith(":chat_alerts")), None)
