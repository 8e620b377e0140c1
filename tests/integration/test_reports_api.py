"""reports_api against moto: the health report's shape and figures, role scoping exactly like
the tickets list, JSON 400s naming the query parameter, claims required, and the real handler.

The SLA calendar is the default one (no config stored): Ecuador 08:30-17:30 in
America/Guayaquil (UTC-5), where the sample customer lives. NOW is Monday 23 November 2026,
09:30 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cxloop.domain.casework.models import FollowUp, Resolution
from cxloop.domain.kernel.events import Touchpoint
from functions.reports_api import handler as reports_api
from tests.conftest import LocalAws
from tests.helpers import sample_ticket
from tests.integration.support import (
    NOW,
    Ports,
    as_caller,
    body_of,
    header_of,
    invoke,
    reports_request,
    resolve,
)

MADRID = Touchpoint(id="madrid-centro/counter", branch="madrid-centro", region="madrid", country="ES")
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def seeded(ports: Ports) -> Ports:
    """Two Quito Norte tickets and one in Madrid centro, all opened in November."""
    store = ports.tickets()
    quito = {"country": "EC", "region": "pichincha", "team": "quito-norte-claims"}
    # Called an hour after opening (Monday 09:00 in Quito), resolved on the due minute; the
    # detractor's follow-up says recovered.
    store.add(
        sample_ticket(
            ticket_id="CX-QUITO00001",
            response_id="r-q1",
            owner="ec-qn-claims-1",
            status="resolved",
            opened_at=at(16, 14),
            first_contact_at=at(16, 15),
            due_at=at(17, 14),
            resolution=Resolution(
                root_cause="delay", action_taken="paid", at=at(17, 14), by="ec-qn-claims-1"
            ),
            follow_up=FollowUp(answered_at=at(18, 14), solved=True, csat=5, outcome="recovered"),
            **quito,
        )
    )
    # Never called (8 business hours by Wednesday's close: a miss), overdue since Friday,
    # 4 days 19 hours old now.
    store.add(
        sample_ticket(
            ticket_id="CX-QUITO00002",
            response_id="r-q2",
            owner="ec-qn-claims-2",
            opened_at=at(18, 14, 30),
            due_at=at(20, 14),
            **quito,
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
            team="madrid-centro-cs",
            status="in_progress",
            opened_at=at(17, 10),
            first_contact_at=at(17, 11),
            due_at=at(30, 10),
        )
    )
    return ports


def call(ports: Ports, event: dict[str, Any]) -> dict[str, Any]:
    deps = reports_api.Deps(tickets=ports.tickets(), rulebook=ports.rulebook, clock=lambda: NOW)
    return resolve(reports_api.create_app(deps), event, "reports_api")


def report(ports: Ports, event: dict[str, Any]) -> dict[str, Any]:
    answer = call(ports, event)
    assert answer["statusCode"] == 200, answer
    assert header_of(answer, "Content-Type") == "application/json"
    return dict(body_of(answer))


def keys(document: dict[str, Any]) -> list[str | None]:
    return [row["key"] for row in document["rows"]]


def rate(numerator: int, denominator: int, value: float | None) -> dict[str, Any]:
    return {"rate": value, "numerator": numerator, "denominator": denominator}


def test_a_branch_manager_gets_every_figure_of_their_branch_only(seeded: Ports) -> None:
    document = report(seeded, reports_request(**NOVEMBER))  # the sample's Quito Norte manager
    assert (document["group"], document["from"], document["to"]) == ("branch", "2026-11-01", "2026-11-30")
    assert keys(document) == ["quito-norte"]
    (quito,) = document["rows"]
    assert quito == {
        "key": "quito-norte",
        "opened": 2,
        "first_contact": {
            "contacted": 1,
            "median_hours": 1.0,
            "p90_hours": 1.0,
            "target_business_hours": 4.0,
            "within_target": rate(1, 2, 0.5),
        },
        "sla": {"on_time": rate(1, 1, 1.0), "open_overdue": 1},
        "recovery": rate(1, 1, 1.0),
        "reopen": rate(0, 1, 0.0),
        # Wednesday 14:30 to Monday 09:30 UTC: 115 hours.
        "backlog": {"open": 1, "median_age_days": 4.79, "max_age_days": 4.79, "older_than_7_days": 0},
    }
    assert document["total"] == quito | {"key": None}  # Madrid's ticket is in no figure


def test_a_branch_manager_by_owner(seeded: Ports) -> None:
    document = report(seeded, reports_request(group="owner", **NOVEMBER))
    assert keys(document) == ["ec-qn-claims-1", "ec-qn-claims-2"]
    first, second = document["rows"]
    assert (first["opened"], first["first_contact"]["within_target"]) == (1, rate(1, 1, 1.0))
    assert (second["opened"], second["first_contact"]["within_target"]) == (1, rate(0, 1, 0.0))
    assert (second["sla"]["on_time"], second["recovery"]) == (rate(0, 0, None), rate(0, 0, None))


def test_an_agent_gets_a_report_of_their_own_tickets(seeded: Ports) -> None:
    event = as_caller(reports_request(**NOVEMBER), "agent", "team:quito-norte-claims", "ec-qn-claims-2")
    document = report(seeded, event)
    assert keys(document) == ["quito-norte"]
    assert document["total"]["opened"] == 1
    assert document["total"]["first_contact"]["contacted"] == 0
    assert document["total"]["backlog"]["open"] == 1
    by_team = report(seeded, as_caller(reports_request(group="team"), "agent", "team:x", "ec-qn-claims-1"))
    assert keys(by_team) == ["quito-norte-claims"] and by_team["total"]["opened"] == 1
    assert by_team["total"]["backlog"]["open"] == 0


def test_an_executive_sees_every_branch_and_a_country_manager_theirs(seeded: Ports) -> None:
    everything = report(seeded, as_caller(reports_request(**NOVEMBER), "executive", "all", "ceo"))
    assert keys(everything) == ["madrid-centro", "quito-norte"]
    assert everything["total"]["opened"] == 3
    assert everything["total"]["first_contact"]["contacted"] == 2
    spain = report(seeded, as_caller(reports_request(group="team"), "country_manager", "country:ES", "es-cm"))
    assert keys(spain) == ["madrid-centro-cs"] and spain["total"]["opened"] == 1


def test_the_default_period_is_the_last_30_days(seeded: Ports) -> None:
    document = report(seeded, reports_request())
    assert (document["from"], document["to"]) == ("2026-10-25", "2026-11-23")
    assert document["total"]["opened"] == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"group": "region"}, "group"),
        ({"group": "Branch"}, "group"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-11-01T10:00:00"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"from": "2026-12-01", "to": "2026-11-30"}, "from"),
        ({"from": "2026-11-24"}, "from"),  # after the default `to`, today
        ({"from": "2025-11-27", "to": "2026-11-30"}, "from"),  # 368 days
    ],
)
def test_a_bad_query_is_400_naming_the_parameter(seeded: Ports, query: dict[str, str], field: str) -> None:
    answer = call(seeded, reports_request(**query))
    assert answer["statusCode"] == 400
    error = body_of(answer)["error"]
    assert error["code"] == "validation_error"
    assert [d["field"] for d in error["details"]] == [field]
    assert "rows" not in body_of(answer)


def test_a_request_without_claims_is_401(seeded: Ports) -> None:
    event = reports_request()
    event["requestContext"]["authorizer"] = None
    answer = call(seeded, event)
    assert answer["statusCode"] == 401
    assert body_of(answer)["error"]["code"] == "unauthorized"
    assert "rows" not in body_of(answer)


def test_handler_reports_with_the_sample_claims(lambda_env: LocalAws, seeded: Ports) -> None:
    answer = invoke("reports_api", reports_request(group="owner", **NOVEMBER))
    assert answer["statusCode"] == 200, answer
    document = body_of(answer)
    assert keys(document) == ["ec-qn-claims-1", "ec-qn-claims-2"]
    assert document["total"]["opened"] == 2
    assert document["total"]["sla"]["on_time"] == rate(1, 1, 1.0)
    bad = invoke("reports_api", reports_request(group="region"))
    assert bad["statusCode"] == 400 and body_of(bad)["error"]["details"][0]["field"] == "group"
    anonymous = reports_request()
    anonymous["requestContext"].pop("authorizer")
    assert invoke("reports_api", anonymous)["statusCode"] == 401
