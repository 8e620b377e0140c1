"""import_events against moto with a history file (incoming/history/): past answers stored with
their scores and counted on the days they were given, with no survey dispatched and no ticket
asked for; bad rows named by column; the same answers in a second file never counted twice."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from cxloop.adapters.aggregates import DynamoAggregateStore
from cxloop.adapters.responses import DynamoResponseStore
from cxloop.domain.feedback.past_responses import HistoryImport, import_history
from cxloop.domain.kernel.errors import Unavailable
from cxloop.domain.surveys.survey_catalogue import DEFAULT_CATALOGUE
from tests.conftest import LocalAws
from tests.integration.support import NOW, invoke, scan
from tests.integration.test_import_events import drop, report_rows

COLUMNS = (
    "event_id",
    "source",
    "event_type",
    "occurred_at",
    "customer_id",
    "email",
    "touchpoint_id",
    "branch",
    "country",
    "answered_at",
    "answer.nps",
    "answer.csat",
    "answer.comment",
)
ROWS = (
    ("h-1", "erp", "claim.reported", "2026-09-01T10:00:00Z", "C-1", "a@example.com", "quito/claims", "quito",
     "EC", "2026-09-01T11:00:00Z", "2", "1", "Nadie me atendió."),
    ("h-2", "erp", "claim.reported", "2026-09-01T12:00:00Z", "C-2", "b@example.com", "quito/claims", "quito",
     "EC", "2026-09-01T12:30:00Z", "10", "5", ""),
    ("h-3", "erp", "claim.reported", "2026-09-02T12:00:00Z", "C-3", "c@example.com", "quito/claims", "quito",
     "EC", "2026-09-02T12:30:00Z", "9", "", ""),
    # Answered before the moment, and a score off the scale: both named by their columns.
    ("h-4", "erp", "claim.reported", "2026-09-02T12:00:00Z", "C-4", "d@example.com", "quito/claims", "quito",
     "EC", "2026-09-02T11:00:00Z", "11", "", ""),
)  # fmt: skip


def history_file(rows: tuple[tuple[str, ...], ...] = ROWS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def days_of(aws: LocalAws, scope: str) -> dict[date, Any]:
    store = DynamoAggregateStore(aws.table("aggregates"))
    return store.read_days(scope, date(2026, 8, 1), date(2026, 10, 1))


def test_past_answers_count_on_their_own_days_and_ask_for_nothing(lambda_env: LocalAws) -> None:
    answer = invoke("import_events", drop(lambda_env, "incoming/history/old-tool.csv", history_file()))

    (summary,) = answer["imported"]
    assert (summary["rows"], summary["accepted"], summary["rejected"]) == (4, 3, 1)
    days = days_of(lambda_env, "branch:quito")
    assert sorted(days) == [date(2026, 9, 1), date(2026, 9, 2)]
    first = days[date(2026, 9, 1)]
    assert (first.responses, first.promoters, first.detractors) == (2, 1, 1)
    assert days_of(lambda_env, "all")[date(2026, 9, 2)].promoters == 1
    stored = {item["response_id"]["S"]: item for item in scan(lambda_env, "responses")}
    assert len(stored) == 3
    assert all("score" in item for item in stored.values())
    assert lambda_env.drain("dispatch") == []
    assert lambda_env.drain("tickets") == []
    assert scan(lambda_env, "interactions") == []
    problems = {(r["event_id"], r["field"]) for r in report_rows(lambda_env, summary["report"])}
    assert problems == {("h-4", "answered_at"), ("h-4", "answer.nps")}


def test_the_same_answers_in_a_second_file_are_duplicates_and_count_once(lambda_env: LocalAws) -> None:
    invoke("import_events", drop(lambda_env, "incoming/history/monday.csv", history_file(ROWS[:2])))
    # A new answer on a day that has counts already (added to them), and one on a new day.
    same_day = (("h-5", *ROWS[1][1:]),)

    again = invoke(
        "import_events", drop(lambda_env, "incoming/history/tuesday.csv", history_file(ROWS[:3] + same_day))
    )

    (summary,) = again["imported"]
    assert (summary["accepted"], summary["duplicates"]) == (2, 2)
    days = days_of(lambda_env, "branch:quito")
    assert (days[date(2026, 9, 1)].responses, days[date(2026, 9, 1)].promoters) == (3, 2)
    assert days[date(2026, 9, 2)].responses == 1


def test_a_retried_import_adds_what_the_failed_attempt_left_out_once(lambda_env: LocalAws) -> None:
    """The first attempt stored the answers and added some counts, then failed: the retry (the
    same file, so the same group) adds the missing counts and nothing twice."""
    rows = list(csv.reader(io.StringIO(history_file(ROWS[:3]).decode())))
    store = DynamoAggregateStore(lambda_env.table("aggregates"))

    class FailsOnce:
        """The injected fault: the second day's counts fail the first time."""

        failed = False

        def add_once(self, group_id: str, day: date, counts: Any, parents: Any) -> int:
            if day == date(2026, 9, 2) and not self.failed:
                self.failed = True
                raise Unavailable("injected: the aggregates table is throttled")
            return store.add_once(group_id, day, counts, parents)

    history = HistoryImport(
        catalogue=DEFAULT_CATALOGUE,
        responses=DynamoResponseStore(lambda_env.table("responses")),
        aggregates=FailsOnce(),
        now=NOW,
        correlation_prefix="import-test",
    )
    first = import_history(rows, history, lambda line: None)
    second = import_history(rows, history, lambda line: None)

    assert (first.accepted, first.retry) == (2, 1)
    assert (second.accepted, second.retry) == (3, 0)
    days = days_of(lambda_env, "branch:quito")
    assert (days[date(2026, 9, 1)].responses, days[date(2026, 9, 2)].responses) == (2, 1)


def test_a_row_repeated_in_the_same_file_counts_once(lambda_env: LocalAws) -> None:
    answer = invoke(
        "import_events", drop(lambda_env, "incoming/history/twice.csv", history_file((ROWS[0],) * 2))
    )

    (summary,) = answer["imported"]
    assert (summary["accepted"], summary["duplicates"]) == (1, 1)
    assert days_of(lambda_env, "branch:quito")[date(2026, 9, 1)].responses == 1
    (line,) = report_rows(lambda_env, summary["report"])
    assert (line["row"], line["status"]) == ("3", "duplicate")
