"""`cxloop demo`: an insurer's day through the whole loop, over real HTTP.

1. Starts `cxloop serve --port 0` in a subprocess (so the runtime gets the second
   core) and reads its base URL from the first line it prints; an analyst publishes the
   organisation and the assignment rules through the config API.
2. Plays the ERP of Seguros Andinos, an insurer with branches in Ecuador and Spain:
   signed `POST /v1/events` for claims reported, branch visits, contact-center calls
   and roadside assistance, for Spanish- and English-speaking customers (some prefer
   SMS, some have no email). Then shows the contract at work: repeats of accepted
   events answer 200 with the same interaction id, a forged signature gets 401.
3. Plays the customers: reads the local outbox, opens every survey link (GET, as a
   phone would) and answers about three in four through the link's form, over a
   few seconds rather than in one burst. Quito Sur is clearly the worst branch;
   detractors write comments in their language and some ask for a call back.
4. Waits until the tickets (staff API, executive token) and the alerts (SNS, read
   back through `/_local/alerts`) stop growing.
5. Plays the staff and the customers afterwards (infra/local/demo_casework.py): tickets
   worked with each owner's token, follow-ups answered (some reopen), the SLA watcher and
   the daily digest run as of later days, the health report per branch.
6. Prints the summary: scores per branch, country and overall computed with
   `cxloop.domain.feedback.metrics` from the answers the customers submitted, tickets by
   priority, alerts, the answer-to-alert time from the server's own clocks, and what
   case management did.

Everything is deterministic for a given seed except the survey tokens, ids and clocks.
Exits 0 when the loop closed and the cases were worked as expected, 1 when not (saying
why), 2 when the runtime did not start.
"""

from __future__ import annotations

import json
import math
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
import unicodedata
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import requests

from cxloop.domain.feedback.metrics import Counters, Estimate, ces, counters_for, csat, nps
from cxloop.domain.feedback.routing import DEFAULT_RULES, matches
from cxloop.domain.surveys.answers import parse_answers
from cxloop.domain.surveys.definitions import DEFAULT_SURVEY
from cxloop.domain.surveys.scoring import score_answers
from infra.local.auth import mint_token
from infra.local.cli import staff_secret, webhook_secret
from infra.local.demo_casework import Casebook, Desk, print_casework, publish_configuration, work_the_cases
from infra.local.demo_contacts import ContactBook, show_contact_policy
from infra.local.demo_metrics import check_metrics
from infra.local.erp import signed_headers

LOG_FILE = ".cxloop/demo-functions.log"
WORKERS = 6
HTTP_TIMEOUT_S = 10
START_TIMEOUT_S = 60
OUTBOX_TIMEOUT_S = 40
SETTLE_TIMEOUT_S = 45
ANSWER_RATE = 0.75
# Customers answer over the day, not all in the same second: the demo compresses the
# day into a steady stream of answers a second, which one local process keeps up with.
ANSWERS_PER_SECOND = 6
MARKUP_COMMENT = "Nadie me explica en qué estado está mi reclamo. <b>¡Tres semanas esperando!</b>"
# The survey's callback_time choices.
CALLBACK_TIMES = ("morning", "afternoon", "evening")
VISIT = "branch.visit_completed"

T = TypeVar("T")
R = TypeVar("R")


# --- the insurer --------------------------------------------------------------------


@dataclass(frozen=True)
class Branch:
    id: str
    name: str
    region: str
    country: str
    timezone: str
    # Shift of this branch's customers' answers: negative is a worse experience.
    mood: float


BRANCHES = (
    Branch("quito-norte", "Quito Norte", "pichincha", "EC", "America/Guayaquil", +0.8),
    Branch("quito-sur", "Quito Sur", "pichincha", "EC", "America/Guayaquil", -3.2),
    Branch("guayaquil-centro", "Guayaquil Centro", "guayas", "EC", "America/Guayaquil", 0.0),
    Branch("madrid-centro", "Madrid Centro", "madrid", "ES", "Europe/Madrid", +0.6),
    Branch("barcelona-eixample", "Barcelona Eixample", "cataluna", "ES", "Europe/Madrid", -0.6),
)
COUNTRY_NAMES = {"EC": "Ecuador", "ES": "España"}


@dataclass(frozen=True)
class Touchpoint:
    event_type: str
    source: str
    prefix: str
    suffix: str
    name: str
    channel: str
    weight: float
    # Shift of the effort score: roadside assistance is the hardest moment.
    effort: float


TOUCHPOINTS = (
    Touchpoint("claim.reported", "erp-claims", "CLM", "claims", "Siniestros", "branch", 0.25, -0.5),
    Touchpoint(
        "branch.visit_completed", "erp-branches", "VIS", "counter", "Atención al cliente", "branch", 0.35, 0.3
    ),
    Touchpoint(
        "call.closed", "contact-center", "CALL", "contact-center", "Centro de contacto", "phone", 0.3, 0.0
    ),
    Touchpoint(
        "roadside.assistance_completed", "roadside", "RSA", "roadside", "Asistencia vial", "field", 0.1, -1
    ),
)


def names(text: str) -> tuple[str, ...]:
    return tuple(text.split(", "))


# locale -> (first names, last names); Spanish speakers get two surnames.
PEOPLE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "es-EC": (
        names("María José, Ana, Luis, Carlos, Verónica, Jorge, Gabriela, Andrés, Diana, Xavier, Paola"),
        names("Pérez, Quishpe, Andrade, Zambrano, Cevallos, Guamán, Vera, Castro, Mosquera, Villacís"),
    ),
    "es-ES": (
        names("Lucía, Javier, Carmen, Pablo, Marta, Sergio, Laia, Jordi, Nuria, Álvaro, Elena, Iñaki"),
        names("García, Fernández, Martínez, López, Sánchez, Puig, Ferrer, Navarro, Romero, Vidal"),
    ),
    "en-US": (
        names("John, Emily, Michael, Sarah, David, Ashley, Kevin, Megan"),
        names("Johnson, Miller, Davis, Wilson, Anderson, Moore, Clark"),
    ),
    "en-GB": (
        names("Oliver, Amelia, Harry, Charlotte, George, Emily, Thomas, Sophie"),
        names("Thompson, Evans, Hughes, Wright, Roberts, Walker, Hall"),
    ),
}
ENGLISH_SHARE = 0.15
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
ROADSIDE_PROVIDERS = ("Grúas del Pacífico", "Auxilio Vial Andino", "Asistencia Iberia", "GruasMed")
# What customers write, by language and by what went wrong (or right).
COMMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "es": {
        "wait": (
            "Esperé más de una hora en la agencia y nadie me atendió.",
            "Me tuvieron 40 minutos en espera en el teléfono.",
            "La grúa tardó tres horas en llegar, con mis hijos en el carro.",
        ),
        "status": (
            "Nadie me sabe decir en qué estado está mi siniestro.",
            "Llevo dos semanas sin noticias del reclamo y cada persona me dice algo distinto.",
        ),
        "rude": (
            "La persona de ventanilla fue grosera y no quiso revisar mi póliza.",
            "El agente me colgó la llamada.",
        ),
        "dirty": (
            "La agencia estaba sucia y el baño daba asco.",
            "Había basura en la sala de espera y todo muy desordenado.",
        ),
        "better": (
            "Bien en general, pero tuve que llamar dos veces para confirmar la cita.",
            "Correcto, aunque el formulario del reclamo es demasiado largo.",
        ),
        "good": ("Muy amables y rápidos, gracias.", "Todo claro y resuelto en el día."),
    },
    "en": {
        "wait": (
            "I waited over an hour at the branch and nobody saw me.",
            "I was on hold for 40 minutes.",
            "The tow truck took three hours to arrive.",
        ),
        "status": (
            "Nobody can tell me the status of my claim.",
            "Two weeks and no news about my claim; everyone says something different.",
        ),
        "rude": ("The person at the counter was rude.", "The agent hung up on me."),
        "dirty": (
            "The branch was dirty and the toilets were filthy.",
            "There was trash in the waiting room and everything was messy.",
        ),
        "better": (
            "Fine overall, but I had to call twice to confirm the appointment.",
            "OK, although the claim form is far too long.",
        ),
        "good": ("Friendly and quick, thank you.", "Everything clear and sorted the same day."),
    },
}


def make_events(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """The ERP's events of the last hours, oldest first, one customer each."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=2 * count + 5)
    contacts: set[str] = set()
    events = []
    for number in range(1, count + 1):
        occurred = start + timedelta(minutes=2 * number + rng.randint(0, 1))
        events.append(make_event(number, rng, occurred, contacts))
    return events


def make_event(number: int, rng: random.Random, occurred: datetime, contacts: set[str]) -> dict[str, Any]:
    branch = rng.choice(BRANCHES)
    touchpoint = rng.choices(TOUCHPOINTS, weights=[t.weight for t in TOUCHPOINTS])[0]
    return {
        "event_id": f"{touchpoint.prefix}-2026-{number:06d}",
        "source": touchpoint.source,
        "event_type": touchpoint.event_type,
        "occurred_at": occurred.isoformat().replace("+00:00", "Z"),
        "customer": make_customer(number, rng, branch, contacts),
        "touchpoint": {
            "id": f"{branch.id}/{touchpoint.suffix}",
            "name": f"{touchpoint.name} · {branch.name}",
            "channel": touchpoint.channel,
            "branch": branch.id,
            "region": branch.region,
            "country": branch.country,
        },
        "attributes": attributes_for(touchpoint, rng),
    }


def attributes_for(touchpoint: Touchpoint, rng: random.Random) -> dict[str, str | int]:
    line = rng.choice(("AUTO", "AUTO", "HOGAR", "VIDA", "SALUD"))
    found: dict[str, str | int] = {"policy": f"{line}-{rng.randint(10000, 99999)}"}
    if touchpoint.event_type == "roadside.assistance_completed":
        found |= {
            "provider": rng.choice(ROADSIDE_PROVIDERS),
            "service": rng.choice(("towing", "battery", "tyre")),
        }
    else:
        found["agent_id"] = f"A-{rng.randint(1, 60):03d}"
    if touchpoint.event_type == "claim.reported":
        found["claim_number"] = f"SIN-{rng.randint(100000, 999999)}"
    if touchpoint.event_type == "call.closed":
        found["handle_time_s"] = rng.randint(90, 1500)
    return found


def make_customer(number: int, rng: random.Random, branch: Branch, contacts: set[str]) -> dict[str, Any]:
    locale = pick_locale(branch, rng)
    first_names, last_names = PEOPLE[locale]
    first = rng.choice(first_names)
    # Two surnames in Ecuador and Spain, one in the US and the UK.
    last = " ".join(rng.sample(last_names, 2 if locale.startswith("es") else 1))
    customer: dict[str, Any] = {
        "id": f"C-{104000 + number}",
        "name": f"{first} {last}",
        "locale": locale,
        "timezone": branch.timezone,
    }
    roll = rng.random()
    if roll < 0.85:  # most customers gave an email; 15 % only a phone number
        customer["email"] = unique(
            contacts, lambda: email_for(first, last, rng), f"cliente{number}@example.com"
        )
    if roll >= 0.10:  # 10 % gave only an email
        customer["phone"] = unique(contacts, lambda: phone_for(locale, rng), f"+59399{number:07d}")
    if "phone" in customer and "email" in customer:
        customer["preferred_channel"] = "sms" if rng.random() < 0.2 else "email"
    elif "phone" in customer:
        customer["preferred_channel"] = "sms"
    return customer


def pick_locale(branch: Branch, rng: random.Random) -> str:
    if rng.random() < ENGLISH_SHARE:
        return "en-US" if branch.country == "EC" else "en-GB"
    return f"es-{branch.country}"


def email_for(first: str, last: str, rng: random.Random) -> str:
    plain = (
        unicodedata.normalize("NFKD", f"{first}.{last.split(maxsplit=1)[0]}")
        .encode("ascii", "ignore")
        .decode()
    )
    local = plain.lower().replace(" ", "")
    style = rng.random()
    if style < 0.3:
        local = f"{local}{rng.randint(1, 99)}"
    elif style < 0.5:
        local = f"{local[0]}{local.split('.', 1)[1]}"
    return f"{local}@{rng.choice(EMAIL_DOMAINS)}"


def phone_for(locale: str, rng: random.Random) -> str:
    """E.164 mobiles; the US and UK ones from the ranges reserved for fiction."""
    if locale == "es-EC":
        return f"+5939{rng.randint(10_000_000, 99_999_999)}"
    if locale == "es-ES":
        return f"+34{rng.choice('67')}{rng.randint(10_000_000, 99_999_999)}"
    if locale == "en-US":
        return f"+1{rng.choice(('202', '312', '415', '617', '305'))}55501{rng.randint(0, 99):02d}"
    return f"+447700900{rng.randint(0, 999):03d}"


def unique(taken: set[str], make: Callable[[], str], fallback: str) -> str:
    """Contacts stay unique so each outbox message maps back to one event."""
    candidate = make()
    for _ in range(20):
        if candidate not in taken:
            break
        candidate = make()
    else:
        candidate = fallback
    taken.add(candidate)
    return candidate


def contact_of(event: dict[str, Any]) -> str:
    """Where send_survey sends: the phone for SMS lovers and customers without email."""
    customer = event["customer"]
    if customer.get("phone") and (customer.get("preferred_channel") == "sms" or not customer.get("email")):
        return str(customer["phone"])
    return str(customer["email"])


# --- the customers -------------------------------------------------------------------


@dataclass
class Plan:
    """One customer who will answer: the event, the link and the form fields."""

    event: dict[str, Any]
    url: str
    form: dict[str, str]

    @property
    def branch(self) -> str:
        return str(self.event["touchpoint"]["branch"])


@dataclass
class Answered:
    plan: Plan
    status: int
    posted_at: float = 0.0
    opened: bool = False


def answers_for(event: dict[str, Any], rng: random.Random) -> dict[str, str]:
    """Form fields as the survey page posts them; the branch's mood drives the scores."""
    branch = next(b for b in BRANCHES if b.id == event["touchpoint"]["branch"])
    touchpoint = next(t for t in TOUCHPOINTS if t.event_type == event["event_type"])
    score = clamp(round(rng.gauss(8.2 + branch.mood, 1.8)), 0, 10)
    form = {
        "nps": str(score),
        "csat": str(clamp(round(1 + score * 0.4 + rng.gauss(0, 0.6)), 1, 5)),
    }
    if rng.random() < 0.9:  # some skip the effort question
        form["ces"] = str(clamp(round(1.5 + score * 0.5 + touchpoint.effort + rng.gauss(0, 0.8)), 1, 7))
    language = event["customer"]["locale"][:2]
    if score <= 6 and rng.random() < 0.8:
        form["comment"] = rng.choice(COMMENTS[language][rng.choice(complaints_about(touchpoint))])
        ask_for_call(form, rng, share=0.45)
    elif score <= 8 and rng.random() < 0.15:  # a passive with a suggestion, now and then a call
        form["comment"] = rng.choice(COMMENTS[language]["better"])
        ask_for_call(form, rng, share=0.5)
    elif score >= 9 and rng.random() < 0.25:
        # The survey asks promoters what they liked (praise); it would drop a comment from them.
        form["praise"] = rng.choice(COMMENTS[language]["good"])
    return form


def complaints_about(touchpoint: Touchpoint) -> tuple[str, ...]:
    """What can go wrong; only a branch visit shows the premises (and their cleanliness)."""
    if touchpoint.event_type == VISIT:
        return ("wait", "status", "rude", "dirty")
    return ("wait", "status", "rude")


def ask_for_call(form: dict[str, str], rng: random.Random, *, share: float) -> None:
    """Yes or no to a call back; a yes says when suits them (the survey's callback_time)."""
    wants = rng.random() < share
    form["callback"] = "yes" if wants else "no"
    if wants:
        form["callback_time"] = rng.choice(CALLBACK_TIMES)


def clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def plan_answers(
    outbox: list[dict[str, Any]], events: list[dict[str, Any]], rng: random.Random
) -> tuple[list[Plan], list[str]]:
    """Who answers (in event order, so a seed always gives the same answers) and whose
    links are only opened."""
    link_of = {m["to"]: m["survey_url"] for m in outbox if m.get("survey_url")}
    plans, idle = [], []
    for event in events:
        url = link_of.get(contact_of(event))
        if url is None:
            continue
        if rng.random() < ANSWER_RATE:
            plans.append(Plan(event, url, answers_for(event, rng)))
        else:
            idle.append(url)
    with_markup = next((p for p in plans if is_spanish_detractor(p) and p.branch == "quito-sur"), None)
    if with_markup is not None:
        with_markup.form.update(comment=MARKUP_COMMENT, callback="yes")
        with_markup.form.setdefault("callback_time", "morning")
    complain_about_madrid_premises(plans)
    return plans, idle


def complain_about_madrid_premises(plans: list[Plan]) -> None:
    """Madrid Centro is a good branch with few detractors: one visitor there finds it dirty, so
    the analyst's Madrid cleanliness rule (data/assignment.yaml) has a case to route."""
    visitor = next((p for p in plans if p.branch == "madrid-centro" and p.event["event_type"] == VISIT), None)
    if visitor is None:
        return
    language = visitor.event["customer"]["locale"][:2]
    for dropped in ("praise", "callback_time"):
        visitor.form.pop(dropped, None)
    visitor.form.update(nps="4", csat="2", comment=COMMENTS[language]["dirty"][0], callback="no")


def is_spanish_detractor(plan: Plan) -> bool:
    return str(plan.event["customer"]["locale"]).startswith("es") and int(plan.form["nps"]) <= 6


def parsed(form: dict[str, str]) -> dict[str, object]:
    return parse_answers(DEFAULT_SURVEY, dict(form))


def opens_ticket(form: dict[str, str]) -> bool:
    """What the default routing rules will decide, so the demo knows what to wait for."""
    answers = parsed(form)
    return any(matches(rule["when"], answers) for rule in DEFAULT_RULES)


# --- HTTP ----------------------------------------------------------------------------


class Http:
    """One requests.Session per thread (sessions are not meant to be shared)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._local = threading.local()

    @property
    def session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session  # type: ignore[no-any-return]

    def get(self, path_or_url: str, **kwargs: Any) -> requests.Response:
        return self.session.get(self._url(path_or_url), timeout=HTTP_TIMEOUT_S, **kwargs)

    def post(self, path_or_url: str, **kwargs: Any) -> requests.Response:
        return self.session.post(self._url(path_or_url), timeout=HTTP_TIMEOUT_S, **kwargs)

    def json(self, path: str, **kwargs: Any) -> Any:
        answer = self.get(path, **kwargs)
        answer.raise_for_status()
        return answer.json()

    def _url(self, path_or_url: str) -> str:
        return path_or_url if path_or_url.startswith("http") else f"{self.base_url}{path_or_url}"


def post_event(http: Http, event: dict[str, Any], secret: str) -> requests.Response:
    body = json.dumps(event, ensure_ascii=False).encode()
    return http.post("/v1/events", data=body, headers=signed_headers(body, secret))


# --- progress ------------------------------------------------------------------------


def phase(tally: Tally, title: str) -> None:
    print(f"\n== {title} ==  [{time.monotonic() - tally.started:.1f} s]", flush=True)


def progress(label: str, done: int, total: int) -> None:
    """`\\r` updates on a terminal; a line per quarter otherwise (logs, CI)."""
    if sys.stdout.isatty():
        print(f"\r  {label}: {done}/{total}", end="\n" if done >= total else "", flush=True)
    elif done >= total or (total >= 4 and done % max(1, total // 4) == 0):
        print(f"  {label}: {done}/{total}", flush=True)


def run_all(label: str, items: list[T], work: Callable[[T], R]) -> list[R]:
    """`work` on every item with a small thread pool, counting as results come in."""
    results: list[R] = []
    progress(label, 0, len(items))
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for result in pool.map(work, items):
            results.append(result)
            progress(label, len(results), len(items))
    return results


# --- the runtime ---------------------------------------------------------------------


class RuntimeFailed(RuntimeError):
    pass


@dataclass
class Runtime:
    """`cxloop serve` in a subprocess; its output is drained so it never blocks on a full pipe."""

    process: subprocess.Popen[str]
    base_url: str = ""
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=40))

    def output(self) -> str:
        return "".join(self.lines).rstrip()


def start_runtime(log_file: str = LOG_FILE, timeout_s: float = START_TIMEOUT_S) -> Runtime:
    Path(log_file).parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "infra.local.cli", "serve", "--port", "0", "--log-file", log_file]
    # The runtime provisions its own (moto) resources; keep the caller's AWS settings away from it.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TABLE_", "QUEUE_", "TOPIC_"))}
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, fixed arguments
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, bufsize=1
    )
    runtime = Runtime(process)
    first_line: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_drain, args=(runtime, first_line), name="runtime-output", daemon=True).start()
    try:
        first = first_line.get(timeout=timeout_s)
        reason = "did not report ready" if first else "stopped before it was ready"
    except queue.Empty:
        first, reason = "", f"did not report ready within {timeout_s:.0f} s"
    if "ready at" not in first:
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=2)  # a failing start-up usually ends by itself; keep its exit code
        stop_runtime(runtime)
        raise RuntimeFailed(
            f"`cxloop serve` {reason} (exit code {process.returncode}); its output:\n"
            f"{runtime.output() or '(nothing)'}"
        )
    runtime.base_url = first.rsplit(" ", 1)[-1].strip()
    return runtime


def _drain(runtime: Runtime, first_line: queue.Queue[str]) -> None:
    assert runtime.process.stdout is not None
    for number, line in enumerate(runtime.process.stdout):
        runtime.lines.append(line)
        if number == 0:
            first_line.put(line)
    first_line.put("")  # the process ended (possibly before printing anything)


def stop_runtime(runtime: Runtime, timeout_s: float = 15) -> None:
    """SIGINT (what Ctrl-C sends) for an orderly stop; terminate, then kill, if it hangs."""
    process = runtime.process
    for stop in (lambda: process.send_signal(signal.SIGINT), process.terminate, process.kill):
        if process.poll() is not None:
            return
        stop()
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def running_runtime(log_file: str = LOG_FILE) -> Iterator[Runtime]:
    runtime = start_runtime(log_file)
    try:
        yield runtime
    finally:
        stop_runtime(runtime)


# --- the story -------------------------------------------------------------------------


@dataclass
class Tally:
    """What the demo did and saw, for the summary."""

    statuses: Counter[int] = field(default_factory=Counter)
    repeats: Counter[int] = field(default_factory=Counter)
    forged: int = 0
    second_answer: int = 0
    opened: int = 0
    answered: list[Answered] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    expected_tickets: int = 0
    casebook: Casebook = field(default_factory=Casebook)
    contacts: ContactBook = field(default_factory=ContactBook)
    # What the QR code part found wrong (empty when every check held).
    qr_problems: list[str] = field(default_factory=list)
    # Where GET /v1/metrics disagreed with the answers counted directly.
    metrics_problems: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    @property
    def recorded(self) -> list[Answered]:
        return [a for a in self.answered if a.status == 200]


def send_events(http: Http, events: list[dict[str, Any]], tally: Tally) -> None:
    phase(tally, f"Seguros Andinos' ERP reports {len(events)} customer moments (signed POST /v1/events)")
    kinds = Counter(e["event_type"] for e in events)
    print("  " + ", ".join(f"{n} {kind}" for kind, n in kinds.most_common()), flush=True)
    statuses = run_all("events posted", events, lambda e: post_event(http, e, webhook_secret()).status_code)
    tally.statuses.update(statuses)
    print(
        f"  answered: {', '.join(f'{n} x {code}' for code, n in sorted(tally.statuses.items()))}", flush=True
    )


def show_contract(http: Http, events: list[dict[str, Any]], tally: Tally) -> None:
    phase(tally, "the webhook contract: repeats are idempotent, forgeries are refused")
    for event in events[:3]:
        answer = post_event(http, event, webhook_secret())
        tally.repeats[answer.status_code] += 1
        print(f"  repeat of {event['event_id']}: {answer.status_code} {answer.json().get('interaction_id')}")
    forged = post_event(http, events[0], "a-guessed-secret")
    tally.forged = forged.status_code
    code = forged.json().get("error", {}).get("code")
    print(f"  same event signed with a wrong secret: {forged.status_code} {code}", flush=True)


def wait_for_outbox(http: Http, expected: int, tally: Tally) -> None:
    phase(tally, "send_survey messages the customers (read back from /_local/outbox)")
    deadline = time.monotonic() + OUTBOX_TIMEOUT_S
    seen = -1
    while time.monotonic() < deadline:
        tally.outbox = http.json("/_local/outbox")
        if len(tally.outbox) != seen:
            seen = len(tally.outbox)
            progress("surveys sent", min(seen, expected), expected)
        if seen >= expected:
            return
        time.sleep(0.25)
    print(f"  only {seen} of {expected} surveys went out within {OUTBOX_TIMEOUT_S} s", flush=True)


def answer_surveys(http: Http, plans: list[Plan], idle: list[str], tally: Tally) -> None:
    phase(
        tally,
        f"customers open their links (GET) and {len(plans)} of {len(plans) + len(idle)} answer (POST), "
        f"~{ANSWERS_PER_SECOND} a second",
    )
    opened = run_all("links only opened", idle, lambda url: http.get(url).status_code == 200)
    first_slot = time.monotonic() + 0.2

    def answer(numbered: tuple[int, Plan]) -> Answered:
        number, plan = numbered
        time.sleep(max(0.0, first_slot + number / ANSWERS_PER_SECOND - time.monotonic()))
        page = http.get(plan.url)  # the customer reads the survey first; a GET changes nothing
        posted_at = time.time()
        status = http.post(plan.url, data=plan.form).status_code
        return Answered(plan, status, posted_at, opened='name="nps"' in page.text)

    tally.answered = run_all("opened and answered", list(enumerate(plans)), answer)
    tally.opened = sum(opened) + sum(a.opened for a in tally.answered)
    if plans:
        again = http.post(plans[0].url, data={"nps": "0"})
        tally.second_answer = again.status_code
        print(f"  a second answer on an answered link: {again.status_code} (recorded once)", flush=True)


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


# --- the summary -------------------------------------------------------------------------


def counters(forms: Iterable[dict[str, str]]) -> Counters:
    """Roll up exactly as the live aggregates do: per-answer counters, added."""
    total = Counters()
    for form in forms:
        total += counters_for(score_answers(parsed(form)))
    return total


def estimate(value: Estimate, unit: str = "", digits: int = 0) -> str:
    if value.value is None:
        return "-"
    text = f"{value.value:.{digits}f}{unit}"
    if value.low is not None and value.high is not None:
        text += f" [{value.low:.0f}, {value.high:.0f}]"
    return text


def score_row(label: str, forms: list[dict[str, str]]) -> str:
    count = counters(forms)
    score = nps(count.promoters, count.passives, count.detractors)
    satisfied = csat(count.csat_satisfied, count.csat_answers)
    effort = ces(count.ces_sum, count.ces_answers)
    easy = f"{100 * count.ces_easy / count.ces_answers:.0f} %" if count.ces_answers else "-"
    flag = " *" if score.small_sample else ""
    return (
        f"  {label:<24}{score.n:>4}  {estimate(score):<17}{estimate(satisfied, ' %'):<19}"
        f"{estimate(effort, digits=2):>5}  {easy:>5}{flag}"
    )


def print_scores(recorded: list[Answered]) -> None:
    print("scores, from the answers the customers submitted (95 % intervals; * fewer than 30 answers):")
    print(f"  {'scope':<24}{'n':>4}  {'NPS':<17}{'CSAT (4-5)':<19}{'CES':>5}  {'easy':>5}")
    print(score_row("all", [a.plan.form for a in recorded]))
    for country, name in COUNTRY_NAMES.items():
        in_country = [a for a in recorded if a.plan.event["touchpoint"]["country"] == country]
        print(score_row(f"{name} ({country})", [a.plan.form for a in in_country]))
        for branch in (b for b in BRANCHES if b.country == country):
            print(
                score_row(f"  {branch.id}", [a.plan.form for a in in_country if a.plan.branch == branch.id])
            )


def latencies_ms(tickets: list[dict[str, Any]], alerts: list[dict[str, Any]]) -> list[float]:
    """Server clocks only: ticket.answered_at (survey_page) to alert.published_at (SNS)."""
    published = {a["attributes"].get("ticket_id"): datetime.fromisoformat(a["published_at"]) for a in alerts}
    return sorted(
        (published[t["ticket_id"]] - datetime.fromisoformat(t["answered_at"])).total_seconds() * 1000
        for t in tickets
        if t["ticket_id"] in published
    )


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not values:
        return float("nan")
    return values[max(0, min(len(values), math.ceil(share * len(values))) - 1)]


def counted(counter: Counter[str]) -> str:
    return ", ".join(f"{n} {key}" for key, n in counter.most_common()) or "none"


def print_summary(tally: Tally) -> None:
    phase(tally, "summary")
    recorded = tally.recorded
    forms = [a.plan.form for a in recorded]
    repeats = " ".join(map(str, sorted(tally.repeats.elements())))
    print(
        f"ERP events        {sum(tally.statuses.values())} posted, {tally.statuses[202]} accepted (202); "
        f"repeats -> {repeats} (same id); forged signature -> {tally.forged}"
    )
    print(f"surveys sent      {len(tally.outbox)}: {counted(Counter(m['channel'] for m in tally.outbox))}")
    print(
        f"answers           {len(recorded)} recorded of {len(tally.answered)} posted, "
        f"{tally.opened} links opened; {sum('comment' in f for f in forms)} with a comment, "
        f"{sum('praise' in f for f in forms)} with praise, "
        f"{sum(f.get('callback') == 'yes' for f in forms)} asking for a call back"
    )
    print_scores(recorded)
    print(
        f"tickets opened    {len(tally.tickets)} ({counted(Counter(t['priority'] for t in tally.tickets))}); "
        f"{tally.expected_tickets} expected from the routing rules"
    )
    print(f"by branch         {counted(Counter(t['branch'] for t in tally.tickets))}")
    severities = Counter(str(a["attributes"].get("severity")) for a in tally.alerts)
    print(f"alerts published  {len(tally.alerts)} on SNS ({counted(severities)})")
    delays = latencies_ms(tally.tickets, tally.alerts)
    print(
        f"answer -> alert   p50 {percentile(delays, 0.5):.0f} ms, p95 {percentile(delays, 0.95):.0f} ms, "
        f"max {max(delays, default=float('nan')):.0f} ms over {len(delays)} alerts"
    )
    print("                  (server clocks: the ticket's answered_at to the alert's published_at)")
    print_markup_ticket(tally.tickets)
    print_casework(tally.casebook)
    print(f"wall time         {time.monotonic() - tally.started:.1f} s (start-up included)")


def print_markup_ticket(tickets: list[dict[str, Any]]) -> None:
    ticket = next((t for t in tickets if "<b>" in (t.get("comment") or "")), None)
    if ticket is not None:
        print(f"stored as text    {ticket['ticket_id']} comment: {ticket['comment']!r}")


# --- a QR code at a counter (issue 5 point 3) ---------------------------------------------

QR_TOUCHPOINT = {"id": "quito-norte/qr-counter", "name": "Mostrador Quito Norte", "branch": "quito-norte"}
QR_ANSWERS = (
    {"nps": "3", "comment": "Nadie en el mostrador durante veinte minutos"},
    {"nps": "9"},
    {"nps": "10"},
)
QR_CARD = Path(".cxloop/qr-quito-norte-counter.svg")
QR_TIMEOUT_S = 20


def show_qr_code(http: Http, tally: Tally) -> list[str]:
    """Quito Norte's manager prints a code for the counter; three people scan it and answer
    anonymously (one detractor). Answers what went wrong, for the verdict."""
    phase(tally, "a QR code at Quito Norte's counter: anonymous answers that belong to the touchpoint")
    token = mint_token(
        staff_secret(), role="branch_manager", scope="branch:quito-norte", user="ec-qn-manager"
    )
    manager = {"Authorization": f"Bearer {token}"}
    created = http.post("/v1/qr-codes", json={"touchpoint": QR_TOUCHPOINT}, headers=manager)
    if created.status_code != 201:
        return [f"creating a QR code answered {created.status_code}"]
    code = created.json()
    QR_CARD.parent.mkdir(exist_ok=True)
    QR_CARD.write_text(http.get(code["image"], headers=manager).text, encoding="utf-8")
    print(f"  {code['qr_id']} for {QR_TOUCHPOINT['id']}: printable card saved to {QR_CARD}", flush=True)
    for form in QR_ANSWERS:
        scanned = http.session.get(code["url"], allow_redirects=False, timeout=HTTP_TIMEOUT_S)
        if scanned.status_code != 303:
            return [f"a QR scan answered {scanned.status_code}"]
        http.post(scanned.headers["Location"], data=form)
    print(f"  {len(QR_ANSWERS)} scans, each a fresh survey link (303), answered anonymously", flush=True)
    return qr_outcome(http, mint_token(staff_secret(), role="executive", user="demo-executive"))


def qr_outcome(http: Http, token: str) -> list[str]:
    headers = {"Authorization": f"Bearer {token}"}
    today = datetime.now(UTC).date().isoformat()
    query = {"scope": f"touchpoint:{QR_TOUCHPOINT['id']}", "from": today, "to": today}
    deadline = time.monotonic() + QR_TIMEOUT_S
    scores: dict[str, Any] = {}
    ticket: dict[str, Any] | None = None
    while time.monotonic() < deadline and (scores.get("responses") != len(QR_ANSWERS) or ticket is None):
        scores = http.json("/v1/metrics", params=query, headers=headers)
        listed = http.json("/v1/tickets", params={"branch": "quito-norte", "limit": 200}, headers=headers)
        ticket = next((t for t in listed["items"] if t["touchpoint"]["id"] == QR_TOUCHPOINT["id"]), None)
        time.sleep(0.25)
    nps = scores.get("nps", {})
    print(
        f"  GET /v1/metrics scope=touchpoint:{QR_TOUCHPOINT['id']}: {scores.get('responses')} answers, "
        f"NPS {nps.get('value')} ({nps.get('promoters')} promoters, {nps.get('detractors')} detractor)",
        flush=True,
    )
    if ticket is not None:
        anonymous = ticket["customer"].get("anonymous")
        print(
            f"  the detractor's ticket {ticket['ticket_id']}: anonymous={anonymous}, no call back", flush=True
        )
    problems = []
    if scores.get("responses") != len(QR_ANSWERS):
        problems.append(f"the QR touchpoint counts {scores.get('responses')} of {len(QR_ANSWERS)} answers")
    if ticket is None or not ticket["customer"].get("anonymous"):
        problems.append("the QR detractor's anonymous ticket is missing")
    return problems


# --- running it ------------------------------------------------------------------------


def run_demo(events: int = 200, seed: int = 7) -> int:
    started = time.monotonic()
    print("== starting the local runtime (moto server, HTTP gateway, queue pollers) ==", flush=True)
    Path(LOG_FILE).unlink(missing_ok=True)  # this run's function logs only
    stop_on_sigterm()
    try:
        with running_runtime() as runtime:
            print(f"  ready at {runtime.base_url} in {time.monotonic() - started:.1f} s", flush=True)
            print(f"  function logs: {LOG_FILE}", flush=True)
            outcome = play_safely(runtime, events, seed, Tally(started=started))
            print("\n== stopping the local runtime ==", flush=True)
    except RuntimeFailed as exc:
        print(f"cxloop demo: {exc}", file=sys.stderr)
        return 2
    print(f"  stopped; {time.monotonic() - started:.1f} s in all", flush=True)
    return outcome


def stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C does, so the runtime subprocess is always stopped."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def play_safely(runtime: Runtime, events: int, seed: int, tally: Tally) -> int:
    try:
        return play(Http(runtime.base_url), events, random.Random(seed), tally)
    except requests.RequestException as exc:
        print(f"\ncxloop demo: the runtime stopped answering: {exc}", file=sys.stderr)
        print(runtime.output(), file=sys.stderr)
        return 1


def play(http: Http, count: int, rng: random.Random, tally: Tally) -> int:
    desk = Desk.open(http, lambda title: phase(tally, title), rng)
    publish_configuration(desk)
    events = make_events(count, rng)
    send_events(http, events, tally)
    show_contract(http, events, tally)
    wait_for_outbox(http, tally.statuses[202], tally)
    plans, idle = plan_answers(tally.outbox, events, rng)
    answer_surveys(http, plans, idle, tally)
    tally.expected_tickets = sum(opens_ticket(a.plan.form) for a in tally.recorded)
    token = mint_token(staff_secret(), role="executive", user="demo-executive")
    settle(http, token, tally)
    tally.metrics_problems = check_metrics_api(http, token, tally)
    desk.forms = {a.plan.event["customer"]["id"]: a.plan.form for a in tally.recorded}
    desk.contacts = frozenset(contact_of(event) for event in events)
    work_the_cases(desk)
    tally.casebook = desk.book
    print_summary(tally)
    # After the summary: the policy it publishes must not touch the day's surveys.
    tally.contacts = show_contact_policy(desk)
    tally.qr_problems = show_qr_code(http, tally)
    return verdict(tally)


def verdict(tally: Tally) -> int:
    problems = []
    if tally.statuses[202] == 0:
        problems.append("no event was accepted")
    if not tally.recorded:
        problems.append("no answer was recorded")
    if len(tally.tickets) < tally.expected_tickets:
        problems.append(f"{tally.expected_tickets - len(tally.tickets)} tickets missing")
    if len(tally.alerts) < len(tally.tickets):
        problems.append(f"{len(tally.tickets) - len(tally.alerts)} alerts missing")
    problems += tally.casebook.problems()
    problems += tally.contacts.problems()
    problems += tally.qr_problems
    problems += tally.metrics_problems
    if problems:
        print(
            f"\ncxloop demo: the loop did not close: {'; '.join(problems)} (see {LOG_FILE})", file=sys.stderr
        )
        return 1
    print(
        "\nthe loop closed: every bad answer became a ticket and an alert; tickets were worked, "
        "followed up, reminded and escalated; "
        "the contact policy made each of its decisions; a QR code's anonymous answers counted."
    )
    return 0
