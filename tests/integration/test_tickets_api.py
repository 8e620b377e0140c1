"""tickets_api (GET /v1/tickets, GET /v1/tickets/{ticket_id}) against moto: filters,
the `{"items": [...]}` shape, JSON errors naming the query parameter, claims required."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cxloop.domain.events import Touchpoint
from tests.conftest import LocalAws
from tests.helpers import sample_ticket
from tests.integration.support import NOW, Ports, body_of, header_of, invoke, resolve, tickets_request

MADRID = Touchpoint(id="madrid-centro/counter", branch="madrid-centro", region="madrid", country="ES")


@pytest.fixture
def seeded(ports: Ports) -> Ports:
    """Three Quito cases an hour apart (newest last) and one in Madrid."""
    store = ports.tickets()
    for n in range(3):
        store.add(
            sample_ticket(
                ticket_id=f"CX-QUITO0000{n}", response_id=f"r-q{n}", opened_at=NOW + timedelta(hours=n)
            )
        )
    store.add(
        sample_ticket(
            ticket_id="CX-MADRID0001",
            response_id="r-m1",
            touchpoint=MADRID,
            branch="madrid-centro",
            opened_at=NOW + timedelta(minutes=30),
        )
    )
    return ports


def call(ports: Ports, event: dict[str, Any]) -> dict[str, Any]:
    return resolve(ports.tickets_app(), event, "tickets_api")


def ids(answer: dict[str, Any]) -> list[str]:
    assert answer["statusCode"] == 200, answer
    return [t["ticket_id"] for t in body_of(answer)["items"]]


def test_lists_all_tickets_newest_first(seeded: Ports) -> None:
    answer = call(seeded, tickets_request())
    assert list(body_of(answer)) == ["items"]
    assert ids(answer) == ["CX-QUITO00002", "CX-QUITO00001", "CX-MADRID0001", "CX-QUITO00000"]
    assert header_of(answer, "Content-Type") == "application/json"


def test_filters_by_branch(seeded: Ports) -> None:
    assert ids(call(seeded, tickets_request(branch="madrid-centro"))) == ["CX-MADRID0001"]
    assert ids(call(seeded, tickets_request(branch="quito-norte"))) == [
        "CX-QUITO00002",
        "CX-QUITO00001",
        "CX-QUITO00000",
    ]
    assert ids(call(seeded, tickets_request(branch="guayaquil"))) == []


def test_filters_by_status_alone_and_with_branch(seeded: Ports) -> None:
    assert len(ids(call(seeded, tickets_request(status="new")))) == 4
    assert ids(call(seeded, tickets_request(status="resolved"))) == []
    assert ids(call(seeded, tickets_request(status="new", branch="madrid-centro"))) == ["CX-MADRID0001"]
    assert ids(call(seeded, tickets_request(status="closed", branch="madrid-centro"))) == []


def test_limit_keeps_the_newest(seeded: Ports) -> None:
    assert ids(call(seeded, tickets_request(limit="2"))) == ["CX-QUITO00002", "CX-QUITO00001"]
    assert ids(call(seeded, tickets_request(branch="quito-norte", limit="1"))) == ["CX-QUITO00002"]


def test_one_ticket_by_id(seeded: Ports) -> None:
    answer = call(seeded, tickets_request(ticket_id="CX-MADRID0001"))
    assert answer["statusCode"] == 200
    ticket = body_of(answer)
    assert (ticket["ticket_id"], ticket["branch"], ticket["status"]) == (
        "CX-MADRID0001",
        "madrid-centro",
        "new",
    )
    assert ticket["customer"]["email"] == "ana@example.com"  # staff see who to call


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
