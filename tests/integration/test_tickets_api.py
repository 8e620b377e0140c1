"""tickets_api against moto: filters, sort orders and cursors, the `{"items": [...]}`
shape, JSON errors naming the query parameter, claims required, role scoping on every
endpoint, and working a ticket through POST /v1/tickets/{ticket_id}/actions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cxloop.domain.kernel.events import Touchpoint
from tests.conftest import LocalAws
from tests.helpers import sample_ticket
from tests.integration.support import (
    NOW,
    Ports,
    as_caller,
    body_of,
    header_of,
    invoke,
    resolve,
    tickets_request,
)

MADRID = Touchpoint(id="madrid-centro/counter", branch="madrid-centro", region="madrid", country="ES")


@pytest.fixture
def seeded(ports: Ports) -> Ports:
    """Three Quito cases an hour apart (newest last), owned by agent ec-qn-claims-1, and one
    in Madrid owned by es-mc-cs-1."""
    store = ports.tickets()
    for n in range(3):
        store.add(
            sample_ticket(
                ticket_id=f"CX-QUITO0000{n}",
                response_id=f"r-q{n}",
                opened_at=NOW + timedelta(hours=n),
                due_at=NOW + timedelta(hours=24 + 2 * n),
                owner="ec-qn-claims-1",
                country="EC",
                region="pichincha",
            )
        )
    store.add(
        sample_ticket(
            ticket_id="CX-MADRID0001",
            response_id="r-m1",
            touchpoint=MADRID,
            branch="madrid-centro",
            country="ES",
            region="madrid",
            owner="es-mc-cs-1",
            opened_at=NOW + timedelta(minutes=30),
            due_at=NOW + timedelta(hours=20),
        )
    )
    return ports


def call(ports: Ports, event: dict[str, Any]) -> dict[str, Any]:
    return resolve(ports.tickets_app(), event, "tickets_api")


def as_executive(event: dict[str, Any]) -> dict[str, Any]:
    return as_caller(event, "executive", "all", "ceo")


def ids(answer: dict[str, Any]) -> list[str]:
    assert answer["statusCode"] == 200, answer
    return [t["ticket_id"] for t in body_of(answer)["items"]]


def test_an_executive_lists_all_tickets_newest_first(seeded: Ports) -> None:
    answer = call(seeded, as_executive(tickets_request()))
    assert list(body_of(answer)) == ["items", "next_cursor"]
    assert ids(answer) == ["CX-QUITO00002", "CX-QUITO00001", "CX-MADRID0001", "CX-QUITO00000"]
    assert body_of(answer)["next_cursor"] is None
    assert header_of(answer, "Content-Type") == "application/json"
    assert "history" not in body_of(answer)["items"][0]  # lists stay light; GET one has it


def test_filters_by_branch(seeded: Ports) -> None:
    assert ids(call(seeded, as_executive(tickets_request(branch="madrid-centro")))) == ["CX-MADRID0001"]
    assert ids(call(seeded, as_executive(tickets_request(branch="quito-norte")))) == [
        "CX-QUITO00002",
        "CX-QUITO00001",
        "CX-QUITO00000",
    ]
    assert ids(call(seeded, as_executive(tickets_request(branch="guayaquil")))) == []


def test_filters_by_status_alone_and_with_branch(seeded: Ports) -> None:
    assert len(ids(call(seeded, as_executive(tickets_request(status="new"))))) == 4
    assert ids(call(seeded, as_executive(tickets_request(status="resolved")))) == []
    madrid_new = as_executive(tickets_request(status="new", branch="madrid-centro"))
    assert ids(call(seeded, madrid_new)) == ["CX-MADRID0001"]
    assert ids(call(seeded, as_executive(tickets_request(status="closed", branch="madrid-centro")))) == []


def test_filters_by_type_priority_owner_and_overdue(seeded: Ports) -> None:
    assert ids(call(seeded, as_executive(tickets_request(owner="es-mc-cs-1")))) == ["CX-MADRID0001"]
    assert len(ids(call(seeded, as_executive(tickets_request(type="complaint", priority="high"))))) == 4
    assert ids(call(seeded, as_executive(tickets_request(type="claim")))) == []
    # Due at NOW+24/26/28 h in Quito and NOW+20 h in Madrid; the API's clock is NOW: none late yet.
    assert ids(call(seeded, as_executive(tickets_request(overdue="true")))) == []
    later = resolve(
        seeded.tickets_app(clock=lambda: NOW + timedelta(hours=25)),
        as_executive(tickets_request(overdue="true")),
        "tickets_api",
    )
    assert ids(later) == ["CX-MADRID0001", "CX-QUITO00000"]


def test_limit_and_cursor_walk_every_ticket_once(seeded: Ports) -> None:
    first = call(seeded, as_executive(tickets_request(limit="2")))
    assert ids(first) == ["CX-QUITO00002", "CX-QUITO00001"]
    cursor = body_of(first)["next_cursor"]
    second = call(seeded, as_executive(tickets_request(limit="2", cursor=cursor)))
    assert ids(second) == ["CX-MADRID0001", "CX-QUITO00000"] and body_of(second)["next_cursor"] is None
    oldest_first = call(seeded, as_executive(tickets_request(sort="opened_at", limit="1")))
    assert ids(oldest_first) == ["CX-QUITO00000"]
    assert ids(call(seeded, as_executive(tickets_request(branch="quito-norte", limit="1")))) == [
        "CX-QUITO00002"
    ]


def test_one_ticket_by_id(seeded: Ports) -> None:
    answer = call(seeded, as_executive(tickets_request(ticket_id="CX-MADRID0001")))
    assert answer["statusCode"] == 200
    ticket = body_of(answer)
    assert (ticket["ticket_id"], ticket["branch"], ticket["status"]) == (
        "CX-MADRID0001",
        "madrid-centro",
        "new",
    )
    assert ticket["customer"]["email"] == "ana@example.com"  # staff see who to call
    assert ticket["call_script"]["language"] == "es" and ticket["call_script"]["lines"][0].startswith(
        "Buenos días, Ana."
    )


def test_an_unknown_ticket_is_a_json_404(seeded: Ports) -> None:
    answer = call(seeded, tickets_request(ticket_id="CX-NOSUCHCASE"))
    assert answer["statusCode"] == 404
    assert body_of(answer)["error"]["code"] == "not_found"
    assert header_of(answer, "Content-Type") == "application/json"


@pytest.mark.parametrize(
    "authorizer",
    [None, {}, {"claims": None}, {"claims": {}}, {"claims": {"email": "x@example.com"}}],
    ids=["no-authorizer", "empty", "claims-null", "claims-empty", "no-sub"],
)
def test_a_request_without_claims_is_401(seeded: Ports, authorizer: dict[str, Any] | None) -> None:
    for event in (tickets_request(), tickets_request(ticket_id="CX-MADRID0001")):
        event["requestContext"]["authorizer"] = authorizer
        answer = call(seeded, event)
        assert answer["statusCode"] == 401
        assert body_of(answer)["error"]["code"] == "unauthorized"
        assert "items" not in body_of(answer) and "customer" not in body_of(answer)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "-5"}, "limit"),
        ({"status": "lost"}, "status"),
        ({"status": "NEW"}, "status"),
        ({"branch": "b" * 129}, "branch"),
        ({"type": "queja"}, "type"),
        ({"priority": "asap"}, "priority"),
        ({"overdue": "maybe"}, "overdue"),
        ({"sort": "owner"}, "sort"),
        ({"cursor": "c" * 513}, "cursor"),
        ({"cursor": "not-a-cursor!"}, "cursor"),
    ],
)
def test_a_bad_query_is_400_naming_the_parameter(seeded: Ports, query: dict[str, str], field: str) -> None:
    answer = call(seeded, tickets_request(**query))
    assert answer["statusCode"] == 400
    error = body_of(answer)["error"]
    assert error["code"] == "validation_error"
    assert [d["field"] for d in error["details"]] == [field]


def test_handler_lists_with_the_sample_request(lambda_env: LocalAws, seeded: Ports) -> None:
    # The sample asks for branch=quito-norte and status=new.
    answer = invoke("tickets_api", tickets_request(branch="quito-norte", status="new"))
    assert ids(answer) == ["CX-QUITO00002", "CX-QUITO00001", "CX-QUITO00000"]
    one = invoke("tickets_api", tickets_request(ticket_id="CX-QUITO00001"))
    assert body_of(one)["ticket_id"] == "CX-QUITO00001"
    missing = invoke("tickets_api", tickets_request(ticket_id="CX-NOSUCHCASE"))
    assert missing["statusCode"] == 404 and body_of(missing)["error"]["code"] == "not_found"
    bad = invoke("tickets_api", tickets_request(limit="0"))
    assert bad["statusCode"] == 400 and body_of(bad)["error"]["details"][0]["field"] == "limit"
    anonymous = tickets_request()
    anonymous["requestContext"].pop("authorizer")
    assert invoke("tickets_api", anonymous)["statusCode"] == 401
