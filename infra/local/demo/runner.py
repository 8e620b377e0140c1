"""`cxloop demo`'s order of play, and its verdict (exit 0 when the loop closed, 1 when not,
2 when the runtime did not start)."""

from __future__ import annotations

import random
import socket
import sys
import time
from pathlib import Path

import requests

from cxloop.datafile import load_organisation_file
from infra.local.auth import mint_token
from infra.local.datadir import DEFAULT_DATA_DIR, DataDirError, set_aside
from infra.local.defaults import DEFAULT_HOST, DEFAULT_PORT, staff_secret
from infra.local.demo.answers import opens_ticket, plan_answers
from infra.local.demo.casework.desk import DATA, Desk, publish_configuration
from infra.local.demo.casework.steps import work_the_cases
from infra.local.demo.contacts.default import show_default_manners
from infra.local.demo.contacts.policy import show_contact_policy
from infra.local.demo.events import make_events, send_events, show_contract
from infra.local.demo.explore import from_a_terminal, serve_until_interrupted
from infra.local.demo.helpdesk import publish_connectors, show_helpdesk
from infra.local.demo.http import Http
from infra.local.demo.insurer import contact_of
from infra.local.demo.past import play_history
from infra.local.demo.qr import show_qr_code
from infra.local.demo.summary import print_summary
from infra.local.demo.surveys import answer_surveys, wait_for_outbox
from infra.local.demo.tally import Tally, phase
from infra.local.demo.tickets import check_metrics_api, settle
from infra.local.served import RuntimeFailed, Served, running_served, stop_on_sigterm

LOG_FILE = Path(".cxloop/demo-functions.log")


def run_demo(events: int = 200, seed: int = 7, keep_serving: bool | None = None) -> int:
    """Play the story; then, from a terminal (or with `keep_serving`), serve until Ctrl-C."""
    started = time.monotonic()
    print("== starting the local runtime (moto server, HTTP gateway, queue pollers) ==", flush=True)
    LOG_FILE.unlink(missing_ok=True)  # this run's function logs only
    stop_on_sigterm()
    try:
        previous = set_aside(DEFAULT_DATA_DIR)
        keep = ("--data-dir", str(DEFAULT_DATA_DIR))
        with running_served(LOG_FILE, extra_args=keep, port=_default_port_if_free()) as runtime:
            print(f"  ready at {runtime.base_url} in {time.monotonic() - started:.1f} s", flush=True)
            print(f"  function logs: {LOG_FILE}", flush=True)
            print(f"  data: {DEFAULT_DATA_DIR}, which `make serve` shows afterwards", flush=True)
            if previous:
                print(f"  (the last run's data was moved to {previous})", flush=True)
            outcome = play_safely(runtime, events, seed, Tally(started=started))
            if from_a_terminal() if keep_serving is None else keep_serving:
                serve_until_interrupted(runtime.base_url, load_organisation_file(DATA / "organisation.yaml"))
            print("\n== stopping the local runtime ==", flush=True)
    except (RuntimeFailed, DataDirError) as exc:
        print(f"cxloop demo: {exc}", file=sys.stderr)
        return 2
    print(f"  stopped; {time.monotonic() - started:.1f} s in all", flush=True)
    return outcome


def _default_port_if_free() -> int:
    """The port `make serve` uses, when nothing holds it: the survey links the demo sends name
    it, and still open when `make serve` shows the demo's data afterwards. Else any free one."""
    with socket.socket() as probe:
        try:
            probe.bind((DEFAULT_HOST, DEFAULT_PORT))
        except OSError:
            return 0
    return DEFAULT_PORT


def play_safely(runtime: Served, events: int, seed: int, tally: Tally) -> int:
    try:
        return play(Http(runtime.base_url), events, seed, tally)
    except requests.RequestException as exc:
        print(f"\ncxloop demo: the runtime stopped answering: {exc}", file=sys.stderr)
        print(runtime.output(), file=sys.stderr)
        return 1


def play(http: Http, count: int, seed: int, tally: Tally) -> int:
    rng = random.Random(seed)
    desk = Desk.open(http, lambda title: phase(tally, title), rng)
    # Before the first event: the default manners hold one night survey, then the insurer's
    # own policy (surveys at once) is in force, whatever hour the demo runs.
    contact_book = show_default_manners(desk)
    surveys_before = len(http.json("/_local/outbox"))
    publish_configuration(desk)
    connectors = publish_connectors(http, desk.executive)
    events = make_events(count, rng)
    send_events(http, events, tally)
    show_contract(http, events, tally)
    wait_for_outbox(http, surveys_before + tally.statuses[202], tally)
    plans, idle = plan_answers(tally.outbox, events, rng)
    answer_surveys(http, plans, idle, tally)
    tally.expected_tickets = sum(opens_ticket(a.plan.form) for a in tally.recorded)
    token = mint_token(staff_secret(), role="executive", user="demo-executive")
    settle(http, token, tally)
    tally.metrics_problems = check_metrics_api(http, token, tally)
    desk.forms = {a.plan.event["customer"]["id"]: a.plan.form for a in tally.recorded}
    desk.contacts = frozenset(contact_of(event) for event in events)
    work_the_cases(desk)
    desk.say("the claims team in Quito works in Zendesk: its cases there, one solved there")
    tally.helpdesk_problems = (
        show_helpdesk(http, token, tally.tickets) if connectors else ["connectors refused"]
    )
    tally.casebook = desk.book
    print_summary(tally)
    # After the summary: the policy it publishes must not touch the day's surveys.
    tally.contacts = show_contact_policy(desk, contact_book)
    tally.qr_problems = show_qr_code(http, tally)
    # Last: the history's report emails and drop alert must not count as the day's, and its
    # answers of yesterday must not meet the metrics check (it reads yesterday and today). Not
    # overlapped with the day's cases either: both load the one moto process, and it was slower.
    tally.history_problems = play_history(http, token, seed, lambda title: phase(tally, title)).problems
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
    problems += tally.helpdesk_problems
    problems += tally.history_problems
    if problems:
        print(
            f"\ncxloop demo: the loop did not close: {'; '.join(problems)} (see {LOG_FILE})", file=sys.stderr
        )
        return 1
    print(
        "\nthe loop closed: every bad answer became a ticket and an alert; tickets were worked, "
        "followed up, reminded and escalated; "
        "the contact policy made each of its decisions; a QR code's anonymous answers counted; "
        "12 weeks of history raised a metric-drop alert and last month's reports."
    )
    return 0
