"""open_ticket (consumes `tickets`) against moto: one case per response whatever SQS
redelivers, routed with its priority and due time, and its alert queued."""

from __future__ import annotations

import json
from datetime import timedelta

from cxloop.domain.casework.open_ticket import ticket_id_for
from tests.conftest import LocalAws
from tests.integration.support import NOW, Ports, as_sqs, invoke, one, redelivered, scan, scored


def test_one_ticket_per_response_across_redelivery_and_its_alert_queued(ports: Ports) -> None:
    request = scored(ports, nps=2, csat=1, callback=True, callback_time="afternoon", comment="Nadie vino")
    response_id = json.loads(request["Body"])["response"]["response_id"]
    run = ports.consumer("open_ticket", ports.ticket_step())

    assert run(as_sqs(request, queue="tickets")) == {"batchItemFailures": []}
    assert run(as_sqs(redelivered(request), queue="tickets")) == {"batchItemFailures": []}

    item = one(scan(ports.aws, "tickets"))
    assert item["ticket_id"]["S"] == ticket_id_for(response_id)
    assert (item["status"]["S"], item["branch"]["S"]) == ("new", "quito-norte")
    ticket = ports.tickets().get(ticket_id_for(response_id))
    assert ticket is not None
    # No organisation published: the branch owns it until a manager assigns someone.
    assert (ticket.priority, ticket.rule, ticket.owner) == ("high", "angry_detractor", "team:quito-norte")
    assert (ticket.ticket_type, ticket.status, ticket.country) == ("claim", "new", "EC")
    assert ticket.opened_at == NOW and ticket.due_at is not None and ticket.due_at > NOW
    assert ticket.comment == "Nadie vino" and ticket.score.callback_requested
    assert ticket.callback_window == "afternoon"  # the agent calls when the customer asked
    # The ticket's conditional write is the step's only guard: each delivery queues the same
    # alert, which push_alert publishes once (its dedupe key).
    alert, again = ports.aws.drain("alerts")
    assert json.loads(again["Body"]) == json.loads(alert["Body"])
    assert json.loads(alert["Body"])["ticket"]["ticket_id"] == ticket.ticket_id
    assert json.loads(alert["Body"])["dedupe_key"] == f"{ticket.ticket_id}:detractor:0"
    assert alert["MessageAttributes"]["correlation_id"]["StringValue"] == ticket.correlation_id


def test_a_second_delivery_without_powertools_finds_the_same_case(ports: Ports) -> None:
    # The conditional write keeps one case; the alert is queued again, push_alert dedupes it.
    body = json.loads(scored(ports, nps=5)["Body"])
    first = ports.ticket_step()(body)
    later = ports.ticket_step(clock=lambda: NOW + timedelta(minutes=5))(body)

    assert first == later
    ticket = ports.tickets().get(first["ticket_id"])
    assert ticket is not None and ticket.opened_at == NOW
    one(scan(ports.aws, "tickets"))
    alerts = [json.loads(m["Body"]) for m in ports.aws.drain("alerts")]
    assert [a["ticket"]["ticket_id"] for a in alerts] == [first["ticket_id"]] * 2
    assert alerts[0] == alerts[1]


def test_a_complaint_is_due_in_48_business_hours_of_its_country(ports: Ports) -> None:
    result = ports.ticket_step()(json.loads(scored(ports, nps=8, csat=2)["Body"]))
    ticket = ports.tickets().get(result["ticket_id"])
    assert ticket is not None and (ticket.priority, ticket.rule) == ("medium", "unsatisfied")
    assert (ticket.ticket_type, ticket.sla_hours) == ("complaint", 48)
    # Ecuador works 9 hours a day: 48 business hours span more than five calendar days.
    assert ticket.due_at is not None and ticket.due_at - ticket.opened_at > timedelta(days=5)


def test_a_request_without_a_decision_fails_alone(ports: Ports) -> None:
    good = scored(ports, nps=1)
    broken = dict(
        good, MessageId="no-decision", Body=json.dumps({"response": json.loads(good["Body"])["response"]})
    )
    answer = ports.consumer("open_ticket", ports.ticket_step())(as_sqs(broken, good, queue="tickets"))
    assert answer == {"batchItemFailures": [{"itemIdentifier": "no-decision"}]}
    one(scan(ports.aws, "tickets"))


def test_handler_opens_one_case_across_redelivery(lambda_env: LocalAws, ports: Ports) -> None:
    request = scored(ports, nps=0)
    for delivery in (request, redelivered(request)):
        assert invoke("open_ticket", as_sqs(delivery, queue="tickets")) == {"batchItemFailures": []}
    ticket_id = one(scan(lambda_env, "tickets"))["ticket_id"]["S"]
    # No idempotency record: the redelivery queues the same alert again, push_alert dedupes it.
    alerts = [json.loads(m["Body"]) for m in lambda_env.drain("alerts")]
    assert [a["ticket"]["ticket_id"] for a in alerts] == [ticket_id] * 2 and alerts[0] == alerts[1]
