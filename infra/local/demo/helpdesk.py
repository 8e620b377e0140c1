"""The demo's helpdesk part: the claims team in Quito works its cases in Zendesk (the local
fake, infra/local/fake_zendesk.py). An analyst publishes the connectors document before the
first event; once the day is worked, every ticket of that team has its Zendesk case, and an
agent solving one there resolves it in cxloop, which sends the customer the follow-up survey."""

from __future__ import annotations

import time
from typing import Any

from infra.local.defaults import ZENDESK_SECRET_NAME
from infra.local.demo.http import Http

CONNECTED_TEAM = "quito-norte-claims"
OPEN = frozenset({"new", "assigned", "in_progress", "waiting_customer"})
WAIT_TIMEOUT_S = 30
POLL_S = 0.25


def publish_connectors(http: Http, token: str) -> int | None:
    """PUT /v1/config/connectors: the team's cases go to the local Zendesk; the version, or None."""
    document = {
        "connectors": [
            {
                "name": "zendesk",
                "vendor": "zendesk",
                "instance_url": f"{http.base_url}/_local/zendesk",
                "secret": ZENDESK_SECRET_NAME,
                "teams": [CONNECTED_TEAM],
            }
        ]
    }
    answer = http.session.put(
        f"{http.base_url}/v1/config/connectors",
        json={"document": document, "note": f"demo: {CONNECTED_TEAM} works in Zendesk"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    print(f"  connectors: {CONNECTED_TEAM} -> Zendesk at /_local/zendesk ({answer.status_code})", flush=True)
    return int(answer.json()["version"]) if answer.status_code == 200 else None


def show_helpdesk(http: Http, token: str, tickets: list[dict[str, Any]]) -> list[str]:
    """Every connected ticket has its Zendesk case; one solved there is resolved here. The problems."""
    connected = [t for t in tickets if t.get("team") == CONNECTED_TEAM]
    if not connected:
        return [f"no ticket of {CONNECTED_TEAM} to send to Zendesk"]
    cases = _wait(lambda: _cases_for(http, connected))
    if cases is None:
        return [f"not every {CONNECTED_TEAM} ticket reached Zendesk"]
    print(f"  {len(cases)} {CONNECTED_TEAM} ticket(s) -> {len(cases)} Zendesk case(s), one each", flush=True)
    chosen = _still_open(http, token, connected)
    if chosen is None:
        print("  (every one was already resolved in cxloop, and so solved in Zendesk)", flush=True)
        return []
    case = cases[chosen["ticket_id"]]
    solved = http.post(
        f"/_local/zendesk/_agent/tickets/{case['id']}",
        json={"status": "solved", "comment": "Solved by the claims desk in Zendesk"},
    ).json()
    applied = (solved.get("webhook") or {}).get("body") or {}
    print(
        f"  an agent solves Zendesk #{case['id']} ({chosen['ticket_id']}): cxloop says "
        f"{applied.get('applied')} -> {applied.get('status')}",
        flush=True,
    )
    return [] if applied.get("status") == "resolved" else [f"solving it in Zendesk answered {solved}"]


def _cases_for(http: Http, tickets: list[dict[str, Any]]) -> dict[str, dict[str, Any]] | None:
    found = {c["external_id"]: c for c in http.json("/_local/zendesk/_tickets")["tickets"]}
    cases = {t["ticket_id"]: found[t["ticket_id"]] for t in tickets if t["ticket_id"] in found}
    return cases if len(cases) == len(tickets) else None


def _still_open(http: Http, token: str, tickets: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first ticket open in cxloop now (the desk may have worked it since it was listed)."""
    headers = {"Authorization": f"Bearer {token}"}
    for ticket in tickets:
        now = http.json(f"/v1/tickets/{ticket['ticket_id']}", headers=headers)
        if now["status"] in OPEN:
            return dict(now)
    return None


def _wait(probe: Any) -> Any:
    deadline = time.monotonic() + WAIT_TIMEOUT_S
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(POLL_S)
    return None
