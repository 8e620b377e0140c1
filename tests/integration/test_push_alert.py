"""push_alert (consumes `alerts`) against moto: one SNS notification per ticket, with
the attributes managers' subscriptions filter on, and no personal data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from cxloop.domain.casework.push_alert import alert_request as envelope
from tests.conftest import LocalAws
from tests.helpers import sample_ticket
from tests.integration.support import (
    Ports,
    as_sqs,
    invoke,
    lapse_claims,
    notifications,
    one,
    redelivered,
    scan,
    scored,
)

PERSONAL = ("Ana", "Pérez", "ana@example.com", "+593991234567", "Nadie vino")


def alert_request(ports: Ports, **answers: object) -> dict[str, Any]:
    """The message open_ticket queued for these answers."""
    ports.ticket_step()(json.loads(scored(ports, **answers)["Body"]))
    return dict(one(ports.aws.drain("alerts")))


def test_one_notification_with_filter_attributes_across_redelivery(ports: Ports) -> None:
    request = alert_request(ports, nps=1, comment="Nadie vino", callback=True)
    push = ports.consumer("push_alert", ports.alert_step())

    assert push(as_sqs(request, queue="alerts")) == {"batchItemFailures": []}
    assert push(as_sqs(redelivered(request), queue="alerts")) == {"batchItemFailures": []}

    _, message, subject, attributes, _ = one(notifications(ports.aws))
    ticket_id = json.loads(request["Body"])["ticket"]["ticket_id"]
    assert {name: value["Value"] for name, value in attributes.items()} == {
        "country": "EC",
        "region": "pichincha",
        "branch": "quito-norte",
        "severity": "critical",
        "kind": "detractor",
        "audience": "owner",
        "level": "0",
        "ticket_id": ticket_id,
    }
    assert {name for name, value in attributes.items() if value["Type"] == "Number"} == {"level"}
    assert subject == "[cxloop] HIGH detractor at Claims desk"
    assert ticket_id in message and "call back" in message
    for personal in PERSONAL:
        assert personal not in message + subject


def test_different_tickets_each_get_their_alert(ports: Ports) -> None:
    push = ports.consumer("push_alert", ports.alert_step())
    first, second = alert_request(ports, nps=1), alert_request(ports, nps=6)
    push(as_sqs(first, second, queue="alerts"))
    severities = sorted(n[3]["severity"]["Value"] for n in notifications(ports.aws))
    assert severities == ["critical", "warning"]


def test_a_branch_managers_filtered_subscription_gets_only_their_branch(ports: Ports) -> None:
    aws = ports.aws
    inbox = aws.clients["sqs"].create_queue(QueueName="quito-norte-manager")["QueueUrl"]
    inbox_arn = aws.clients["sqs"].get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    aws.clients["sns"].subscribe(
        TopicArn=aws.topic_arn("alerts"),
        Protocol="sqs",
        Endpoint=inbox_arn,
        Attributes={"FilterPolicy": json.dumps({"branch": ["quito-norte"]}), "RawMessageDelivery": "true"},
    )
    step = ports.alert_step()
    step(envelope(sample_ticket(ticket_id="CX-QUITO00001")))
    step(envelope(sample_ticket(ticket_id="CX-MADRID0001", branch="madrid-centro")))

    received = aws.clients["sqs"].receive_message(QueueUrl=inbox, MaxNumberOfMessages=10)["Messages"]
    assert len(notifications(aws)) == 2
    assert ["CX-QUITO00001" in m["Body"] for m in received] == [True]


def test_a_malformed_alert_request_fails_alone(ports: Ports) -> None:
    good = alert_request(ports, nps=2)
    broken = dict(good, MessageId="broken", Body='{"kind": "detractor", "dedupe_key": "CX-BROKEN0001"}')
    answer = ports.consumer("push_alert", ports.alert_step())(as_sqs(broken, good, queue="alerts"))
    assert answer == {"batchItemFailures": [{"itemIdentifier": "broken"}]}
    one(notifications(ports.aws))


def test_handler_publishes_once_across_redelivery(lambda_env: LocalAws, ports: Ports) -> None:
    request = alert_request(ports, nps=3)
    assert invoke("push_alert", as_sqs(request, queue="alerts")) == {"batchItemFailures": []}
    # A copy while the claim is live waits for its retry: the first attempt might yet have
    # failed its publish and given the claim back (adapters/send_log.py).
    with pytest.raises(BatchProcessingError, match="another attempt is making the send"):
        invoke("push_alert", as_sqs(redelivered(request), queue="alerts"))
    lapse_claims(lambda_env)  # the time SQS takes to redeliver it, a minute, has passed
    assert invoke("push_alert", as_sqs(redelivered(request), queue="alerts")) == {"batchItemFailures": []}
    _, _, _, attributes, _ = one(notifications(lambda_env))
    assert attributes["branch"]["Value"] == "quito-norte" and attributes["severity"]["Value"] == "critical"
    # One record per dedupe key (ticket, kind, level): the send log's claim, which by default
    # is the send's record, its facts written with it (cxloop.domain.kernel.sends); no
    # Powertools record beside it.
    items = scan(lambda_env, "idempotency")
    assert [item["id"]["S"] for item in items] == [f"sent#alert#{json.loads(request['Body'])['dedupe_key']}"]
    assert "facts" in items[0]


def test_the_same_ticket_kind_and_level_alerts_once_but_each_escalation_level_alerts(ports: Ports) -> None:
    push = ports.consumer("push_alert", ports.alert_step())
    ticket = sample_ticket()
    first = envelope(ticket, "sla_breach", level=1, audience="branch_manager", recipients=["ec-qn-manager"])
    again = envelope(ticket, "sla_breach", level=1, audience="branch_manager", recipients=["ec-qn-manager"])
    higher = envelope(ticket, "sla_breach", level=2, audience="country_manager", recipients=["ec-cm"])
    for n, body in enumerate((first, again, higher)):
        message = {"MessageId": f"m-{n}", "ReceiptHandle": f"r-{n}", "Body": json.dumps(body)}
        assert push(as_sqs(message, queue="alerts")) == {"batchItemFailures": []}
    published = notifications(ports.aws)
    assert [(n[3]["audience"]["Value"], n[3]["level"]["Value"]) for n in published] == [
        ("branch_manager", "1"),
        ("country_manager", "2"),
    ]
    assert published[1][3]["severity"]["Value"] == "critical"
    assert "SLA breached (level 2)" in published[1][2] and "ec-cm" in published[1][1]
