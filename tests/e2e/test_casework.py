"""Case management as staff and customers use it, over real HTTP through `cxloop serve`:
the organisation published with the CLI, a claim routed to a person and acknowledged,
worked with the owner's token, followed up, reopened by an unhappy customer, escalated
by the SLA watcher, and reported on."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from infra.local.auth import mint_token
from infra.local.defaults import STAFF_TOKEN_SECRET
from tests.e2e.conftest import REPO, Client, Served, start_runtime, wait_for
from tests.e2e.test_loop import body_of, unique_event

pytestmark = pytest.mark.e2e
ORG_FILE = REPO / "infra" / "local" / "data" / "organisation.yaml"


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """A runtime of its own: publishing an organisation changes routing for everyone on it."""
    served: Served = start_runtime(tmp_path_factory.mktemp("casework"))
    try:
        yield Client(served.base_url, served.log_file)
    finally:
        served.stop()


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infra.local.cli", *args],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def token(role: str, scope: str, user: str) -> str:
    return mint_token(STAFF_TOKEN_SECRET, role=role, scope=scope, user=user)


def act(client: Client, ticket_id: str, bearer: str, action: dict[str, Any]) -> requests.Response:
    return client.http.post(
        client.url(f"/v1/tickets/{ticket_id}/actions"),
        json=action,
        headers={"Authorization": f"Bearer {bearer}"},
        timeout=10,
    )


def answer(client: Client, url: str, **answers: object) -> None:
    posted = client.http.post(url, json={"answers": answers}, timeout=10)
    assert posted.status_code == 201, posted.text


def ticket_for(client: Client, correlation_id: str) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        items = client.staff_get("/v1/tickets?limit=200").json()["items"]
        return next((t for t in items if t["correlation_id"] == correlation_id), None)

    found: dict[str, Any] = wait_for(probe, timeout_s=20)
    return found


def alerts_of(client: Client, ticket_id: str, kind: str) -> list[dict[str, Any]]:
    return [
        a
        for a in client.alerts()
        if a["attributes"].get("ticket_id") == ticket_id and a["attributes"]["kind"] == kind
    ]


def test_a_bad_organisation_file_is_refused_by_the_cli_naming_the_line(desk: Client, tmp_path: Path) -> None:
    bad = tmp_path / "organisation.yaml"
    bad.write_text(
        "countries:\n  - code: EC\n    name: Ecuador\n    timezone: Mars/Olympus\n", encoding="utf-8"
    )
    refused = cli("config", "push", "organisation", str(bad), "--url", desk.base_url)
    assert refused.returncode == 2
    assert "organisation.yaml line 4: countries.0.timezone" in refused.stderr
    assert "nothing was sent" in refused.stderr


def test_a_claim_is_routed_acknowledged_worked_followed_up_reopened_and_escalated(desk: Client) -> None:
    published = cli("config", "push", "organisation", str(ORG_FILE), "--url", desk.base_url)
    assert published.returncode == 0, published.stderr
    assert published.stdout.startswith("organisation version 1 by cxloop-cli")

    # The ERP reports a claim; Ana answers badly.
    event = unique_event()
    correlation_id = f"erp-{uuid.uuid4()}"
    body = body_of(event)
    from infra.local.defaults import WEBHOOK_SECRET
    from infra.local.erp import signed_headers

    accepted = desk.post_event(
        body, headers=signed_headers(body, WEBHOOK_SECRET) | {"X-Correlation-Id": correlation_id}
    )
    assert accepted.status_code == 202
    email = event["customer"]["email"]
    survey = desk.message_to(email)
    answer(
        desk,
        survey["survey_url"],
        nps=2,
        csat=1,
        comment="El ajustador nunca llegó",
        callback=True,
        callback_time="morning",
    )

    ticket = ticket_for(desk, correlation_id)
    assert (ticket["ticket_type"], ticket["team"], ticket["status"]) == (
        "claim",
        "quito-norte-claims",
        "assigned",
    )
    assert ticket["owner"] in {"ec-qn-claims-1", "ec-qn-claims-2"}
    assert ticket["routed_by"].startswith("claims: event_type='claim.reported' starts_with")

    # The customer is told the case number and when we will call, in Spanish.
    acknowledgement = wait_for(
        lambda: next(
            (m for m in desk.outbox() if m["to"] == email and ticket["ticket_id"] in (m["subject"] or "")),
            None,
        )
    )
    assert acknowledgement["subject"] == f"Recibimos su caso {ticket['ticket_id']}"
    assert "a más tardar el" in acknowledgement["body"]

    owner = token("agent", "team:quito-norte-claims", ticket["owner"])
    other_branch_agent = token("agent", "team:madrid-centro-claims", "es-mc-claims-1")
    assert desk.staff_get(f"/v1/tickets/{ticket['ticket_id']}", other_branch_agent).status_code == 404
    assert act(desk, ticket["ticket_id"], owner, {"action": "close"}).status_code == 409
    assert (
        act(desk, ticket["ticket_id"], owner, {"action": "log_call", "outcome": "reached"}).json()["status"]
        == "in_progress"
    )
    resolved = act(
        desk,
        ticket["ticket_id"],
        owner,
        {
            "action": "resolve",
            "root_cause": "adjuster overbooked",
            "action_taken": "visit rebooked for Monday",
        },
    )
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"

    # The "was it solved?" survey arrives; Ana says no: the case reopens and the manager hears of it.
    follow_up = wait_for(
        lambda: next(
            (m for m in desk.outbox() if m["to"] == email and (m["subject"] or "").startswith("¿Resolvimos")),
            None,
        )
    )
    page = desk.http.get(follow_up["survey_url"], timeout=10)
    assert 'name="solved"' in page.text
    answer(desk, follow_up["survey_url"], solved=False, csat=1, comment="Nadie vino el lunes")
    reopened = wait_for(
        lambda: (t := desk.staff_get(f"/v1/tickets/{ticket['ticket_id']}").json())["reopen_count"] == 1 and t
    )
    assert reopened["status"] == "assigned" and reopened["follow_up"]["outcome"] == "unhappy"
    unhappy = wait_for(lambda: alerts_of(desk, ticket["ticket_id"], "follow_up_unhappy"))
    assert unhappy[0]["attributes"]["audience"] == "branch_manager"

    # Days later nobody has acted: the watcher escalates to the branch manager, then the country manager.
    due = datetime.fromisoformat(reopened["due_at"])
    for days_after, level in ((0, 1), (30, 3)):
        at = (due + timedelta(days=days_after, minutes=1)).isoformat()
        fired = desk.http.post(desk.url("/_local/schedules/sla_watcher"), params={"at": at}, timeout=30)
        assert fired.status_code == 200 and fired.json()["escalated"] >= 1, fired.text
        escalated = desk.staff_get(f"/v1/tickets/{ticket['ticket_id']}").json()
        assert escalated["escalation_level"] >= level
    breaches = wait_for(
        lambda: (
            len(alerts_of(desk, ticket["ticket_id"], "sla_breach")) >= 3
            and alerts_of(desk, ticket["ticket_id"], "sla_breach")
        )
    )
    audiences = {(a["attributes"]["level"], a["attributes"]["audience"]) for a in breaches}
    assert {("1", "branch_manager"), ("2", "country_manager"), ("3", "executive")} <= audiences

    # The branch manager's health report counts it; an agent may not read the configuration.
    manager = token("branch_manager", "branch:quito-norte", "ec-qn-manager")
    report = desk.staff_get("/v1/reports/health?group=branch", manager).json()
    assert [row["key"] for row in report["rows"]] == ["quito-norte"]
    # Only this case was opened on this runtime: called once, reopened once.
    quito = report["rows"][0]
    assert (quito["opened"], quito["first_contact"]["contacted"]) == (1, 1)
    assert quito["reopen"] == {"rate": 1.0, "numerator": 1, "denominator": 1}
    assert desk.staff_get("/v1/config/organisation", owner).status_code == 403
    history = json.dumps(desk.staff_get(f"/v1/tickets/{ticket['ticket_id']}").json()["history"])
    for step in ("open", "log_call", "resolve", "reopen", "follow_up", "escalate"):
        assert f'"action": "{step}"' in history


def test_a_scheduled_function_can_be_fired_only_with_a_proper_time(desk: Client) -> None:
    bad = desk.http.post(desk.url("/_local/schedules/sla_watcher"), params={"at": "tomorrow"}, timeout=10)
    assert bad.status_code == 400 and bad.json()["error"]["details"][0]["field"] == "at"
    unknown = desk.http.post(desk.url("/_local/schedules/no_such_function"), timeout=10)
    assert unknown.status_code == 404
