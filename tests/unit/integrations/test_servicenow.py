"""ServiceNow's side of a connector: the incident cxloop creates (keyed on correlation_id, its
priority as impact x urgency), the changes it pushes (work notes, states 6 and 2, a resolution
code and notes), and the business rule's callback: verified with the shared key over
"{timestamp}.{body}" within five minutes (the previous key too, while a rotation settles),
parsed into the change callbacks apply, and applied to tickets routed to ServiceNow only."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from cxloop.domain.casework.sla import DEFAULT_SLA_SETTINGS
from cxloop.domain.integrations.callbacks import CallbackPorts, apply_ticket_change, read_callback
from cxloop.domain.integrations.cases import CaseUpdate, draft_for
from cxloop.domain.integrations.connectors import Connector, Connectors
from cxloop.domain.integrations.servicenow import incident_fields, parse_event, update_fields
from cxloop.domain.integrations.shared_secret_callouts import verify_callout
from cxloop.domain.kernel.errors import InvalidInput, Unauthorized
from tests.unit.integrations.test_callbacks import Queue, Tickets
from tests.unit.integrations.test_sync_cases import connected_ticket

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
STAMP = str(int(NOW.timestamp()))
SERVICENOW = Connector.model_validate(
    {
        "name": "servicenow",
        "vendor": "servicenow",
        "instance_url": "https://acme.service-now.com",
        "secret": "cxloop/connectors/servicenow",
        "teams": ["quito-norte-claims"],
    }
)
ZENDESK = Connector.model_validate(
    {
        "name": "zendesk",
        "vendor": "zendesk",
        "instance_url": "https://acme.zendesk.com",
        "secret": "cxloop/connectors/zendesk",
        "teams": ["quito-sur-claims"],
    }
)
CONNECTORS = Connectors(connectors=(SERVICENOW, ZENDESK))
BODY = json.dumps(
    {"sys_id": "a" * 32, "number": "INC0010001", "correlation_id": "CX-SAMPLE0001", "state": "6"}
).encode()


def signs(secret: str, stamp: str = STAMP, body: bytes = BODY) -> str:
    # Written out, not through the module under test: "sha256=" + hex HMAC of "{stamp}.{body}".
    return "sha256=" + hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()


def test_the_incident_is_keyed_on_the_ticket_with_its_priority_as_impact_and_urgency() -> None:
    ticket = connected_ticket(priority="urgent")
    fields = incident_fields(draft_for(ticket, SERVICENOW, public_base_url="https://cx.example.com"))
    assert (fields["correlation_id"], fields["correlation_display"]) == (ticket.ticket_id, "cxloop")
    assert (fields["impact"], fields["urgency"], fields["state"]) == ("1", "1", "1")
    assert len(fields["short_description"]) <= 160
    assert fields["short_description"].startswith(f"[{ticket.ticket_id}] claim at")
    assert "Call script (es):" in fields["description"]
    assert f"In cxloop: https://cx.example.com/v1/tickets/{ticket.ticket_id}" in fields["description"]
    assert ticket.due_at is not None
    assert fields["due_date"] == ticket.due_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize(
    ("priority", "impact_urgency"),
    [("low", ("2", "3")), ("medium", ("2", "2")), ("high", ("1", "2")), ("urgent", ("1", "1"))],
)
def test_each_priority_is_the_pair_servicenows_lookup_turns_into_it(
    priority: str, impact_urgency: tuple[str, str]
) -> None:
    draft = draft_for(connected_ticket(priority=priority), SERVICENOW, public_base_url="https://cx.example")
    fields = incident_fields(draft)
    assert (fields["impact"], fields["urgency"]) == impact_urgency


def test_changes_are_work_notes_and_resolving_carries_a_resolution_code_and_notes() -> None:
    assert update_fields(CaseUpdate(comment="Cliente contactado")) == {"work_notes": "Cliente contactado"}
    assert update_fields(CaseUpdate(status="solved", comment="visit rebooked")) == {
        "work_notes": "visit rebooked",
        "state": "6",
        "close_code": "Solution provided",
        "close_notes": "visit rebooked",
    }
    assert update_fields(CaseUpdate(status="open", comment="reopened")) == {
        "work_notes": "reopened",
        "state": "2",
    }


def test_a_callback_signed_with_the_current_or_previous_key_within_five_minutes_passes() -> None:
    for secret in ("old", "new"):
        verify_callout(signature=signs(secret), timestamp=STAMP, body=BODY, secrets=("new", "old"), now=NOW)
    earlier = str(int((NOW - timedelta(minutes=4)).timestamp()))
    verify_callout(signature=signs("new", earlier), timestamp=earlier, body=BODY, secrets=("new",), now=NOW)


STALE = str(int((NOW - timedelta(minutes=6)).timestamp()))
FUTURE = str(int((NOW + timedelta(minutes=6)).timestamp()))


@pytest.mark.parametrize(
    ("signature", "stamp", "body"),
    [
        (None, STAMP, BODY),
        (signs("new"), None, BODY),
        (signs("someone-else"), STAMP, BODY),
        (signs("new", STALE), STALE, BODY),
        (signs("new", FUTURE), FUTURE, BODY),
        # A fresh timestamp on a captured request: the old signature does not cover it.
        (signs("new", STALE), STAMP, BODY),
        (signs("new"), STAMP, BODY.replace(b'"6"', b'"2"')),
        (signs("new").removeprefix("sha256="), STAMP, BODY),
        (signs("new", "2026-12-07T10:00:00Z"), "2026-12-07T10:00:00Z", BODY),
        (signs("new", "²"), "²", BODY),
    ],
)
def test_anything_else_is_unauthorized(signature: str | None, stamp: str | None, body: bytes) -> None:
    with pytest.raises(Unauthorized):
        verify_callout(signature=signature, timestamp=stamp, body=body, secrets=("new",), now=NOW)


@pytest.mark.parametrize(
    ("state", "status"),
    [("1", "new"), (2, "open"), ("3", "hold"), ("6", "solved"), (7, "closed"), ("8", "closed")],
)
def test_states_read_as_strings_or_numbers_mean_what_callbacks_apply(state: object, status: str) -> None:
    change = parse_event(
        {"sys_id": "a" * 32, "number": "INC0010001", "correlation_id": "CX-1", "state": state}
    )
    assert (change.status, change.ticket_id, change.external_id) == (status, "INC0010001", "CX-1")


def test_the_text_is_the_resolution_notes_when_resolving_else_the_comment_or_work_note() -> None:
    base = {"sys_id": "a" * 32, "correlation_id": "CX-1", "comments": "llamé", "work_notes": "nota"}
    assert (
        parse_event(base | {"state": "6", "close_notes": "visita reprogramada"}).comment
        == "visita reprogramada"
    )
    assert parse_event(base | {"state": "2", "close_notes": "old notes"}).comment == "llamé"
    assert parse_event(base | {"state": "2", "comments": ""}).comment == "nota"
    # Without a number the sys_id names the incident.
    assert parse_event(base | {"state": "2"}).ticket_id == "a" * 32


def test_a_body_cxloop_does_not_understand_is_refused_naming_the_fields() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_event({"sys_id": "a" * 32, "state": "5"})
    assert sorted(p.field for p in refused.value.details) == ["correlation_id", "state"]


def read(body: bytes, headers: dict[str, str], connector: Connector = SERVICENOW) -> object:
    return read_callback(connector, body=body, headers=headers.get, secrets=("new",), now=NOW)


def test_read_callback_verifies_servicenows_headers_before_parsing() -> None:
    signed = {"X-Cxloop-Signature": signs("new"), "X-Cxloop-Timestamp": STAMP}
    change = read(BODY, signed)
    assert change.status == "solved"  # type: ignore[attr-defined]
    with pytest.raises(Unauthorized):
        read(b"not json", {"X-Cxloop-Timestamp": STAMP})
    # Zendesk's headers do not sign a ServiceNow connector's callback.
    with pytest.raises(Unauthorized):
        read(BODY, {"X-Zendesk-Webhook-Signature": "x", "X-Zendesk-Webhook-Signature-Timestamp": "y"})
    not_json = b"not json"
    with pytest.raises(InvalidInput):
        read(not_json, {"X-Cxloop-Signature": signs("new", body=not_json), "X-Cxloop-Timestamp": STAMP})


def test_resolved_in_servicenow_resolves_a_ticket_routed_there_and_asks_the_customer() -> None:
    tickets, queue = Tickets(connected_ticket()), Queue()
    ports = CallbackPorts(tickets=tickets, follow_ups=queue)  # type: ignore[arg-type]
    change = parse_event(
        json.loads(BODY) | {"close_notes": "visita reprogramada", "assigned_to": "beth@example.com"}
    )

    def apply(connector: Connector) -> str:
        return apply_ticket_change(
            change,
            connector,
            connectors=CONNECTORS,
            organisation=None,
            sla=DEFAULT_SLA_SETTINGS,
            now=NOW,
            ports=ports,
        ).applied

    assert apply(ZENDESK) == "not_ours"  # the ticket's team works in ServiceNow
    assert apply(SERVICENOW) == "resolved"
    assert tickets.ticket.resolution is not None
    assert tickets.ticket.resolution.action_taken == "visita reprogramada"
    assert tickets.ticket.history[-1].by == "servicenow:beth@example.com"
    assert len(queue.sent) == 1
    assert apply(SERVICENOW) == "unchanged"
