"""The loop closes: the tickets and alerts the answers make, waited for until they stop
growing, and the metrics API checked against the answers counted directly."""

from __future__ import annotations

import time
from typing import Any

from infra.local.demo.console import progress
from infra.local.demo.http import Http
from infra.local.demo.insurer import BRANCHES
from infra.local.demo.metrics import check_metrics
from infra.local.demo.tally import Tally, phase

SETTLE_TIMEOUT_S = 45


def check_metrics_api(http: Http, token: str, tally: Tally) -> list[str]:
    """GET /v1/metrics for the company, each country and branch against the answers themselves."""
    phase(tally, "the metrics API against the submitted answers, counted directly")
    headers = {"Authorization": f"Bearer {token}"}
    problems, checked = check_metrics(
        lambda query: http.json("/v1/metrics", params=query, headers=headers),
        ((a.plan.event, a.plan.form) for a in tally.recorded),
    )
    print(
        f"  {checked} scopes (all, countries, branches): answers, promoters, passives, detractors, NPS, "
        f"CSAT and CES {'agree' if not problems else 'DISAGREE: ' + '; '.join(problems)}",
        flush=True,
    )
    return problems


def settle(http: Http, token: str, tally: Tally) -> None:
    """Until every expected ticket and its alert exist and the counts stop growing."""
    phase(
        tally,
        f"score_response, open_ticket and push_alert close the loop ({tally.expected_tickets} tickets due)",
    )
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    last = (-1, -1)
    while time.monotonic() < deadline:
        tally.tickets = fetch_tickets(http, token)
        tally.alerts = http.json("/_local/alerts")
        now = (len(tally.tickets), len(tally.alerts))
        if now == last and min(now) >= tally.expected_tickets:
            return
        if min(now) != min(last):
            progress("tickets with their alert", min(now), tally.expected_tickets)
        last = now
        time.sleep(0.5)
    print(f"  still incomplete after {SETTLE_TIMEOUT_S} s: {last[0]} tickets, {last[1]} alerts", flush=True)


def fetch_tickets(http: Http, token: str) -> list[dict[str, Any]]:
    """Branch by branch (the API lists at most 200 per call and has no cursor yet)."""
    headers = {"Authorization": f"Bearer {token}"}
    found: list[dict[str, Any]] = []
    for branch in BRANCHES:
        found += http.json("/v1/tickets", params={"branch": branch.id, "limit": 200}, headers=headers)[
            "items"
        ]
    return found
