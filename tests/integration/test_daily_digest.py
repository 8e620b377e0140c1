"""daily_digest (scheduled) against moto, through its real handler: one SNS digest and one SES email
per manager with something open in their scope, filterable by recipient, with no customer data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cxloop.datafile import load_document_file
from infra.local.defaults import SENDER_ADDRESS
from tests.conftest import LocalAws
from tests.helpers import sample_ticket
from tests.integration.support import Ports, emails, invoke, notifications

ORG_FILE = Path(__file__).resolve().parents[2] / "infra" / "local" / "data" / "organisation.yaml"
RUN_AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
COMMENT = "Nadie vino a revisar el auto"
PERSONAL = ("Ana", "Pérez", "ana@example.com", "+593991234567", COMMENT)
# 2 executives, 2 country managers and 5 branch managers in the demo organisation.
MANAGERS_IN_DEMO = 9


def scheduled(at: datetime) -> dict[str, Any]:
    return {
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def publish_organisation(ports: Ports) -> None:
    document = load_document_file("organisation", ORG_FILE)
    ports.config().publish("organisation", document, expected_version=0, by="ceo", at=RUN_AT, note=None)


def seed_tickets(ports: Ports) -> None:
    quito = {"country": "EC", "region": "pichincha", "branch": "quito-norte", "comment": COMMENT}
    madrid = {"country": "ES", "region": "madrid", "branch": "madrid-centro", "comment": COMMENT}
    for ticket in (
        sample_ticket(
            ticket_id="CX-DIGEST0001",
            status="assigned",
            owner="ec-qn-claims-1",
            due_at=RUN_AT - timedelta(hours=3),
            escalation_level=1,
            **quito,
        ),
        sample_ticket(
            ticket_id="CX-DIGEST0002", status="in_progress", due_at=RUN_AT + timedelta(hours=5), **quito
        ),
        sample_ticket(ticket_id="CX-DIGEST0003", priority="low", due_at=RUN_AT + timedelta(days=1), **madrid),
        # Resolved: Barcelona's manager has nothing open and gets no digest.
        sample_ticket(
            ticket_id="CX-DIGEST0004",
            status="resolved",
            country="ES",
            region="cataluna",
            branch="barcelona-eixample",
        ),
    ):
        ports.tickets().add(ticket)


def sent_alerts(aws: LocalAws) -> dict[str, tuple[str, str, dict[str, str]]]:
    """Each digest notification by recipient: (subject, message, attributes)."""
    found = {}
    for _, message, subject, attributes, _ in notifications(aws):
        values = {name: value["Value"] for name, value in attributes.items()}
        found[values["recipient"]] = (subject, message, values)
    return found


def test_each_manager_with_open_tickets_gets_one_alert_and_one_email(
    lambda_env: LocalAws, ports: Ports
) -> None:
    publish_organisation(ports)
    seed_tickets(ports)

    assert invoke("daily_digest", scheduled(RUN_AT)) == {
        "managers": MANAGERS_IN_DEMO,
        "digests": 6,
        "alerts": 6,
        "emails": 6,
        "failures": 0,
    }

    alerts = sent_alerts(lambda_env)
    assert sorted(alerts) == [
        "ec-country-manager",
        "ec-qn-manager",
        "es-country-manager",
        "es-mc-manager",
        "exec-ceo",
        "exec-cxo",
    ]
    subject, message, attributes = alerts["ec-qn-manager"]
    assert attributes == {
        "country": "EC",
        "region": "pichincha",
        "branch": "quito-norte",
        "severity": "warning",
        "kind": "digest",
        "audience": "branch_manager",
        "level": "0",
        "ticket_id": "digest:ec-qn-manager:2026-11-25",
        "recipient": "ec-qn-manager",
    }
    assert subject == "[cxloop] Daily digest 2026-11-25: 2 open, 1 overdue"
    assert "- CX-DIGEST0001 quito-norte high owner ec-qn-claims-1 due" in message
    assert "CX-DIGEST0003" not in message  # Madrid is not in Quito Norte's scope
    assert alerts["es-country-manager"][2]["audience"] == "country_manager"
    assert alerts["exec-ceo"][0] == "[cxloop] Daily digest 2026-11-25: 3 open, 1 overdue"

    inbox = {email.destinations["ToAddresses"][0]: email for email in emails()}
    assert len(inbox) == 6 and {email.source for email in inbox.values()} == {SENDER_ADDRESS}
    quito_norte = inbox["veronica.salgado@segurosandinos.example"]
    # The demo organisation's managers read Spanish.
    assert quito_norte.subject == "Resumen diario 2026-11-25: 2 abiertos, 1 vencidos"
    assert "la sucursal Quito Norte" in quito_norte.body and "CX-DIGEST0001" in quito_norte.body
    assert "nuria.casals@segurosandinos.example" not in inbox  # Barcelona: nothing open

    everything = [text for alert in alerts.values() for text in alert[:2]]
    everything += [text for email in inbox.values() for text in (email.subject, email.body)]
    for personal in PERSONAL:
        assert not any(personal in text for text in everything), personal


def test_a_subscription_filtered_on_the_recipient_gets_only_their_digest(
    lambda_env: LocalAws, ports: Ports
) -> None:
    publish_organisation(ports)
    seed_tickets(ports)
    sqs, sns = lambda_env.clients["sqs"], lambda_env.clients["sns"]
    inbox = sqs.create_queue(QueueName="ec-qn-manager-digest")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(
        TopicArn=lambda_env.topic_arn("alerts"),
        Protocol="sqs",
        Endpoint=inbox_arn,
        Attributes={
            "FilterPolicy": json.dumps({"recipient": ["ec-qn-manager"]}),
            "RawMessageDelivery": "true",
        },
    )

    invoke("daily_digest", scheduled(RUN_AT))

    received = sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10)["Messages"]
    assert len(notifications(lambda_env)) == 6
    assert [m["Body"].splitlines()[0] for m in received] == [
        "Daily digest 2026-11-25 for ec-qn-manager (branch_manager, scope branch:quito-norte)."
    ]


def test_nothing_open_means_no_digest(lambda_env: LocalAws, ports: Ports) -> None:
    publish_organisation(ports)
    result = invoke("daily_digest", scheduled(RUN_AT))
    assert (result["managers"], result["digests"], result["alerts"], result["emails"]) == (
        MANAGERS_IN_DEMO,
        0,
        0,
        0,
    )
    assert notifications(lambda_env) == [] and emails() == []


def test_without_an_organisation_it_sends_nothing_and_says_so(lambda_env: LocalAws, ports: Ports) -> None:
    seed_tickets(ports)
    result = invoke("daily_digest", scheduled(RUN_AT))
    assert result["skipped"] == "no organisation" and result["digests"] == 0
    assert notifications(lambda_env) == [] and emails() == []
