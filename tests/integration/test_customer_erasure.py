"""DELETE /v1/customers/{customer_id} against moto through the real handlers: a whole loop
for Ana (event, survey, answer with a comment, ticket, acknowledgement, resolution, follow-up,
opt-out), then her erasure. No table keeps her name, email, phone or words; the aggregates,
the ticket counts and the ticket itself stay; a second DELETE answers zeros."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cxloop.adapters.erasures import DynamoErasureLog
from cxloop.datafile import load_document_file
from cxloop.domain.kernel.events import Customer, Interaction, parse_event
from cxloop.domain.surveys.models import SurveyResponse
from infra.pipeline import PIPELINE
from tests.conftest import LocalAws
from tests.helpers import load_event
from tests.integration.support import (
    NOW,
    Ports,
    action_request,
    as_caller,
    as_sqs,
    body_of,
    claim,
    emails,
    invoke,
    json_answers,
    one,
    opt_out_request,
    opt_out_token_in,
    scan,
    signed_post,
    survey_request,
    tickets_request,
    token_in,
)

# Not about the contact policy: the company published a permissive one (no quiet hours, no
# gap), so surveys go out at once whatever the hour (tests/integration/conftest.py).
pytestmark = pytest.mark.usefixtures("permissive_contact_policy")

ORG_FILE = Path(__file__).resolve().parents[2] / "infra" / "local" / "data" / "organisation.yaml"
COMMENT = "El perito Jorge Salinas nunca vino a mi casa"
FOLLOW_UP_COMMENT = "Sigo esperando la visita del perito"
PERSONAL = ("Ana Pérez", "Ana P\\u00e9rez", "ana@example.com", "+593991234567", "593991234567")
WORDS = (COMMENT, FOLLOW_UP_COMMENT, "Jorge Salinas")
MANAGER = ("branch_manager", "branch:quito-norte", "ec-qn-manager")
SCOPES = ("branch:quito-norte", "country:EC", "all")


def erase_request(customer_id: str, role: str = "executive") -> dict[str, Any]:
    event = load_event("apigw/ticket_get")
    route, path = "/v1/customers/{customer_id}", f"/v1/customers/{customer_id}"
    event |= {"httpMethod": "DELETE", "path": path, "resource": route, "body": None}
    event["pathParameters"] = {"customer_id": customer_id}
    event["requestContext"] |= {"httpMethod": "DELETE", "path": f"/prod{path}", "resourcePath": route}
    return as_caller(event, role, "all" if role == "executive" else "branch:quito-norte", f"{role}-1")


def consumed(function: str, queue: str, aws: LocalAws) -> None:
    for message in aws.drain(queue):
        assert invoke(function, as_sqs(message, queue=queue)) == {"batchItemFailures": []}


def answered_survey(aws: LocalAws, token: str, **answers: object) -> None:
    posted = invoke("survey_page", survey_request(token, "apigw/survey_post_json", json_answers(**answers)))
    assert posted["statusCode"] == 201, posted
    consumed("score_response", "responses", aws)
    consumed("open_ticket", "tickets", aws)


def whole_loop(ports: Ports) -> str:
    """Ana's claim through every step; answers her ticket's id."""
    aws = ports.aws
    ports.config().publish(
        "organisation",
        load_document_file("organisation", ORG_FILE),
        expected_version=0,
        by="t",
        at=NOW,
        note=None,
    )
    assert invoke("capture_event", signed_post(claim(event_id="claim-1")))["statusCode"] == 202
    consumed("send_survey", "dispatch", aws)
    answered_survey(aws, token_in(one(emails()).body), nps=2, comment=COMMENT, callback=True)
    ticket = one(ports.tickets().find(partition=None))
    consumed("notify_customer", "notices", aws)
    aws.drain("alerts")
    resolution = {"action": "resolve", "root_cause": "adjuster late", "action_taken": "visit booked"}
    answer = invoke("tickets_api", as_caller(action_request(ticket.ticket_id, resolution), *MANAGER))
    assert answer["statusCode"] == 200, answer
    consumed("send_survey", "dispatch", aws)
    follow_up = emails()[-1]
    answered_survey(aws, token_in(follow_up.body), solved=False, csat=1, comment=FOLLOW_UP_COMMENT)
    aws.drain("alerts")
    opted_out = invoke("unsubscribe_page", opt_out_request(opt_out_token_in(follow_up.body), "POST", body=""))
    assert opted_out["statusCode"] == 200
    return ticket.ticket_id


def every_item(aws: LocalAws) -> dict[str, str]:
    """Each table's raw items, as text to grep."""
    return {table.name: json.dumps(scan(aws, table.name), ensure_ascii=False) for table in PIPELINE.tables}


def test_erasure_leaves_no_personal_data_anywhere_and_keeps_the_scores(lambda_env: LocalAws) -> None:
    ports = Ports(lambda_env)
    ticket_id = whole_loop(ports)
    before = every_item(lambda_env)
    # The loop did store Ana's data (else the scan below would prove nothing).
    assert all(
        any(text in items for items in before.values()) for text in ("Ana", "ana@example.com", COMMENT)
    )
    aggregates = {scope: ports.aggregates().read(scope) for scope in SCOPES}
    assert aggregates["branch:quito-norte"].responses == 1
    tickets = len(scan(lambda_env, "tickets"))

    answer = invoke("customers_api", erase_request("C-1042"))

    assert answer["statusCode"] == 202, answer
    # The claim (the case's follow-up is raised by tickets_api straight to dispatch, never
    # stored as an interaction), both surveys and answers, the ticket, and one opt-out link
    # per message: survey, acknowledgement, follow-up. The contact record kept nothing to scrub.
    assert body_of(answer) == {
        "customer_id": "C-1042",
        "erased": {
            "interactions": 1,
            "invitations": 2,
            "responses": 2,
            "tickets": 1,
            "contacts": 0,
            "optouts": 3,
        },
    }
    after = every_item(lambda_env)
    for table, items in after.items():
        for text in (*PERSONAL, *WORDS):
            assert text not in items, (table, text)
    assert scan(lambda_env, "optouts") == []
    assert {scope: ports.aggregates().read(scope) for scope in SCOPES} == aggregates
    assert len(scan(lambda_env, "tickets")) == tickets

    # The ticket still opens, with its scores and history, without the customer.
    shown = invoke("tickets_api", as_caller(tickets_request(ticket_id=ticket_id), *MANAGER))
    assert shown["statusCode"] == 200, shown
    ticket = body_of(shown)
    assert ticket["customer"]["id"].startswith("erased-") and ticket["comment"] is None
    assert (ticket["score"]["nps"], ticket["status"]) == (2, "assigned")
    assert [h["action"] for h in ticket["history"]][-2:] == ["reopen", "follow_up"]
    # The stored documents still read as the models, the answers' numbers kept.
    response = SurveyResponse.model_validate_json(json.loads(after["responses"])[0]["doc"]["S"])
    assert response.customer.erased and "comment" not in response.answers
    interaction = Interaction.model_validate_json(json.loads(after["interactions"])[0]["doc"]["S"])
    assert interaction.event.customer == Customer(
        id=ticket["customer"]["id"], locale="es-EC", timezone="America/Guayaquil", erased=True
    )
    # The contact record keeps the opt-out; beside it, her case mark (only the pseudonymous id
    # and a date: cxloop.adapters.case_marks).
    items = {item["customer_key"]["S"]: item for item in scan(lambda_env, "contacts")}
    assert set(items) == {"C-1042", "cases#C-1042"}
    assert json.loads(items["C-1042"]["doc"]["S"])["memory"]["opted_out"] is True
    assert set(items["cases#C-1042"]) == {"customer_key", "last_opened_at"}

    again = invoke("customers_api", erase_request("C-1042"))
    assert again["statusCode"] == 202
    assert set(body_of(again)["erased"].values()) == {0}
    assert every_item(lambda_env) == after | {"erasures": every_item(lambda_env)["erasures"]}

    audits = DynamoErasureLog(lambda_env.table("erasures"), lambda_env.clients["dynamodb"]).of_customer(
        "C-1042"
    )
    assert [a.by for a in audits] == ["executive-1", "executive-1"]
    assert audits[0].erased == body_of(answer)["erased"]
    assert "erased-" not in every_item(lambda_env)["erasures"]


def test_only_executives_erase(lambda_env: LocalAws) -> None:
    Ports(lambda_env).interactions().add(
        Interaction(
            interaction_id="i-1",
            correlation_id="c-1",
            received_at=NOW - timedelta(hours=1),
            event=parse_event(claim(event_id="claim-9")),
        )
    )
    for role in ("agent", "teleoperator", "branch_manager", "country_manager"):
        refused = invoke("customers_api", erase_request("C-1042", role))
        assert refused["statusCode"] == 403, (role, refused)
    assert "ana@example.com" in json.dumps(scan(lambda_env, "interactions"))
    assert scan(lambda_env, "erasures") == []


def test_the_backfill_makes_items_stored_before_the_index_findable(ports: Ports) -> None:
    interaction = Interaction(
        interaction_id="old-1",
        correlation_id="c-1",
        received_at=NOW,
        event=parse_event(claim(event_id="old")),
    )
    ports.db.put_item(
        TableName=ports.aws.table("interactions"),
        Item={"interaction_id": {"S": "old-1"}, "doc": {"S": interaction.model_dump_json()}},
    )
    store = ports.interactions()
    assert store.erase_customer("C-1042", "erased-x", lambda i, alias: i) == 0
    assert store.backfill_customer_keys() == 1
    assert store.backfill_customer_keys() == 0
    assert store.erase_customer("C-1042", "erased-x", lambda i, alias: i) == 1
    assert one(scan(ports.aws, "interactions"))["customer_key"] == {"S": "erased-x"}
