"""What the customers answer: who answers, and each one's form fields as the survey page
posts them, the branch's mood driving the scores; deterministic for a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from cxloop.domain.feedback.routing import DEFAULT_RULES
from cxloop.domain.kernel.conditions import matches
from cxloop.domain.surveys.answers import parse_answers
from cxloop.domain.surveys.definitions import DEFAULT_SURVEY
from infra.local.demo.insurer import BRANCHES, TOUCHPOINTS, VISIT, Touchpoint, contact_of

ANSWER_RATE = 0.75
MARKUP_COMMENT = "Nadie me explica en qué estado está mi reclamo. <b>¡Tres semanas esperando!</b>"
# The survey's callback_time choices.
CALLBACK_TIMES = ("morning", "afternoon", "evening")

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
