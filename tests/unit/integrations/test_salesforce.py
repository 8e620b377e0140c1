"""The Salesforce connector's domain side: a case as a Case upsert's body, cxloop's changes as
a Status and an internal CaseComment, and the Apex callout, verified with the shared secret
(hex HMAC-SHA256 of "{timestamp}.{body}", five minutes either way, the previous secret during
a rotation) before it is parsed, then applied through the ticket lifecycle."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from cxloop.domain.casework.sla import DEFAULT_SLA_SETTINGS
from cxloop.domain.integrations import salesforce
from cxloop.domain.integrations.callbacks import CallbackPorts, apply_ticket_change, read_callback
from cxloop.domain.integrations.cases import CaseUpdate, draft_for
from cxloop.domain.integrations.connectors import Connector, Connectors
from cxloop.domain.integrations.shared_secret_callouts import callout_signature, verify_callout
from cxloop.domain.kernel.errors import InvalidInput, Unauthorized
from tests.unit.integrations.test_callbacks import Queue, Tickets
from tests.unit.integrations.test_sync_cases import connected_ticket

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
STAMP = str(int(NOW.timestamp()))
SALESFORCE = Connector.model_validate(
    {
        "name": "salesforce",
        "vendor": "salesforce",
        "instance_url": "https://acme.my.salesforce.com",
        "secret": "cxloop/connectors/salesforce",
        "teams": ["quito-norte-claims"],
    }
)
CONNECTORS = Connectors(connectors=(SALESFORCE,))


def callout(**changes: Any) -> bytes:
    fields = {
        "Id": "500Dn00000AbCdEIAV",
        "CaseNumber": "00001027",
        "Cxloop_Ticket_Id__c": "CX-SAMPLE0001",
        "Status": "Closed",
        "IsClosed": True,
        "Comment": "Visita reprogramada",
        "OwnerEmail": "ana.agent@example.com",
    }
    return json.dumps(fields | changes).encode()


def headers_for(body: bytes, *, secret: str = "k1", stamp: str = STAMP) -> dict[str, str]:
    return {"X-Cxloop-Signature": callout_signature(secret, stamp, body), "X-Cxloop-Timestamp": stamp}


def read(body: bytes, headers: dict[str, str], secrets: tuple[str, ...] = ("k1",)) -> Any:
    return read_callback(SALESFORCE, body=body, headers=headers.get, secrets=secrets, now=NOW)


def test_the_signature_is_a_hex_hmac_of_timestamp_dot_body() -> None:
    # Computed independently of the module: what an Apex callout computes with Crypto.generateMac.
    expected = hmac.new(b"k1", b'1765101600.{"a":1}', hashlib.sha256).hexdigest()
    assert callout_signature("k1", "1765101600", b'{"a":1}') == f"sha256={expected}"


def test_a_closed_case_signed_with_the_previous_secret_reads_as_closed() -> None:
    body = callout()
    change = read(body, headers_for(body, secret="old"), secrets=("new", "old"))
    assert (change.ticket_id, change.external_id, change.status) == (
        "500Dn00000AbCdEIAV",
        "CX-SAMPLE0001",
        "closed",
    )
    assert (change.comment, change.assignee_email) == ("Visita reprogramada", "ana.agent@example.com")
    reopened = callout(Status="Working", IsClosed=False, Comment="")
    assert read(reopened, headers_for(reopened)).status == "open"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Cxloop-Timestamp": STAMP},
        headers_for(callout(), secret="someone-else"),
        headers_for(callout(), stamp=str(int((NOW - timedelta(minutes=6)).timestamp()))),
        headers_for(callout(), stamp=str(int((NOW + timedelta(minutes=6)).timestamp()))),
        headers_for(callout(), stamp="2026-12-07T10:00:00Z"),
        {"X-Cxloop-Signature": "deadbeef", "X-Cxloop-Timestamp": STAMP},
        headers_for(callout(Status="Working")),  # signed another body
    ],
    ids=["unsigned", "no-signature", "wrong-secret", "old", "future", "iso-stamp", "no-prefix", "other-body"],
)
def test_anything_else_is_unauthorized(headers: dict[str, str]) -> None:
    with pytest.raises(Unauthorized):
        read(callout(), headers)


def test_verification_comes_before_parsing() -> None:
    with pytest.raises(Unauthorized):
        verify_callout(signature=None, timestamp=None, body=b"not json", secrets=("k1",), now=NOW)
    with pytest.raises(InvalidInput) as refused:
        read(b"not json", headers_for(b"not json"))
    assert [p.field for p in refused.value.details] == ["body"]


def test_a_callout_missing_fields_is_refused_naming_them() -> None:
    body = json.dumps({"Id": "x", "Status": "Closed"}).encode()
    with pytest.raises(InvalidInput) as refused:
        read(body, headers_for(body))
    assert sorted(p.field for p in refused.value.details) == ["Cxloop_Ticket_Id__c", "Id", "IsClosed"]


def test_closed_in_salesforce_resolves_and_asks_the_customer_reopened_reopens() -> None:
    tickets, queue = Tickets(connected_ticket()), Queue()
    ports = CallbackPorts(tickets=tickets, follow_ups=queue)  # type: ignore[arg-type]

    def apply(body: bytes) -> str:
        change = read(body, headers_for(body))
        moved = apply_ticket_change(
            change,
            SALESFORCE,
            connectors=CONNECTORS,
            organisation=None,
            sla=DEFAULT_SLA_SETTINGS,
            now=NOW,
            ports=ports,
        )
        return moved.applied

    assert apply(callout(**{"Cxloop_Ticket_Id__c": tickets.ticket.ticket_id})) == "resolved"
    assert tickets.ticket.resolution is not None
    assert tickets.ticket.resolution.action_taken == "Visita reprogramada"
    assert tickets.ticket.history[-1].by == "salesforce:ana.agent@example.com"
    assert len(queue.sent) == 1
    again = callout(**{"Cxloop_Ticket_Id__c": tickets.ticket.ticket_id, "Comment": ""})
    assert apply(again) == "unchanged"
    working = callout(
        **{"Cxloop_Ticket_Id__c": tickets.ticket.ticket_id, "Status": "Working", "IsClosed": False}
    )
    assert apply(working) == "reopened"
    assert tickets.ticket.reopen_count == 1


def test_a_case_is_an_upsert_body_without_its_key_and_changes_are_status_and_comment() -> None:
    ticket = connected_ticket()
    draft = draft_for(ticket, SALESFORCE, public_base_url="https://cx.example.com")
    fields = salesforce.case_fields(draft)
    assert set(fields) == {"Subject", "Description", "Priority", "Origin", "Status"}
    assert (fields["Priority"], fields["Origin"], fields["Status"]) == ("High", "Web", "New")
    assert "Call script (es):" in fields["Description"]
    assert f"In cxloop: https://cx.example.com/v1/tickets/{ticket.ticket_id}" in fields["Description"]
    assert salesforce.case_path(value="CX-1") == (
        "/services/data/v60.0/sobjects/Case/Cxloop_Ticket_Id__c/CX-1"
    )
    assert salesforce.case_path("Id", "500A") == "/services/data/v60.0/sobjects/Case/500A"

    solved = CaseUpdate(status="solved", comment="done")
    assert salesforce.status_fields(solved) == {"Status": "Closed"}
    assert salesforce.comment_fields("500A", solved) == {
        "ParentId": "500A",
        "CommentBody": "done",
        "IsPublished": False,
    }
    assert salesforce.status_fields(CaseUpdate(comment="note")) is None
    assert salesforce.comment_fields("500A", CaseUpdate(status="open")) is None
    assert salesforce.status_fields(CaseUpdate(status="open")) == {"Status": "Working"}


def test_the_connector_may_name_its_own_external_id_field() -> None:
    connector = SALESFORCE.model_copy(update={"external_id_field": "Cx_Key__c"})
    body = json.dumps(
        {"Id": "500Dn00000AbCdEIAV", "Cx_Key__c": "CX-1", "Status": "Closed", "IsClosed": True}
    ).encode()
    change = read_callback(connector, body=body, headers=headers_for(body).get, secrets=("k1",), now=NOW)
    assert change.external_id == "CX-1"
    # The default field's name is not read for such a connector: the field it names is missing.
    other = callout()
    with pytest.raises(InvalidInput) as refused:
        read_callback(connector, body=other, headers=headers_for(other).get, secrets=("k1",), now=NOW)
    assert [p.field for p in refused.value.details] == ["Cx_Key__c"]


def test_only_a_salesforce_connector_names_an_external_id_field() -> None:
    zendesk = SALESFORCE.model_dump(mode="json") | {"vendor": "zendesk", "external_id_field": "Cx_Key__c"}
    with pytest.raises(ValidationError) as refused:
        Connector.model_validate(zendesk)
    assert [e["loc"] for e in refused.value.errors()] == [("external_id_field",)]
    with pytest.raises(ValidationError):
        Connector.model_validate(SALESFORCE.model_dump(mode="json") | {"external_id_field": "Id"})
