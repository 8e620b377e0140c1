"""The customers and their surveys: the messages read back from the outbox, links opened
(GET, as a phone would) and about three in four answered over a few seconds."""

from __future__ import annotations

import time

from infra.local.demo.answers import Answered, Plan
from infra.local.demo.console import progress, run_all
from infra.local.demo.http import Http
from infra.local.demo.tally import Tally, phase

OUTBOX_TIMEOUT_S = 40
# Customers answer over the day, not all in the same second: the demo compresses the
# day into a steady stream of answers a second, which one local process keeps up with.
ANSWERS_PER_SECOND = 6


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
