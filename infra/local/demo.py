"""`cxloop demo`: an insurer's day through the whole loop, over real HTTP.

Starts `cxloop serve` in a subprocess (so the runtime has the second core), plays
an ERP sending signed events for Seguros Andinos (branches in Ecuador and Spain;
claims, branch visits, contact-center calls, roadside assistance; Spanish- and
English-speaking customers on email and SMS), then plays the customers: each
opens the link found in the outbox and most of them answer, with one branch
clearly worse than the others. Ends with a summary.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from cxloop.domain import metrics
from cxloop.domain.scoring import nps_category
from infra.local.auth import mint_token
from infra.local.defaults import STAFF_TOKEN_SECRET, WEBHOOK_SECRET
from infra.local.erp import signed_headers

WORKERS = 6
SETTLE_TIMEOUT_S = 30
ANSWER_RATE = 0.75
# Customers answer over the day, not in the same second: the demo compresses the
# day to a few answers a second, which one local process keeps up with.
ANSWERS_PER_SECOND = 5


@dataclass(frozen=True)
class Branch:
    id: str
    name: str
    region: str
    country: str
    language: str
    # How this branch's customers feel, as a shift of the NPS answer.
    mood: int


BRANCHES = (
    Branch("quito-norte", "Quito Norte", "pichincha", "EC", "es", +1),
    Branch("quito-sur", "Quito Sur", "pichincha", "EC", "es", -3),
    Branch("guayaquil-centro", "Guayaquil Centro", "guayas", "EC", "es", 0),
    Branch("madrid-centro", "Madrid Centro", "madrid", "ES", "es", +1),
    Branch("barcelona-eixample", "Barcelona Eixample", "cataluna", "ES", "es", -1),
)
TOUCHPOINTS = (
    ("claim.reported", "claims", "Siniestros", "Claims desk", "branch"),
    ("branch.visit_completed", "counter", "Atención en agencia", "Branch counter", "branch"),
    ("call.closed", "contact-center", "Centro de contacto", "Contact center", "phone"),
    ("roadside.assistance_completed", "roadside", "Asistencia vial", "Roadside assistance", "field"),
)
FIRST_NAMES = {
    "es": (
        "Ana",
        "Luis",
        "María",
        "Carlos",
        "Lucía",
        "Jorge",
        "Sofía",
        "Diego",
        "Valeria",
        "Andrés",
        "Carmen",
    ),
    "en": ("John", "Emily", "Michael", "Sarah", "David", "Laura", "James", "Olivia"),
}
LAST_NAMES = {
    "es": (
        "Pérez",
        "García",
        "Quishpe",
        "Andrade",
        "Torres",
        "Martínez",
        "López",
        "Sánchez",
        "Ortega",
        "Vera",
    ),
    "en": ("Carter", "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Clark"),
}
COMMENTS = {
    "es": (
        "Esperé más de una hora y nadie me dio información del siniestro.",
        "El ajustador nunca llegó y tuve que llamar tres veces.",
        "La persona de la ventanilla fue descortés.",
        "No entiendo en qué estado está mi reclamo. <b>Nadie responde</b>.",
    ),
    "en": (
        "I waited over an hour and nobody told me anything about my claim.",
        "The tow truck arrived three hours late.",
        "Nobody can tell me the status of my claim.",
    ),
}
PHONE_PREFIX = {"EC": "+59399", "ES": "+3461", "US": "+1202555"}


@dataclass
class Tally:
    """What the demo did and saw, for the summary."""

    statuses: Counter[int] = field(default_factory=Counter)
    answered: list[dict[str, Any]] = field(default_factory=list)
    opened: int = 0
    started: float = field(default_factory=time.monotonic)


# --- the insurer's ERP -------------------------------------------------------------


def make_events(count: int, rng: random.Random) -> list[dict[str, Any]]:
    start = datetime.now(UTC) - timedelta(hours=6)
    return [make_event(i, rng, start + timedelta(minutes=i)) for i in range(count)]


def make_event(number: int, rng: random.Random, occurred: datetime) -> dict[str, Any]:
    branch = rng.choice(BRANCHES)
    event_type, suffix, name_es, name_en, channel = rng.choice(TOUCHPOINTS)
    english = rng.random() < 0.2
    language = "en" if english else branch.language
    locale = {"en": "en-US" if branch.country == "EC" else "en-GB", "es": f"es-{branch.country}"}[language]
    return {
        "event_id": f"{event_type.split('.')[0]}-2026-{number:06d}",
        "source": "erp-core",
        "event_type": event_type,
        "occurred_at": occurred.isoformat(timespec="seconds"),
        "customer": make_customer(number, rng, language, locale, branch.country),
        "touchpoint": {
            "id": f"{branch.id}/{suffix}",
            "name": f"{name_en if english else name_es} · {branch.name}",
            "channel": channel,
            "branch": branch.id,
            "region": branch.region,
            "country": branch.country,
        },
        "attributes": {"policy": f"AUTO-{rng.randint(10000, 99999)}", "agent_id": f"A-{rng.randint(1, 40)}"},
    }


def make_customer(
    number: int, rng: random.Random, language: str, locale: str, country: str
) -> dict[str, Any]:
    first, last = rng.choice(FIRST_NAMES[language]), rng.choice(LAST_NAMES[language])
    customer: dict[str, Any] = {
        "id": f"C-{10000 + number}",
        "name": f"{first} {last}",
        "locale": locale,
        "timezone": "America/Guayaquil" if country == "EC" else "Europe/Madrid",
        "phone": f"{PHONE_PREFIX[country]}{rng.randint(1000000, 9999999)}",
    }
    roll = rng.random()
    if roll < 0.7:
        customer["email"] = f"{first}.{last}.{number}@example.com".lower().encode("ascii", "ignore").decode()
        customer["preferred_channel"] = "email"
    elif roll < 0.9:
        customer["email"] = f"cliente{number}@example.com"
        customer["preferred_channel"] = "sms"
    return customer


def send_events(http: requests.Session, base_url: str, events: list[dict[str, Any]], tally: Tally) -> None:
    def send(event: dict[str, Any]) -> int:
        body = json.dumps(event, ensure_ascii=False).encode()
        answer = http.post(f"{base_url}/v1/events", data=body, headers=signed_headers(body, WEBHOOK_SECRET))
        return answer.status_code

    for status in run_with_progress("ERP events sent", events, send):
        tally.statuses[status] += 1


def show_idempotency_and_signatures(
    http: requests.Session, base_url: str, events: list[dict[str, Any]]
) -> None:
    for event in events[:3]:
        body = json.dumps(event, ensure_ascii=False).encode()
        answer = http.post(f"{base_url}/v1/events", data=body, headers=signed_headers(body, WEBHOOK_SECRET))
        print(f"  repeat of {event['event_id']}: {answer.status_code} {answer.json()['interaction_id']}")
    body = json.dumps(events[0]).encode()
    forged = http.post(f"{base_url}/v1/events", data=body, headers=signed_headers(body, "a-guessed-secret"))
    print(f"  badly signed event: {forged.status_code} {forged.json()['error']['code']}")


# --- the customers -------------------------------------------------------------------


def answers_for(event: dict[str, Any], rng: random.Random) -> dict[str, str]:
    mood = next(b.mood for b in BRANCHES if b.id == event["touchpoint"]["branch"])
    nps = max(0, min(10, round(rng.gauss(8 + mood, 2.2))))
    csat = max(1, min(5, round(nps / 2.2 + rng.gauss(0.5, 0.6))))
    ces = max(1, min(7, round(nps * 0.6 + rng.gauss(1, 1))))
    answers = {"nps": str(nps), "csat": str(csat), "ces": str(ces)}
    language = event["customer"]["locale"][:2]
    if nps <= 6 and rng.random() < 0.8:
        answers["comment"] = rng.choice(COMMENTS[language])
        answers["callback"] = "yes" if rng.random() < 0.5 else "no"
    return answers


def answer_surveys(
    http: requests.Session, base_url: str, events: list[dict[str, Any]], rng: random.Random, tally: Tally
) -> None:
    by_contact = {contact_of(event): event for event in events}
    outbox = wait_for_outbox(http, base_url, len(events))
    plans: list[tuple[int, str, dict[str, Any], dict[str, str]]] = []
    for message in outbox:
        event = by_contact.get(message["to"])
        if event and message["survey_url"] and rng.random() < ANSWER_RATE:
            plans.append((len(plans), message["survey_url"], event, answers_for(event, rng)))

    first_slot = time.monotonic()

    def answer(plan: tuple[int, str, dict[str, Any], dict[str, str]]) -> dict[str, Any]:
        number, url, event, answers = plan
        time.sleep(max(0.0, first_slot + number / ANSWERS_PER_SECOND - time.monotonic()))
        http.get(url)  # the customer opens the link first; that changes nothing
        posted = http.post(url, data=answers)
        return {"event": event, "answers": answers, "status": posted.status_code}

    tally.opened = len(outbox)
    tally.answered = list(run_with_progress("surveys answered", plans, answer))


def contact_of(event: dict[str, Any]) -> str:
    customer = event["customer"]
    uses_sms = customer.get("preferred_channel") == "sms" or not customer.get("email")
    return str(customer["phone"] if uses_sms else customer["email"])


def wait_for_outbox(http: requests.Session, base_url: str, expected: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    outbox: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        outbox = http.get(f"{base_url}/_local/outbox").json()
        progress("surveys sent", len(outbox), expected)
        if len(outbox) >= expected:
            break
        time.sleep(0.2)
    print()
    return outbox


# --- watching the loop close ---------------------------------------------------------


def settle(http: requests.Session, base_url: str, token: str, expected_tickets: int) -> list[dict[str, Any]]:
    """Wait until every expected ticket exists and its alert is out (or time runs out)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    tickets: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        tickets = fetch_tickets(http, base_url, token)
        alerts = http.get(f"{base_url}/_local/alerts").json()
        progress("tickets and alerts", min(len(tickets), len(alerts)), expected_tickets)
        if len(tickets) >= expected_tickets and len(alerts) >= expected_tickets:
            break
        time.sleep(0.2)
    print()
    return tickets


def fetch_tickets(http: requests.Session, base_url: str, token: str) -> list[dict[str, Any]]:
    answer = http.get(f"{base_url}/v1/tickets?limit=200", headers={"Authorization": f"Bearer {token}"})
    return list(answer.json()["items"])


def wants_ticket(answers: dict[str, str]) -> bool:
    """The default routing rules: a detractor, or CSAT 2 or lower."""
    return int(answers["nps"]) <= 6 or int(answers.get("csat", "5")) <= 2


# --- output --------------------------------------------------------------------------


def progress(label: str, done: int, total: int) -> None:
    end = "" if sys.stdout.isatty() else "\n"
    if sys.stdout.isatty() or done in (0, total) or done % 50 == 0:
        print(f"\r  {label}: {done}/{total}", end=end, flush=True)


def run_with_progress(label: str, items: list[Any], work: Callable[[Any], Any]) -> Iterable[Any]:
    results = []
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for done, result in enumerate(pool.map(work, items), start=1):
            progress(label, done, len(items))
            results.append(result)
    print()
    return results


def estimate(
    value: float | None, low: float | None = None, high: float | None = None, digits: int = 0
) -> str:
    if value is None:
        return "—"
    interval = f" [{low:.{digits}f}, {high:.{digits}f}]" if low is not None and high is not None else ""
    return f"{value:.{digits}f}{interval}"


def print_scores(answered: list[dict[str, Any]]) -> None:
    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    for item in answered:
        touchpoint = item["event"]["touchpoint"]
        for scope in ("all", f"country:{touchpoint['country']}", f"branch:{touchpoint['branch']}"):
            groups[scope].append(item["answers"])
    print(f"  {'scope':<28}{'n':>4}  {'NPS [95% CI]':<22}{'CSAT % [95% CI]':<22}{'CES':>5}")
    for scope in sorted(groups, key=lambda s: (s != "all", not s.startswith("country"), s)):
        print("  " + score_row(scope, groups[scope]))


def score_row(scope: str, answers: list[dict[str, str]]) -> str:
    categories = Counter(nps_category(int(a["nps"])) for a in answers)
    nps = metrics.nps(categories["promoter"], categories["passive"], categories["detractor"])
    csat_values = [int(a["csat"]) for a in answers if "csat" in a]
    ces_values = [int(a["ces"]) for a in answers if "ces" in a]
    csat = metrics.csat(sum(v >= 4 for v in csat_values), len(csat_values))
    ces = metrics.ces(sum(ces_values), len(ces_values))
    flag = " (n<30)" if nps.small_sample else ""
    return (
        f"{scope:<28}{nps.n:>4}  {estimate(nps.value, nps.low, nps.high):<22}"
        f"{estimate(csat.value, csat.low, csat.high):<22}{estimate(ces.value, digits=2):>5}{flag}"
    )


def latency_ms(tickets: list[dict[str, Any]], alerts: list[dict[str, Any]]) -> list[float]:
    """answered_at (server) to the alert's publication, per ticket."""
    published = {a["attributes"]["ticket_id"]: datetime.fromisoformat(a["published_at"]) for a in alerts}
    return sorted(
        (published[t["ticket_id"]] - datetime.fromisoformat(t["answered_at"])).total_seconds() * 1000
        for t in tickets
        if t["ticket_id"] in published
    )


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, round(share * (len(values) - 1)))] if values else float("nan")


def print_summary(
    tally: Tally, tickets: list[dict[str, Any]], alerts: list[dict[str, Any]], outbox: list[Any]
) -> None:
    channels = Counter(m["channel"] for m in outbox)
    recorded = [a for a in tally.answered if a["status"] == 200]
    print("\n== cxloop demo summary ==")
    print(
        f"events accepted:   {tally.statuses[202]} new, {tally.statuses[200]} repeats, other {_others(tally)}"
    )
    print(f"surveys sent:      {len(outbox)} ({', '.join(f'{n} {c}' for c, n in sorted(channels.items()))})")
    print(f"answers:           {len(recorded)} recorded of {len(tally.answered)} submitted")
    print_scores(recorded)
    priorities = Counter(t["priority"] for t in tickets)
    print(
        f"tickets opened:    {len(tickets)} ({', '.join(f'{n} {p}' for p, n in sorted(priorities.items()))})"
    )
    print(f"alerts published:  {len(alerts)}")
    delays = latency_ms(tickets, alerts)
    print(
        f"answer-to-alert:   p50 {percentile(delays, 0.5):.0f} ms, p95 {percentile(delays, 0.95):.0f} ms "
        f"over {len(delays)} alerts"
    )
    print(f"wall time:         {time.monotonic() - tally.started:.1f} s")


def _others(tally: Tally) -> str:
    return str(sum(n for status, n in tally.statuses.items() if status not in (200, 202)))


# --- running it ----------------------------------------------------------------------


def start_runtime() -> tuple[subprocess.Popen[str], str]:
    Path(".cxloop").mkdir(exist_ok=True)
    command = [sys.executable, "-m", "infra.local.cli", "serve", "--port", "0"]
    command += ["--log-file", ".cxloop/demo-functions.log"]
    # Our own interpreter and module, fixed arguments: nothing here comes from input.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # noqa: S603
    assert process.stdout is not None
    first = process.stdout.readline()
    if "ready at" not in first:
        process.kill()
        raise RuntimeError(f"the local runtime did not start:\n{first}{process.stdout.read()}")
    return process, first.rsplit(" ", 1)[-1].strip()


def stop_runtime(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def run_demo(events: int = 200, seed: int = 7) -> int:
    rng = random.Random(seed)
    print("== starting the local runtime (moto server, gateway, queue pollers) ==", flush=True)
    process, base_url = start_runtime()
    try:
        return play(base_url, events, rng)
    finally:
        stop_runtime(process)


def play(base_url: str, count: int, rng: random.Random) -> int:
    print(f"  ready at {base_url}; function logs in .cxloop/demo-functions.log")
    http = requests.Session()
    http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=WORKERS * 2))
    tally = Tally()
    events = make_events(count, rng)
    print(f"== Seguros Andinos' ERP reports {count} customer moments ==", flush=True)
    send_events(http, base_url, events, tally)
    show_idempotency_and_signatures(http, base_url, events)
    print("== customers open their links and answer ==", flush=True)
    answer_surveys(http, base_url, events, rng, tally)
    expected = sum(1 for a in tally.answered if a["status"] == 200 and wants_ticket(a["answers"]))
    print(f"== waiting for {expected} tickets and alerts ==", flush=True)
    token = mint_token(STAFF_TOKEN_SECRET, role="executive", user="demo-executive")
    tickets = settle(http, base_url, token, expected)
    alerts = http.get(f"{base_url}/_local/alerts").json()
    outbox = http.get(f"{base_url}/_local/outbox").json()
    print_summary(tally, tickets, alerts, outbox)
    if tally.statuses[202] == 0 or not tally.answered or len(tickets) < expected:
        print("the loop did not close: see .cxloop/demo-functions.log", file=sys.stderr)
        return 1
    return 0
