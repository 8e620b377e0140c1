"""config_api and sla_watcher against moto: documents published with versions and an
audit trail, refused with the field named, read back by the pipeline's functions; the
watcher's reminders and escalations reaching the alerts queue and the ticket's history."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cxloop.adapters.config_store import CachedRulebook
from cxloop.datafile import load_document_file
from cxloop.schedule import scheduled_time
from functions.config_api import handler as config_api
from tests.conftest import LocalAws
from tests.helpers import load_event, sample_ticket
from tests.integration.support import NOW, Ports, as_caller, body_of, invoke, resolve, scored

ORG_FILE = Path(__file__).resolve().parents[2] / "infra" / "local" / "data" / "organisation.yaml"
MONDAY_9_QUITO = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def config_request(
    method: str, name: str, body: dict[str, Any] | None = None, *, history: bool = False
) -> dict[str, Any]:
    event = load_event("apigw/ticket_get")
    path = f"/v1/config/{name}" + ("/history" if history else "")
    event |= {
        "httpMethod": method,
        "path": path,
        "resource": "/v1/config/{name}" + ("/history" if history else ""),
    }
    event["pathParameters"] = {"name": name}
    event["requestContext"] |= {"httpMethod": method, "path": f"/prod{path}"}
    event["body"] = json.dumps(body) if body is not None else None
    return as_caller(event, "executive", "all", "ceo")


def publish(ports: Ports, name: str, document: dict[str, Any], **extra: Any) -> dict[str, Any]:
    app = config_api.create_app(config_api.Deps(store=ports.config(), clock=lambda: NOW))
    return resolve(app, config_request("PUT", name, {"document": document, **extra}), "config_api")


def test_publishing_keeps_every_version_and_who_published_it(ports: Ports) -> None:
    organisation = load_document_file("organisation", ORG_FILE)
    first = publish(ports, "organisation", organisation, note="initial load")
    assert first["statusCode"] == 200, first
    assert (body_of(first)["version"], body_of(first)["updated_by"]) == (1, "ceo")
    second = publish(ports, "organisation", organisation, expected_version=1)
    assert body_of(second)["version"] == 2
    stale = publish(ports, "organisation", organisation, expected_version=1)
    assert stale["statusCode"] == 409 and body_of(stale)["error"]["code"] == "conflict"
    app = config_api.create_app(config_api.Deps(store=ports.config()))
    history = body_of(resolve(app, config_request("GET", "organisation", history=True), "config_api"))
    assert [(v["version"], v["note"], v["updated_by"]) for v in history["items"]] == [
        (2, None, "ceo"),
        (1, "initial load", "ceo"),
    ]
    assert ports.rulebook().organisation is not None
    assert ports.rulebook().versions == {"organisation": 2}


@pytest.mark.parametrize(
    ("name", "document", "field"),
    [
        (
            "organisation",
            {"countries": [{"code": "EC", "name": "Ecuador", "timezone": "Mars/Base"}]},
            "document.countries.0.timezone",
        ),
        ("sla", {"default": {"opens": "18:00", "closes": "09:00"}}, "document.default"),
        ("sla", {"countries": {"ES": {"subdivision": "XX"}}}, "document.countries.ES.subdivision"),
        (
            "sla",
            {"countries": {"EC": {"working_holidays": ["2027-08-10"]}}},
            "document.countries.EC.working_holidays",
        ),
        (
            "assignment",
            {"rules": [{"name": "x", "team": "t", "when": {"field": "nps", "op": "~", "value": 1}}]},
            "op",
        ),
    ],
)
def test_a_bad_document_is_400_naming_the_field_and_nothing_is_stored(
    ports: Ports, name: str, document: dict[str, Any], field: str
) -> None:
    answer = publish(ports, name, document)
    assert answer["statusCode"] == 400
    assert any(field in d["field"] for d in body_of(answer)["error"]["details"])
    assert ports.config().current(name) is None


def test_only_executives_change_configuration_and_agents_cannot_read_it(ports: Ports) -> None:
    app = config_api.create_app(config_api.Deps(store=ports.config()))
    manager = as_caller(
        config_request("PUT", "sla", {"document": {}}), "branch_manager", "branch:quito-norte"
    )
    assert resolve(app, manager, "config_api")["statusCode"] == 403
    agent = as_caller(config_request("GET", "sla"), "agent", "team:x")
    assert resolve(app, agent, "config_api")["statusCode"] == 403
    unknown = resolve(app, config_request("GET", "nonsense"), "config_api")
    assert unknown["statusCode"] == 404


def test_open_ticket_assigns_a_person_once_the_organisation_is_published(ports: Ports) -> None:
    publish(ports, "organisation", load_document_file("organisation", ORG_FILE))
    owners = []
    for _ in range(3):
        result = ports.ticket_step()(json.loads(scored(ports, nps=1)["Body"]))
        ticket = ports.tickets().get(result["ticket_id"])
        assert ticket is not None
        assert (ticket.team, ticket.status, ticket.ticket_type) == ("quito-norte-claims", "assigned", "claim")
        owners.append(ticket.owner)
    assert owners == ["ec-qn-claims-1", "ec-qn-claims-2", "ec-qn-claims-1"]


def test_a_cached_rulebook_sees_a_new_version_after_its_ttl(ports: Ports) -> None:
    now = [0.0]
    cached = CachedRulebook(ports.config(), ttl_s=60, clock=lambda: now[0])
    assert cached().organisation is None
    publish(ports, "organisation", load_document_file("organisation", ORG_FILE))
    assert cached().organisation is None
    now[0] = 61
    assert cached().organisation is not None


def scheduled(at: datetime) -> dict[str, Any]:
    return {
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def test_the_watcher_escalates_through_the_real_handler(lambda_env: LocalAws, ports: Ports) -> None:
    publish(ports, "organisation", load_document_file("organisation", ORG_FILE))
    ticket = sample_ticket(
        ticket_id="CX-WATCH0001",
        status="assigned",
        ticket_type="request",
        owner="ec-qn-claims-1",
        country="EC",
        region="pichincha",
        opened_at=MONDAY_9_QUITO,
    )
    ports.tickets().add(ticket)
    # Due Wed 15:00 Quito (20:00 UTC); at 16:30 UTC 3.5 h are left: a reminder.
    assert invoke("sla_watcher", scheduled(datetime(2026, 11, 25, 16, 30, tzinfo=UTC))) == {
        "checked": 1,
        "reminded": 1,
        "escalated": 0,
        "conflicts": 0,
    }
    assert invoke("sla_watcher", scheduled(datetime(2026, 11, 25, 20, 5, tzinfo=UTC)))["escalated"] == 1
    # The same schedule again: nothing new.
    assert invoke("sla_watcher", scheduled(datetime(2026, 11, 25, 20, 10, tzinfo=UTC)))["escalated"] == 0
    alerts = [json.loads(m["Body"]) for m in lambda_env.drain("alerts")]
    assert [(a["kind"], a["level"], a["audience"], a["recipients"]) for a in alerts] == [
        ("sla_reminder", 0, "owner", ["ec-qn-claims-1"]),
        ("sla_breach", 1, "branch_manager", ["ec-qn-manager"]),
    ]
    stored = ports.tickets().get("CX-WATCH0001")
    assert stored is not None and stored.escalation_level == 1 and stored.version == 2
    assert [h.action for h in stored.history] == ["remind", "escalate"]
    assert stored.history[-1].note == "SLA breach level 1: escalated to branch_manager (ec-qn-manager)"


def test_the_watcher_without_a_time_uses_now(lambda_env: LocalAws) -> None:
    assert scheduled_time({"time": "garbage"}).tzinfo is not None
    assert scheduled_time({"time": "2026-11-25T20:05:00Z"}) == datetime(2026, 11, 25, 20, 5, tzinfo=UTC)
    assert invoke("sla_watcher", {})["checked"] == 0
