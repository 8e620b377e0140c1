"""The insurer's last 12 weeks, before the day the demo plays: the answers its customers gave to
its old survey, which asked about three drivers (waiting time, staff courtesy, clarity), written
as a history file (cxloop.domain.feedback.past_responses). Guayaquil Centro dips in the last
week (waits grew, and the scores with them) enough for a metric-drop alert; every other branch
keeps its mood. Deterministic for a seed.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from cxloop.domain.surveys.definitions import DEFAULT_SURVEY, Question, SurveyDefinition
from cxloop.domain.surveys.survey_catalogue import SurveyCatalogue
from infra.local.demo.answers import COMMENTS, clamp, complaints_about
from infra.local.demo.events import attributes_for
from infra.local.demo.insurer import BRANCHES, TOUCHPOINTS, Branch, Touchpoint, make_customer

WEEKS = 12
DIPPING_BRANCH = "guayaquil-centro"
# The last week before the demo's day, which metric_alerts compares with the 28 days before it
# (cxloop.domain.insights.metric_alerts): enough answers in both, and a fall no chance explains.
DIP_DAYS = 7
DIP = -1.8
# Answers a branch gets a day, drawn uniformly (about 10 a week: enough for the 30 a baseline
# needs); the dipping branch gets more, as its recent week needs >= 10.
ANSWERS_A_DAY = (1, 2)
DIPPING_ANSWERS_A_DAY = (2, 3)
# Customer numbers of the history, far from the day's (C-104001...).
FIRST_CUSTOMER = 200_000
HISTORY_SURVEY_ID = "seguros_andinos"
DRIVERS = ("waiting_time", "staff_courtesy", "clarity")
_DRIVER_LABELS = {
    "waiting_time": {"es": "Tiempo de espera", "en": "Waiting time"},
    "staff_courtesy": {"es": "Amabilidad del personal", "en": "Staff courtesy"},
    "clarity": {"es": "Claridad de la información", "en": "Clarity of the information"},
}
_GRID = {"es": "Califique de 1 a 5", "en": "Rate from 1 to 5"}
COLUMNS = (
    "event_id",
    "source",
    "event_type",
    "occurred_at",
    "customer_id",
    "customer_name",
    "email",
    "phone",
    "locale",
    "timezone",
    "touchpoint_id",
    "touchpoint_name",
    "touchpoint_channel",
    "branch",
    "region",
    "country",
    "attr.policy",
    "answered_at",
    "survey_id",
    "survey_version",
    *(f"answer.{q}" for q in ("nps", "csat", "ces", *DRIVERS, "comment")),
)


def history_survey() -> SurveyDefinition:
    """The insurer's survey before cxloop: the default's scores, then a grid of drivers."""
    kept = {q.id: q for q in DEFAULT_SURVEY.questions}
    drivers = tuple(
        Question(id=d, kind="scale", min=1, max=5, label=_DRIVER_LABELS[d], grid=_GRID) for d in DRIVERS
    )
    headline = tuple(kept[q] for q in ("nps", "csat", "ces"))
    return SurveyDefinition(
        id=HISTORY_SURVEY_ID, version=1, questions=(*headline, *drivers, kept["comment"], kept["praise"])
    )


def history_catalogue() -> SurveyCatalogue:
    """Published so the history's answers are read against their survey; no rule chooses it, so
    the day's events still get the default survey."""
    return SurveyCatalogue(surveys=(history_survey(),))


@dataclass(frozen=True)
class PastDay:
    day: date
    branch: Branch
    answers: int
    days_ago: int

    @property
    def dipping(self) -> bool:
        return self.branch.id == DIPPING_BRANCH and self.days_ago <= DIP_DAYS


def past_days(today: date, rng: random.Random) -> list[PastDay]:
    found = []
    for days_ago in range(WEEKS * 7, 0, -1):
        for branch in BRANCHES:
            low, high = DIPPING_ANSWERS_A_DAY if branch.id == DIPPING_BRANCH else ANSWERS_A_DAY
            count = rng.randint(low, high)
            found.append(PastDay(today - timedelta(days=days_ago), branch, count, days_ago))
    return found


def history_rows(today: date, rng: random.Random) -> list[dict[str, str]]:
    """One row per past answer, oldest first."""
    rows: list[dict[str, str]] = []
    contacts: set[str] = set()
    for past in past_days(today, rng):
        for _ in range(past.answers):
            number = FIRST_CUSTOMER + len(rows) + 1
            rows.append(history_row(number, past, rng, contacts))
    return rows


def history_row(number: int, past: PastDay, rng: random.Random, contacts: set[str]) -> dict[str, str]:
    branch = past.branch
    touchpoint = rng.choices(TOUCHPOINTS, weights=[t.weight for t in TOUCHPOINTS])[0]
    # Between 13:00 and 20:00 UTC, answered within three hours: the same day everywhere.
    occurred = datetime.combine(past.day, time(13), UTC) + timedelta(minutes=rng.randint(0, 420))
    answered = occurred + timedelta(minutes=rng.randint(5, 180))
    customer = make_customer(number, rng, branch, contacts)
    row = {
        "event_id": f"{touchpoint.prefix}-H-{number:06d}",
        "source": touchpoint.source,
        "event_type": touchpoint.event_type,
        "occurred_at": _iso(occurred),
        "customer_id": customer["id"],
        "customer_name": customer["name"],
        "email": customer.get("email", ""),
        "phone": customer.get("phone", ""),
        "locale": customer["locale"],
        "timezone": customer["timezone"],
        "touchpoint_id": f"{branch.id}/{touchpoint.suffix}",
        "touchpoint_name": f"{touchpoint.name} · {branch.name}",
        "touchpoint_channel": touchpoint.channel,
        "branch": branch.id,
        "region": branch.region,
        "country": branch.country,
        "attr.policy": str(attributes_for(touchpoint, rng)["policy"]),
        "answered_at": _iso(answered),
        "survey_id": HISTORY_SURVEY_ID,
        "survey_version": "1",
    }
    return row | past_answers(branch, touchpoint, customer["locale"][:2], past.dipping, rng)


def past_answers(
    branch: Branch, touchpoint: Touchpoint, language: str, dipping: bool, rng: random.Random
) -> dict[str, str]:
    """The scores follow the branch's mood (and the dip); each driver follows the score, waiting
    time most of all where the branch dips."""
    mood = branch.mood + (DIP if dipping else 0.0)
    score = clamp(round(rng.gauss(8.2 + mood, 1.8)), 0, 10)
    answers = {
        "answer.nps": str(score),
        "answer.csat": str(clamp(round(1 + score * 0.4 + rng.gauss(0, 0.6)), 1, 5)),
        "answer.ces": str(clamp(round(1.5 + score * 0.5 + touchpoint.effort + rng.gauss(0, 0.8)), 1, 7)),
    }
    for driver in DRIVERS:
        shift = -1.2 if dipping and driver == "waiting_time" else 0.0
        answers[f"answer.{driver}"] = str(clamp(round(0.8 + score * 0.4 + shift + rng.gauss(0, 0.7)), 1, 5))
    if score <= 6 and rng.random() < 0.6:
        about = "wait" if dipping else rng.choice(complaints_about(touchpoint))
        answers["answer.comment"] = rng.choice(COMMENTS[language][about])
    return answers


def history_csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
