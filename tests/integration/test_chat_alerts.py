"""push_alert with chat alerts on, against moto: the alerts the channel's filter accepts also go
to the chat_alerts topic (AWS Chatbot's), once each, as custom notifications with the managers'
filter attributes; the rest go to the managers only."""

from __future__ import annotations

import json
from typing import Any

from moto.backends import get_backend

from cxloop.adapters.messaging import SnsAlertPublisher, SnsChatPublisher
from cxloop.adapters.send_log import DynamoSendLog
from cxloop.config import settings_from
from cxloop.domain.casework.chat_alerts import ChatFilter
from cxloop.domain.casework.push_alert import alert_request
from functions.push_alert import handler as push_alert
from infra.local.defaults import ACCOUNT_ID, REGION
from tests.helpers import sample_ticket
from tests.integration.support import Ports, as_sqs, notifications, redelivered

FILTER = {"severity": ["critical"]}


def chat_messages(ports: Ports) -> list[Any]:
    topic = get_backend("sns")[ACCOUNT_ID][REGION].topics[ports.aws.topic_arn("chat_alerts")]
    return list(topic.sent_notifications)


def pusher(ports: Ports) -> Any:
    sns = ports.aws.clients["sns"]
    deps = push_alert.Deps(
        publisher=SnsAlertPublisher(ports.aws.topic_arn("alerts"), sns),
        sends=DynamoSendLog(ports.aws.table("idempotency"), ports.db),
        chat=SnsChatPublisher(ports.aws.topic_arn("chat_alerts"), sns),
        chat_filter=ChatFilter(
            settings_from({"CXLOOP_CHAT_ALERT_FILTER": json.dumps(FILTER)}).chat_alert_filter
        ),
    )
    return ports.consumer("push_alert", push_alert.create_step(deps))


def queued(body: dict[str, Any]) -> dict[str, Any]:
    return {"MessageId": body["dedupe_key"], "Body": json.dumps(body), "MessageAttributes": {}}


def test_a_critical_alert_reaches_the_channel_once_as_a_custom_notification(ports: Ports) -> None:
    push = pusher(ports)
    request = queued(alert_request(sample_ticket(priority="high"), "detractor"))
    for delivery in (request, redelivered(request)):
        assert push(as_sqs(delivery, queue="alerts")) == {"batchItemFailures": []}

    ((_, body, _, attributes, _),) = chat_messages(ports)
    shown = json.loads(body)
    assert shown["version"] == "1.0" and shown["source"] == "custom"
    assert shown["metadata"]["threadId"] == "CX-SAMPLE0001"
    assert attributes["severity"]["Value"] == "critical" and attributes["branch"]["Value"] == "quito-norte"
    assert len(notifications(ports.aws)) == 1  # the managers' alert, as ever


def test_an_alert_the_filter_does_not_take_reaches_the_managers_only(ports: Ports) -> None:
    push = pusher(ports)
    request = queued(alert_request(sample_ticket(priority="low"), "detractor"))
    assert push(as_sqs(request, queue="alerts")) == {"batchItemFailures": []}
    assert chat_messages(ports) == []
    assert len(notifications(ports.aws)) == 1
