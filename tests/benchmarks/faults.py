"""Nothing lost, nothing doubled, while AWS misbehaves: the local runtime plays `--events`
events and their answers (every other customer a detractor) while the AWS stand-in throttles,
fails or drops `--share` of the requests (infra/local/faults.py; `--above-retries` gives each
function one attempt per call, so every fault reaches the code). Then the faults stop, the
operator redrives every dead-letter queue (`cxloop ops dlq redrive`), and the run counts:

- lost: events never surveyed, answers recorded but never counted in the live aggregates,
  detractors without a ticket or without an alert;
- duplicated state: tickets per response, counted answers beyond those recorded;
- duplicated external sends: surveys sent twice to one customer, alerts published twice for
  one ticket and kind (targets: 0 lost, 0 duplicated state, duplicated sends at most 1 %);
- messages that went through a dead-letter queue.

Run `.venv/bin/python tests/benchmarks/faults.py [--events 1000] [--share 0.1]`. It always
exits 0 when the runtime ran (benchmarks report, tests assert); 2 if it did not start.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from infra.local.analytics import lake_location
from infra.local.auth import mint_token
from infra.local.defaults import staff_secret, webhook_secret
from infra.local.demo.contacts.default import DAY_POLICY
from infra.local.demo.contacts.stage import publish_contact_policy
from infra.local.demo.events import make_events
from infra.local.demo.http import Http
from infra.local.demo.insurer import contact_of
from infra.local.demo.tickets import fetch_tickets
from infra.local.erp import event_body, post_event
from infra.local.faults import KINDS, fault_plan, set_faults, stop_faults
from infra.local.served import RuntimeFailed, running_served
from infra.ops.queues import redrive_when_quiet
from infra.ops.targets import LocalTarget

LOG_FILE = ".cxloop/bench-faults.log"
# The services that carry messages out: email, SMS and alerts (and SMS through SNS).
SENDING = ("ses", "sns", "sms-voice")
SETTLE_S = 120


def settle(done: Callable[[], bool], timeout_s: float = SETTLE_S) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not done():
        time.sleep(0.5)


def post_all(http: Http, events: list[dict[str, Any]], workers: int) -> None:
    """As an ERP does: an event the API could not take (503) is sent again until it is."""

    def post(event: dict[str, Any]) -> None:
        for _ in range(20):
            if attempt(
                lambda: post_event(http.base_url, event_body(event), webhook_secret(), http.session)
            ) in (
                200,
                202,
            ):
                return
            time.sleep(0.5)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(post, events))


def attempt(request: Callable[[], requests.Response]) -> int:
    """The answer's status, or 0 when none came in time (a slow moment): the caller tries again,
    as an ERP or a customer would."""
    try:
        return request().status_code
    except requests.RequestException:
        return 0


def redrive_all(base_url: str) -> int:
    return redrive_when_quiet(LocalTarget(base_url), progress=lambda _: None)


def answer_all(http: Http, links: dict[str, str], detractors: set[str], workers: int) -> int:
    def answer(item: tuple[str, str]) -> int:
        customer, link = item
        form = {"nps": "2", "csat": "1", "ces": "2"} if customer in detractors else {"nps": "10", "csat": "5"}
        status = 0
        for _ in range(10):
            status = attempt(lambda: http.post(link, data=form))
            if status in (200, 409):
                return status
            time.sleep(0.5)
        return status

    # 409 on a retried POST: the first attempt recorded the answer before its reply was lost.
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return sum(1 for status in pool.map(answer, links.items()) if status in (200, 409))


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--events", type=int, default=1000)
    options.add_argument("--share", type=float, default=0.1)
    options.add_argument("--above-retries", action="store_true")
    options.add_argument(
        "--unconfirmed-sends",
        choices=["assume_sent", "resend"],
        default="assume_sent",
        help="what the functions do with a send whose answer was lost (cxloop serve's option)",
    )
    options.add_argument("--workers", type=int, default=6)
    options.add_argument(
        "--kinds", nargs="+", choices=KINDS, default=list(KINDS), help="the faults to inject (default: all)"
    )
    args = options.parse_args()
    events = make_events(args.events, random.Random(23))
    contact = {contact_of(e): e["customer"]["id"] for e in events}
    detractors = {e["customer"]["id"] for n, e in enumerate(events) if n % 2 == 0}
    print(
        f"== faults: {args.events} events at {args.share:.0%} faulted, unconfirmed sends: "
        f"{args.unconfirmed_sends}",
        flush=True,
    )
    Path(LOG_FILE).unlink(missing_ok=True)
    extra = ("--unconfirmed-sends", args.unconfirmed_sends)
    extra += ("--faults-above-retries",) if args.above_retries else ()
    try:
        with running_served(Path(LOG_FILE), extra_args=extra) as runtime:
            http = Http(runtime.base_url)
            executive = mint_token(staff_secret(), role="executive", user="bench")
            publish_contact_policy(http, executive, DAY_POLICY, "bench: surveys at once").raise_for_status()
            endpoint, _ = lake_location(runtime.base_url)
            injected: Counter[str] = Counter()
            dropped: Counter[str] = Counter()
            redriven = 0

            def sent_to() -> list[str]:
                return [m["to"] for m in http.json("/_local/outbox") if m["to"] in contact]

            def stop() -> None:
                dropped.update(fault_plan(endpoint)["dropped_by_service"])
                injected.update(stop_faults(endpoint))

            set_faults(endpoint, args.share, kinds=tuple(args.kinds), seed=23)
            started = time.monotonic()
            post_all(http, events, args.workers)
            settle(lambda: set(sent_to()) >= set(contact))
            stop()
            redriven += redrive_all(runtime.base_url)
            settle(lambda: set(sent_to()) >= set(contact), 60)
            print(f"  events posted and surveys sent: {time.monotonic() - started:.0f} s", flush=True)
            links = {
                contact[m["to"]]: m["survey_url"] for m in http.json("/_local/outbox") if m["to"] in contact
            }

            set_faults(endpoint, args.share, kinds=tuple(args.kinds), seed=29)
            recorded = answer_all(http, links, detractors, args.workers)
            settle(
                lambda: (
                    len({t["customer"]["id"] for t in fetch_tickets(http, executive)} & detractors)
                    >= len(detractors & set(links))
                )
            )
            stop()
            redriven += redrive_all(runtime.base_url)
            settle(lambda: False, 20)  # the redriven work finishes
            print(f"  answers given and worked: {time.monotonic() - started:.0f} s", flush=True)
            elapsed = time.monotonic() - started
            outbox = [m for m in http.json("/_local/outbox") if m["to"] in contact]
            run = Run(contact, links, detractors, recorded, outbox, injected, dropped, redriven, elapsed)
            report(http, executive, run)
    except RuntimeFailed as exc:
        print(f"faults: {exc}", file=sys.stderr)
        return 2
    return 0


@dataclass
class Run:
    """What one faulted run did, for its report."""

    contact: dict[str, str]
    links: dict[str, str]
    detractors: set[str]
    recorded: int
    # Every message to the run's customers: surveys (they carry a survey link) and notices.
    outbox: list[dict[str, Any]]
    injected: Counter[str]
    dropped: Counter[str]
    redriven: int
    elapsed: float


def report(http: Http, executive: str, run: Run) -> None:
    tickets = fetch_tickets(http, executive)
    ours = [t for t in tickets if t["customer"]["id"] in run.detractors]
    alerts = [
        a
        for a in http.json("/_local/alerts")
        if a["attributes"].get("ticket_id") in {t["ticket_id"] for t in ours}
    ]
    counted = http.session.get(
        f"{http.base_url}/v1/metrics",
        params={"scope": "all"},
        headers={"Authorization": f"Bearer {executive}"},
        timeout=30,
    ).json()
    surveys = Counter(run.contact[m["to"]] for m in run.outbox if m["survey_url"])
    notices = Counter(run.contact[m["to"]] for m in run.outbox if not m["survey_url"])
    per_response = Counter(t["response_id"] for t in ours)
    alert_keys = Counter((a["attributes"]["ticket_id"], a["attributes"]["kind"]) for a in alerts)
    extra_sends = sum(n - 1 for found in (surveys, notices, alert_keys) for n in found.values())
    dropped_sends = sum(run.dropped[service] for service in SENDING)
    ticketed = {t["customer"]["id"] for t in ours}
    alerted = {t["customer"]["id"] for t in ours if any(k[0] == t["ticket_id"] for k in alert_keys)}
    answered_detractors = run.detractors & set(run.links)
    rows = [
        ("events never surveyed", len(set(run.contact.values()) - set(surveys))),
        ("answers recorded", run.recorded),
        ("answers recorded but never counted", max(0, run.recorded - _responses(counted))),
        ("answers counted twice", max(0, _responses(counted) - run.recorded)),
        ("detractors without a ticket", len(answered_detractors - ticketed)),
        ("detractors without an alert", len(answered_detractors - alerted)),
        ("responses with more than one ticket", sum(1 for n in per_response.values() if n > 1)),
        ("surveys sent twice or more (customers)", sum(1 for n in surveys.values() if n > 1)),
        (
            "  as a share of surveys sent",
            f"{sum(n - 1 for n in surveys.values()) / max(1, sum(surveys.values())):.1%}",
        ),
        ("notices sent twice or more (customers)", sum(1 for n in notices.values() if n > 1)),
        ("alerts published twice or more (ticket, kind)", sum(1 for n in alert_keys.values() if n > 1)),
        ("  as a share of alerts", f"{sum(n - 1 for n in alert_keys.values()) / max(1, len(alerts)):.1%}"),
        ("messages through a dead-letter queue (redriven)", run.redriven),
        ("duplicated sends beyond those dropped after taking effect", max(0, extra_sends - dropped_sends)),
        ("faults injected", dict(run.injected)),
        # The sends that took effect unseen: each errs towards a duplicate (kernel/sends.py).
        ("sends dropped after taking effect", {s: run.dropped[s] for s in SENDING if run.dropped[s]}),
        ("elapsed", f"{run.elapsed:.0f} s"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


def _responses(metrics: dict[str, Any]) -> int:
    """The answers the live aggregates counted in the scope `all`."""
    return int(metrics["responses"])


if __name__ == "__main__":
    sys.exit(main())
