"""The demo's 12 weeks (infra/local/demo/history.py), judged without a runtime: the same seed
gives the same file whatever the day; every row is a valid past answer of the history's survey;
and counted as the pipeline counts them, only the dipping branch's last week is a metric drop."""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from cxloop.domain.feedback.metrics import Counters, counters_for
from cxloop.domain.feedback.past_responses import history_header, past_answer_of
from cxloop.domain.feedback.score_response import driver_answers, scopes_of
from cxloop.domain.insights.metric_alerts import check_drop, watched, windows_before
from cxloop.domain.surveys.scoring import score_answers
from infra.local.demo.history import (
    DIPPING_BRANCH,
    DRIVERS,
    WEEKS,
    history_catalogue,
    history_csv,
    history_rows,
)

TODAY = date(2026, 12, 7)


def counted(today: date) -> dict[str, dict[date, Counters]]:
    text = history_csv(history_rows(today, random.Random(7))).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    header = history_header(rows[0])
    assert header.problems == []
    days: dict[str, dict[date, Counters]] = defaultdict(dict)
    now = datetime.combine(today, datetime.min.time(), UTC)
    for cells in rows[1:]:
        answer = past_answer_of(header, cells, catalogue=history_catalogue(), now=now, correlation_id="t")
        response = answer.response
        counters = counters_for(
            score_answers(response.answers, answer.survey),
            driver_answers(response, {answer.survey.id: answer.survey}),
        )
        for scope in scopes_of(response):
            day = response.submitted_at.date()
            days[scope][day] = days[scope][day] + counters if day in days[scope] else counters
    return days


def test_the_same_seed_gives_the_same_history_shifted_to_the_day() -> None:
    first = history_rows(TODAY, random.Random(7))
    later = history_rows(TODAY + timedelta(days=40), random.Random(7))
    assert [r["answer.nps"] for r in first] == [r["answer.nps"] for r in later]
    assert first[0]["answered_at"].startswith((TODAY - timedelta(weeks=WEEKS)).isoformat())
    assert max(r["answered_at"] for r in first) < TODAY.isoformat()


def test_every_week_and_every_driver_is_answered() -> None:
    everywhere = counted(TODAY)["all"]
    weeks = {day.isocalendar()[:2] for day in everywhere}
    assert len(weeks) >= WEEKS
    total = sum(everywhere.values(), Counters())
    assert set(total.drivers) == set(DRIVERS)


def test_only_the_dipping_branch_drops() -> None:
    windows = windows_before(TODAY)
    verdicts = {scope: check_drop(scope, days, windows).verdict for scope, days in counted(TODAY).items()}
    drops = {scope for scope, verdict in verdicts.items() if watched(scope) and verdict == "drop"}
    assert drops == {f"branch:{DIPPING_BRANCH}"}
