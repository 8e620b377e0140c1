"""Working tickets through the staff API against moto: the role x endpoint matrix,
every action over HTTP-shaped events, 409 on illegal transitions and on concurrent
changes, 400 naming the missing field, and the audit history kept on the ticket."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from cxloop.domain.kernel.errors import Conflict
from cxloop.domain.kernel.events import Touchpoint
from tests.helpers import sample_ticket
from tests.integration.support import NOW, Ports, action_request, as_caller, body_of, resolve, tickets_request

QUITO = "CX-QUITO00001"
MADRID = "CX-MADRID0001"
MADRID_PLACE = Touchpoint(id="madrid-centro/counter", branch="madrid-centro", region="madrid", country="ES")

# (role, scope, user) -> can they see the Quito ticket, the Madrid ticket
CALLERS: dict[str, tuple[tuple[str, str, str], bool, bool]] = {
    "owning agent": (("agent", "team:quito-norte-claims", "ec-qn-claims-1"), True, False),
    "other agent": (("agent", "team:quito-norte-claims", "ec-qn-claims-2"), False, False),
    "teleoperator": (("teleoperator", "team:madrid-centro-contact_center", "es-mc-cc-1"), False, False),
    "quito manager": (("branch_manager", "branch:quito-norte", "ec-qn-manager"), True, False),
    "madrid manager": (("branch_manager", "branch:madrid-centro", "es-mc-manager"), False, True),
    "ecuador manager": (("country_manager", "country:EC", "ec-cm"), True, False),
    "spain manager": (("country_manager", "country:ES", "es-cm"), False, True),
    "executive": (("executive", "all", "ceo"), True, True),
}


@pytest.fixture
def desk(ports: Ports) -> Ports:
    store = ports.tickets()
    store.add(
        sample_ticket(
            ticket_id=QUITO, owner="ec-qn-claims-1", country="EC", region="pichincha", status="assigned"
        )
    )
    store.add(
        sample_ticket(
            ticket_id=MADRID,
            response_id="r-m",
            touchpoint=MADRID_PLACE,
            branch="madrid-centro",
            country="ES",
            region="madrid",
            owner="es-mc-cs-1",
            status="assigned",
        )
    )
    return ports


def call(ports: Ports, event: dict[str, Any], *, minutes: int = 0) -> dict[str, Any]:
    app = ports.tickets_app(clock=lambda: NOW + timedelta(minutes=minutes))
    return resolve(app, event, "tickets_api")


def acting(caller: str, ticket_id: str, action: dict[str, Any] | str) -> dict[str, Any]:
    return as_caller(action_request(ticket_id, action), *CALLERS[caller][0])


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("endpoint", ["list", "get", "act"])
def test_role_scope_matrix(desk: Ports, caller: str, endpoint: str) -> None:
    identity, sees_quito, sees_madrid = CALLERS[caller]
    visible = {QUITO: sees_quito, MADRID: sees_madrid}
    if endpoint == "list":
        answer = call(desk, as_caller(tickets_request(), *identity))
        assert answer["statusCode"] == 200
        listed = {t["ticket_id"] for t in body_of(answer)["items"]}
        assert listed == {ticket for ticket, seen in visible.items() if seen}
        return
    for ticket_id, seen in visible.items():
        if endpoint == "get":
            answer = call(desk, as_caller(tickets_request(ticket_id=ticket_id), *identity))
        else:
            answer = call(desk, acting(caller, ticket_id, {"action": "comment", "text": "seen"}))
        # Outside one's scope a ticket does not exist: 404, the same as an unknown id.
        assert answer["statusCode"] == (200 if seen else 404), (caller, ticket_id, answer)
        if not seen:
            assert body_of(answer)["error"]["code"] == "not_found"
            assert "customer" not in body_of(answer)


def test_a_list_cannot_be_widened_by_filters(desk: Ports) -> None:
    quito_manager = CALLERS["quito manager"][0]
    answer = call(desk, as_caller(tickets_request(branch="madrid-centro"), *quito_manager))
    assert body_of(answer)["items"] == []
    answer = call(desk, as_caller(tickets_request(owner="es-mc-cs-1"), *quito_manager))
    assert body_of(answer)["items"] == []


def test_an_agent_works_a_ticket_from_call_to_closure_with_its_history(desk: Ports) -> None:
    steps = [
        ({"action": "log_call", "outcome": "no_answer"}, "assigned"),
        ({"action": "log_call", "outcome": "reached", "note": "Will send photos"}, "in_progress"),
        ({"action": "log_call", "outcome": "awaiting_customer"}, "waiting_customer"),
        (
            {"action": "resolve", "root_cause": "adjuster overbooked", "action_taken": "visit rebooked"},
            "resolved",
        ),
        ({"action": "close"}, "closed"),
    ]
    for minute, (action, status) in enumerate(steps, start=1):
        answer = call(desk, acting("owning agent", QUITO, action), minutes=minute * 10)
        assert answer["statusCode"] == 200, answer
        assert body_of(answer)["status"] == status
    ticket = body_of(call(desk, as_caller(tickets_request(ticket_id=QUITO), *CALLERS["executive"][0])))
    assert [entry["action"] for entry in ticket["history"]] == [
        "log_call",
        "log_call",
        "log_call",
        "resolve",
        "close",
    ]
    assert all(entry["by"] == "ec-qn-claims-1" and entry["role"] == "agent" for entry in ticket["history"])
    assert ticket["history"][1]["changes"]["status"] == ["assigned", "in_progress"]
    assert [a["outcome"] for a in ticket["attempts"]] == ["no_answer", "reached", "awaiting_customer"]
    assert ticket["first_contact_at"] == "2026-11-23T09:40:00Z"
    # The pause while waiting on the customer ended when the case was resolved.
    assert ticket["pauses"] == [{"start": "2026-11-23T10:00:00Z", "end": "2026-11-23T10:10:00Z"}]
    assert ticket["resolution"]["root_cause"] == "adjuster overbooked"
    assert ticket["version"] == 5


def test_an_illegal_transition_is_409_and_changes_nothing(desk: Ports) -> None:
    answer = call(desk, acting("owning agent", QUITO, {"action": "close"}))
    assert answer["statusCode"] == 409
    error = body_of(answer)["error"]
    assert error["code"] == "invalid_transition" and "resolved" in error["details"][0]["problem"]
    stored = desk.tickets().get(QUITO)
    assert stored is not None and (stored.status, stored.version, stored.history) == ("assigned", 0, ())


@pytest.mark.parametrize(
    ("action", "field"),
    [
        ({"action": "resolve", "action_taken": "called"}, "root_cause"),
        ({"action": "resolve", "root_cause": "late"}, "action_taken"),
        ({"action": "schedule_callback"}, "at"),
        ({"action": "log_call", "outcome": "maybe"}, "outcome"),
        ({"action": "reopen"}, "reason"),
        ({"action": "fly"}, "action"),
        ({}, "action"),
    ],
)
def test_a_bad_action_is_400_naming_the_field(desk: Ports, action: dict[str, Any], field: str) -> None:
    answer = call(desk, acting("quito manager", QUITO, action))
    assert answer["statusCode"] == 400, answer
    details = body_of(answer)["error"]["details"]
    assert any(field in d["field"] for d in details), details


@pytest.mark.parametrize("body", ["{not json", "[]", '"resolve"'])
def test_a_malformed_body_is_400_not_500(desk: Ports, body: str) -> None:
    answer = call(desk, acting("quito manager", QUITO, body))
    assert answer["statusCode"] == 400
    assert body_of(answer)["error"]["code"] == "validation_error"


def test_agents_may_not_assign_managers_may(desk: Ports) -> None:
    refused = call(desk, acting("owning agent", QUITO, {"action": "assign", "to": "ec-qn-claims-2"}))
    assert refused["statusCode"] == 403
    assert body_of(refused)["error"]["code"] == "forbidden"
    moved = call(desk, acting("quito manager", QUITO, {"action": "assign", "to": "ec-qn-claims-2"}))
    assert body_of(moved)["owner"] == "ec-qn-claims-2"
    # The former owner no longer sees it; the new one does.
    assert (
        call(desk, as_caller(tickets_request(ticket_id=QUITO), *CALLERS["owning agent"][0]))["statusCode"]
        == 404
    )
    assert (
        call(desk, as_caller(tickets_request(ticket_id=QUITO), *CALLERS["other agent"][0]))["statusCode"]
        == 200
    )


def test_two_changes_from_the_same_read_cannot_both_land(desk: Ports) -> None:
    store = desk.tickets()
    read = store.get(QUITO)
    assert read is not None
    store.save(read.model_copy(update={"status": "in_progress"}), expected_version=read.version)
    with pytest.raises(Conflict):
        store.save(read.model_copy(update={"status": "resolved"}), expected_version=read.version)
    stored = store.get(QUITO)
    assert stored is not None and (stored.status, stored.version) == ("in_progress", 1)


def test_a_scheduled_callback_moves_the_due_time(desk: Ports) -> None:
    before = desk.tickets().get(QUITO)
    action = {"action": "schedule_callback", "at": "2026-11-27T15:00:00-05:00"}
    answer = call(desk, acting("owning agent", QUITO, action))
    ticket = body_of(answer)
    assert ticket["status"] == "waiting_customer" and ticket["callback_at"] == "2026-11-27T20:00:00Z"
    assert before is not None and before.due_at is not None
    assert ticket["due_at"] > before.due_at.isoformat().replace("+00:00", "Z")
    assert json.dumps(ticket["pauses"]) == json.dumps(
        [{"start": "2026-11-23T09:30:00Z", "end": "2026-11-27T20:00:00Z"}]
    )
