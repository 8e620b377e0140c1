"""Closing the loop with the customer against moto: the acknowledgement of a complaint or
claim (case number and when we will call, in their language and time zone), and the
"was it solved?" survey after resolution, whose unhappy answer reopens the ticket and
alerts the owner's manager."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cxloop.adapters.send_log import DynamoSendLog
from cxloop.datafile import load_document_file
from cxloop.domain.contact.sending import SendSettings
from functions.notify_customer import handler as notify_customer
from tests.conftest import LocalAws
from tests.integration.support import (
    BASE_URL,
    NOW,
    SENDER_ADDRESS,
    Ports,
    action_request,
    as_caller,
    as_sqs,
    body_of,
    emails,
    invoke,
    json_answers,
    one,
    redelivered,
    resolve,
    scored,
    survey_request,
    token_in,
)

# Not about the contact policy: the company published a permissive one (no quiet hours, no
# gap), so surveys go out at once whatever the hour (tests/integration/conftest.py).
pytestmark = pytest.mark.usefixtures("permissive_contact_policy")

ORG_FILE = Path(__file__).resolve().parents[2] / "infra" / "local" / "data" / "organisation.yaml"
SETTINGS = SendSettings(BASE_URL, SENDER_ADDRESS, link_ttl_days=14)


def notify_step(ports: Ports) -> Any:
    from cxloop.adapters.messaging import SesEmailSender, SnsSmsSender

    deps = notify_customer.Deps(
        email=SesEmailSender(ports.aws.clients["sesv2"]),
        sms=SnsSmsSender(ports.aws.clients["sns"]),
        send_settings=SETTINGS,
        # The handler's guard against sending a notice twice (no Powertools record beside it).
        sends=DynamoSendLog(ports.aws.table("idempotency"), ports.db),
    )
    return notify_customer.create_step(deps)


def opened(ports: Ports, **answers: object) -> dict[str, Any]:
    """The ticket open_ticket opened for Ana's answers (claim desk, Quito)."""
    result = ports.ticket_step()(json.loads(scored(ports, **answers)["Body"]))
    ticket = ports.tickets().get(result["ticket_id"])
    assert ticket is not None
    return ticket.model_dump(mode="json")


def test_a_claim_is_acknowledged_once_with_its_number_and_the_local_contact_time(ports: Ports) -> None:
    ticket = opened(ports, nps=1, comment="Nadie vino")
    notice = one(ports.aws.drain("notices"))
    body = json.loads(notice["Body"])
    assert (body["notice_id"], body["kind"]) == (f"{ticket['ticket_id']}:acknowledgement", "acknowledgement")
    assert body["timezone"] == "America/Guayaquil"
    run = ports.consumer("notify_customer", notify_step(ports))
    assert run(as_sqs(notice, queue="notices")) == {"batchItemFailures": []}
    assert run(as_sqs(redelivered(notice), queue="notices")) == {"batchItemFailures": []}
    email = one(emails())
    assert email.destinations["ToAddresses"] == ["ana@example.com"]
    assert email.subject == f"Recibimos su caso {ticket['ticket_id']}"
    # Opened Mon 23 Nov 09:30 UTC (04:30 in Quito): a claim has 72 business hours of 9 a day,
    # Mon-Fri 08:30-17:30 -> 8 whole working days, due Wed 2 Dec at 17:30 Quito.
    assert "a más tardar el miércoles 2 de diciembre a las 17:30" in email.body


def test_a_request_gets_no_acknowledgement(ports: Ports) -> None:
    ticket = opened(ports, nps=8, callback=True)
    assert ticket["ticket_type"] == "request"
    assert ports.aws.drain("notices") == []


def test_resolving_sends_the_follow_up_and_an_unhappy_answer_reopens_and_alerts(ports: Ports) -> None:
    ports.config().publish(
        "organisation",
        load_document_file("organisation", ORG_FILE),
        expected_version=0,
        by="test",
        at=NOW,
        note=None,
    )
    ticket = opened(ports, nps=2, comment="Nadie vino")
    ports.aws.drain("alerts")
    ports.aws.drain("notices")
    manager = ("branch_manager", "branch:quito-norte", "ec-qn-manager")
    resolution = {"action": "resolve", "root_cause": "adjuster late", "action_taken": "visit done"}
    answer = resolve(
        ports.tickets_app(clock=lambda: NOW + timedelta(hours=2)),
        as_caller(action_request(ticket["ticket_id"], resolution), *manager),
        "tickets_api",
    )
    assert body_of(answer)["status"] == "resolved"

    # tickets_api raised case.resolved; send_survey sends the follow-up survey like any other.
    follow_up = one(ports.aws.drain("dispatch"))
    event = json.loads(follow_up["Body"])["event"]
    assert (event["event_type"], event["attributes"]) == ("case.resolved", {"ticket_id": ticket["ticket_id"]})
    ports.consumer("send_survey", ports.send_step())(as_sqs(follow_up))
    email = one(emails())
    assert email.subject == f"¿Resolvimos su caso {ticket['ticket_id']}?"
    token = token_in(email.body)
    page = resolve(ports.survey_app(), survey_request(token), "survey_page")
    assert 'name="solved"' in page["body"] and 'name="nps"' not in page["body"]

    posted = resolve(
        ports.survey_app(clock=lambda: NOW + timedelta(days=1)),
        survey_request(
            token, "apigw/survey_post_json", json_answers(solved=False, csat=1, comment="Sigo igual")
        ),
        "survey_page",
    )
    assert posted["statusCode"] == 201, posted
    ports.score_step()(json.loads(one(ports.aws.drain("responses"))["Body"]))
    request = one(ports.aws.drain("tickets"))
    assert json.loads(request["Body"])["follow_up"] is True
    # The follow-up is about the case: the live aggregates count only the first answer.
    assert ports.aggregates().read("branch:quito-norte").responses == 1

    result = ports.consumer("open_ticket", ports.ticket_step(clock=lambda: NOW + timedelta(days=1)))
    assert result(as_sqs(request, queue="tickets")) == {"batchItemFailures": []}
    reopened = ports.tickets().get(ticket["ticket_id"])
    assert reopened is not None
    assert (reopened.status, reopened.reopen_count) == ("assigned", 1)
    assert reopened.follow_up is not None and (reopened.follow_up.solved, reopened.follow_up.outcome) == (
        False,
        "unhappy",
    )
    assert [h.action for h in reopened.history][-2:] == ["reopen", "follow_up"]
    alert = json.loads(one(ports.aws.drain("alerts"))["Body"])
    assert (alert["kind"], alert["audience"], alert["recipients"]) == (
        "follow_up_unhappy",
        "branch_manager",
        ["ec-qn-manager"],
    )


def test_a_happy_follow_up_records_the_recovery_and_leaves_the_ticket_resolved(ports: Ports) -> None:
    from cxloop.domain.casework.open_ticket import record_follow_up
    from cxloop.domain.surveys.models import SurveyResponse

    ticket = opened(ports, nps=3)
    store = ports.tickets()
    stored = store.get(ticket["ticket_id"])
    assert stored is not None
    store.save(stored.model_copy(update={"status": "resolved"}), expected_version=stored.version)
    response = SurveyResponse.model_validate(
        json.loads(scored(ports, nps=5)["Body"])["response"]
        | {
            "survey_id": "follow_up",
            "answers": {"solved": True, "csat": 5},
            "attributes": {"ticket_id": ticket["ticket_id"]},
        }
    )
    for _ in range(2):  # a redelivery records it once
        record_follow_up(
            response,
            now=NOW,
            tickets=store,
            alerts=ports.queue("alerts"),
            sla=ports.rulebook().sla,
            organisation=ports.rulebook().organisation,
        )
    after = store.get(ticket["ticket_id"])
    assert after is not None and after.status == "resolved" and after.version == 2
    assert after.follow_up is not None and after.follow_up.outcome == "recovered"
    assert [
        a for a in ports.aws.drain("alerts") if json.loads(a["Body"])["kind"] == "follow_up_unhappy"
    ] == []


def test_the_real_handler_sends_an_sms_acknowledgement_to_a_phone_only_customer(
    lambda_env: LocalAws, ports: Ports
) -> None:
    ticket = opened(ports, nps=1)
    notice = json.loads(one(ports.aws.drain("notices"))["Body"])
    notice["customer"] |= {"email": None, "preferred_channel": "sms", "locale": "en-US"}
    message = {"MessageId": "n-1", "ReceiptHandle": "r-1", "Body": json.dumps(notice)}
    assert invoke("notify_customer", as_sqs(message, queue="notices")) == {"batchItemFailures": []}
    from tests.integration.support import text_messages

    number, text = one(text_messages())
    assert number == "+593991234567"
    assert text.startswith(
        f"cxloop: we registered your case {ticket['ticket_id']}. We will contact you by Wednesday"
    )
