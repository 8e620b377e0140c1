"""Step 4: the customers answer the "was it solved?" follow-up found in the outbox: most are
recovered, a few are unhappy and their tickets reopen."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from infra.local.demo.casework.desk import TICKET_ID, Desk, all_tickets, wait_for
from infra.local.demo.casework.staff import Work
from infra.local.demo.console import counted

FOLLOW_UP_ANSWER_RATE = 0.85
UNHAPPY_SHARE = 0.25

FOLLOW_UP_COMMENTS = {
    "recovered": {"es": "Gracias por la llamada, quedó resuelto.", "en": "Thanks for the call, all sorted."},
    "unhappy": {
        "es": "Me llamaron, pero el problema sigue igual.",
        "en": "They called, but nothing changed.",
    },
}


def follow_ups(desk: Desk, plans: list[Work]) -> None:
    desk.say("customers answer the follow-up survey (was it solved?) from the outbox")
    resolved = [w.ticket for w in plans if w.kind == "resolved"]
    links = follow_up_links(desk, {t["ticket_id"] for t in resolved})
    desk.book.follow_ups_sent = len(links)
    print(f"  follow-ups sent: {len(links)} for {len(resolved)} resolved tickets")
    answers = follow_up_answers(desk.rng, [t for t in resolved if t["ticket_id"] in links])
    codes = [answer_follow_up(desk, links[ticket["ticket_id"]], form) for ticket, form in answers]
    desk.book.follow_up_answers = Counter(
        outcome_of(form) for (_, form), code in zip(answers, codes, strict=True) if code == 200
    )
    recorded = codes.count(200)
    settled = wait_for(lambda: all_tickets(desk), lambda ts: followed_up(ts) >= recorded)
    desk.book.reopened = sum(t["reopen_count"] > 0 and t["status"] != "resolved" for t in settled)
    print(
        f"  answered: {len(answers)} ({counted(desk.book.follow_up_answers)}); recorded on "
        f"{followed_up(settled)} tickets; reopened: {desk.book.reopened}"
    )


def follow_up_links(desk: Desk, wanted: set[str]) -> dict[str, str]:
    """Ticket id -> the follow-up link the outbox holds for it."""

    def read() -> dict[str, str]:
        links = {}
        for message in desk.http.json("/_local/outbox"):
            found = TICKET_ID.search(f"{message.get('subject') or ''} {message.get('body') or ''}")
            if message.get("survey_url") and found and found.group() in wanted:
                links[found.group()] = message["survey_url"]
        return links

    return wait_for(read, lambda links: len(links) >= len(wanted))


def follow_up_answers(
    rng: random.Random, resolved: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """Most answer; among them a quarter are still unhappy (not solved, low satisfaction)."""
    order = list(resolved)
    rng.shuffle(order)
    answering = order[: round(len(order) * FOLLOW_UP_ANSWER_RATE)]
    unhappy = max(1, round(len(answering) * UNHAPPY_SHARE)) if answering else 0
    return [
        (ticket, follow_up_form(ticket, rng, happy=index >= unhappy))
        for index, ticket in enumerate(answering)
    ]


def follow_up_form(ticket: dict[str, Any], rng: random.Random, *, happy: bool) -> dict[str, str]:
    language = "es" if str(ticket["customer"].get("locale", "es")).startswith("es") else "en"
    outcome = "recovered" if happy else "unhappy"
    form = {"solved": "yes" if happy else "no", "csat": str(rng.choice((4, 5) if happy else (1, 2)))}
    if not happy or rng.random() < 0.3:
        form["comment"] = FOLLOW_UP_COMMENTS[outcome][language]
    return form


def outcome_of(form: dict[str, str]) -> str:
    return "recovered" if form["solved"] == "yes" else "unhappy"


def answer_follow_up(desk: Desk, url: str, form: dict[str, str]) -> int:
    desk.http.get(url)  # the customer opens the page first, as a phone would
    return desk.http.post(url, data=form).status_code


def followed_up(tickets: list[dict[str, Any]]) -> int:
    return sum(t.get("follow_up") is not None for t in tickets)
