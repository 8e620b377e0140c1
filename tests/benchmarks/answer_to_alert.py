"""Answer-to-alert latency of the local runtime: how long after a detractor answers
do the managers get the SNS alert? Target: p95 under 1 s.

Starts `cxloop serve` in a subprocess (as `cxloop demo` does), sends signed ERP
events, waits for the surveys, then answers every one as a detractor (NPS 0-6)
through its link, in two rounds: a steady stream (`--rate` answers a second) and a
burst (all at once, `--workers` in parallel). Two figures per round:

- server: ticket `answered_at` (survey_page's clock) to alert `published_at` (the
  local SNS recorder's clock) — what the pipeline itself takes;
- client: from just before the answer's POST to the first time the alert shows in
  `/_local/alerts`, polled every 10 ms — what a watching manager would see.

Run with `make bench` or `.venv/bin/python tests/benchmarks/answer_to_alert.py`.
Exits 0 whatever the figures (benchmarks report, tests assert); 1 if the loop did
not close (answers without alerts), 2 if the runtime did not start.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import requests

from infra.local.auth import mint_token
from infra.local.defaults import staff_secret, webhook_secret
from infra.local.demo.contacts.default import DAY_POLICY
from infra.local.demo.contacts.stage import publish_contact_policy
from infra.local.demo.events import make_events
from infra.local.demo.http import Http
from infra.local.demo.insurer import contact_of
from infra.local.demo.summary import percentile
from infra.local.demo.tickets import fetch_tickets
from infra.local.erp import event_body, post_event
from infra.local.served import RuntimeFailed, running_served

TARGET_P95_MS = 1000
POLL_S = 0.010
SETTLE_TIMEOUT_S = 60
LOG_FILE = ".cxloop/bench-functions.log"
# The log line each step writes when it is done, in pipeline order.
STEPS = (
    ("survey_page", "answers recorded"),
    ("score_response", "response scored"),
    ("open_ticket", "ticket opened"),
    ("push_alert", "alert published"),
)


@dataclass
class Round:
    name: str
    events: list[dict[str, Any]]
    rate: float | None  # answers a second; None = all at once
    posted_at: dict[str, float] = field(default_factory=dict)  # customer id -> monotonic


class AlertWatcher(threading.Thread):
    """Polls /_local/alerts every 10 ms; remembers when each ticket's alert first showed."""

    def __init__(self, http: Http) -> None:
        super().__init__(name="alert-watcher", daemon=True)
        self.http = http
        self.first_seen: dict[str, float] = {}
        self.alerts: list[dict[str, Any]] = []
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            try:
                alerts = self.http.json("/_local/alerts")
            except requests.RequestException:
                self._done.wait(POLL_S)  # a slow moment of the runtime: try again
                continue
            seen_at = time.monotonic()
            for alert in alerts[len(self.alerts) :]:
                self.first_seen.setdefault(alert["attributes"].get("ticket_id"), seen_at)
            self.alerts = alerts
            self._done.wait(POLL_S)

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=5)


def detractor_form(rng: random.Random) -> dict[str, str]:
    return {"nps": str(rng.randint(0, 6)), "csat": str(rng.randint(1, 3)), "ces": str(rng.randint(1, 4))}


def send_events(http: Http, events: list[dict[str, Any]], workers: int) -> None:
    def post(event: dict[str, Any]) -> int:
        return post_event(http.base_url, event_body(event), webhook_secret(), http.session).status_code

    with ThreadPoolExecutor(max_workers=workers) as pool:
        statuses = list(pool.map(post, events))
    refused = [s for s in statuses if s != 202]
    if refused:
        raise SystemExit(f"answer_to_alert: {len(refused)} events were not accepted: {set(refused)}")


def survey_links(http: Http, events: list[dict[str, Any]]) -> dict[str, str]:
    """customer id -> survey link, once every event's survey is in the outbox."""
    wanted = {contact_of(e): e["customer"]["id"] for e in events}
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    links: dict[str, str] = {}
    while time.monotonic() < deadline and len(links) < len(events):
        links = {wanted[m["to"]]: m["survey_url"] for m in http.json("/_local/outbox") if m["to"] in wanted}
        time.sleep(0.1)
    return links


def answer_all(http: Http, rnd: Round, links: dict[str, str], workers: int, rng: random.Random) -> None:
    """POST a detractor answer on every link: the round's rate a second, or all at once."""
    forms = {customer: detractor_form(rng) for customer in links}
    start = time.monotonic() + 0.1

    def answer(numbered: tuple[int, str]) -> int:
        number, customer = numbered
        if rnd.rate:
            time.sleep(max(0.0, start + number / rnd.rate - time.monotonic()))
        rnd.posted_at[customer] = time.monotonic()
        return http.post(links[customer], data=forms[customer]).status_code

    with ThreadPoolExecutor(max_workers=workers) as pool:
        statuses = list(pool.map(answer, enumerate(links)))
    if any(s != 200 for s in statuses):
        print(f"  warning: answers not recorded: {[s for s in statuses if s != 200]}")


def wait_for_alerts(watcher: AlertWatcher, expected: int) -> None:
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while len(watcher.first_seen) < expected and time.monotonic() < deadline:
        time.sleep(0.05)


def figures(values: list[float]) -> str:
    values = sorted(values)
    if not values:
        return "no samples"
    return (
        f"p50 {percentile(values, 0.5):6.0f}  p95 {percentile(values, 0.95):6.0f}  "
        f"max {values[-1]:6.0f} ms  (n={len(values)})"
    )


def report(rnd: Round, tickets: list[dict[str, Any]], watcher: AlertWatcher) -> bool:
    """Print the round's figures; answers whether p95 (server) met the target."""
    ours = [t for t in tickets if t["customer"]["id"] in rnd.posted_at]
    published = {
        a["attributes"].get("ticket_id"): datetime.fromisoformat(a["published_at"]) for a in watcher.alerts
    }
    server = [
        (published[t["ticket_id"]] - datetime.fromisoformat(t["answered_at"])).total_seconds() * 1000
        for t in ours
        if t["ticket_id"] in published
    ]
    client = [
        (watcher.first_seen[t["ticket_id"]] - rnd.posted_at[t["customer"]["id"]]) * 1000
        for t in ours
        if t["ticket_id"] in watcher.first_seen
    ]
    p95 = percentile(sorted(server), 0.95)
    verdict = "ok" if p95 < TARGET_P95_MS else "OVER TARGET"
    print(f"{rnd.name:<22} server  {figures(server)}  {verdict}")
    print(f"{'':<22} client  {figures(client)}")
    answered = [datetime.fromisoformat(t["answered_at"]) for t in ours]
    alerted = [published[t["ticket_id"]] for t in ours if t["ticket_id"] in published]
    if alerted and answered:
        span = (max(alerted) - min(answered)).total_seconds()
        print(f"{'':<22} flow    {len(server) / span:.1f} answers a second from first answer to last alert")
    missing = len(rnd.posted_at) - len(server)
    if missing:
        print(f"{'':<22} {missing} answers have no alert")
    return missing == 0


def step_times(log_file: str) -> dict[str, dict[str, datetime]]:
    """correlation id -> log message -> when it was first logged (function logs are JSON lines)."""
    found: dict[str, dict[str, datetime]] = defaultdict(dict)
    wanted = {message for _, message in STEPS}
    for line in Path(log_file).read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("message") in wanted and record.get("correlation_id"):
            stamp = datetime.strptime(record["timestamp"], "%Y-%m-%d %H:%M:%S,%f%z")
            found[record["correlation_id"]].setdefault(record["message"], stamp)
    return found


def report_steps(rnd: Round, tickets: list[dict[str, Any]], times: dict[str, dict[str, datetime]]) -> None:
    """Where the time goes: each step's delay after the previous one, from the function logs."""
    ours = [times[t["correlation_id"]] for t in tickets if t["customer"]["id"] in rnd.posted_at]
    parts = []
    for (_, before), (function, after) in pairwise(STEPS):
        delays = [(t[after] - t[before]).total_seconds() * 1000 for t in ours if before in t and after in t]
        delays.sort()
        parts.append(f"{function} p50 {percentile(delays, 0.5):.0f} / p95 {percentile(delays, 0.95):.0f}")
    print(f"{'':<22} steps   {'; '.join(parts)} ms")


def run_round(http: Http, rnd: Round, watcher: AlertWatcher, args: argparse.Namespace) -> None:
    rng = random.Random(rnd.name)
    send_events(http, rnd.events, args.workers)
    links = survey_links(http, rnd.events)
    print(
        f"  {rnd.name}: {len(rnd.events)} events accepted, {len(links)} surveys sent; answering", flush=True
    )
    expected = len(watcher.first_seen) + len(links)
    answer_all(http, rnd, links, args.workers, rng)
    wait_for_alerts(watcher, expected)


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--answers", type=int, default=60, help="answers per round (>= 50)")
    options.add_argument("--rate", type=float, default=4.0, help="answers a second in the steady round")
    options.add_argument("--workers", type=int, default=6, help="parallel HTTP clients")
    args = options.parse_args()
    events = make_events(2 * args.answers, random.Random(11))
    rounds = [
        Round(f"steady ({args.rate:g}/s)", events[: args.answers], args.rate),
        Round(f"burst ({args.workers} parallel)", events[args.answers :], None),
    ]
    print(f"== answer-to-alert: {len(rounds)} rounds of {args.answers} detractor answers ==", flush=True)
    Path(LOG_FILE).unlink(missing_ok=True)
    try:
        with running_served(Path(LOG_FILE)) as runtime:
            http = Http(runtime.base_url)
            # Before the first event, as the demo does: surveys at once whatever the hour (the
            # default manners would hold the night's customers until 08:00 their time).
            executive = mint_token(staff_secret(), role="executive", user="bench")
            publish_contact_policy(http, executive, DAY_POLICY, "bench: surveys at once").raise_for_status()
            watcher = AlertWatcher(http)
            watcher.start()
            for rnd in rounds:
                run_round(http, rnd, watcher, args)
            watcher.stop()
            tickets = fetch_tickets(http, executive)
    except RuntimeFailed as exc:
        print(f"answer_to_alert: {exc}", file=sys.stderr)
        return 2
    print(f"\n{'round':<22} clock   latency, answer -> alert; target p95 < {TARGET_P95_MS} ms")
    times = step_times(LOG_FILE)
    closed = []
    for rnd in rounds:
        closed.append(report(rnd, tickets, watcher))
        report_steps(rnd, tickets, times)
    print("(server: ticket answered_at -> alert published_at; client: POST sent -> alert visible)")
    return 0 if all(closed) else 1


if __name__ == "__main__":
    sys.exit(main())
