"""Past answers, imported with their own dates: a history file.

A company moving to cxloop brings the answers its customers gave before (an export of its old
survey tool). It drops a CSV or XLSX under the intake bucket's `incoming/history/`, and the
import_events function reads it here instead of as a daily extract. Each row is the webhook's
event, in the columns of cxloop.domain.intake.import_events, plus:

    answered_at                  when the customer answered: ISO 8601 with its offset; required,
                                 not before occurred_at and not in the future
    survey_id, survey_version    the definition answered: a built-in survey or one of the
                                 published `surveys` catalogue (default: the default survey;
                                 without a version, its newest)
    answer.<question id>         one column per answer, as the survey page's form posts it

A past answer counts on the day it was given, never on the import's: the live counters of that
day in every scope (the counters score_response adds, cxloop.domain.feedback.metrics), and the
data lake's partition of that date (the responses table's stream feeds archive_to_lake). It is
history, not a live moment: no survey is sent, no ticket opened, no alert or webhook announced;
a detractor of twelve weeks ago is not a case to work today.

Exactly once. The response id derives from (source, event_id) and the response is stored under a
condition, naming the group (the file and the chunk's first row) that stored it: a row another
file already brought is a duplicate and counts nothing. A chunk's answers are counted together,
one write per scope and day (PastCounts.add_once), each write conditional on its item not holding
the group yet; a retried import reads the same file in the same chunks, so it adds what a failed
attempt left out, and nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass
from datetime import date, datetime

from cxloop.domain.feedback.metrics import Counters, counters_for
from cxloop.domain.feedback.ports import PastCounts, PastResponseStore
from cxloop.domain.feedback.score_response import (
    SentimentReader,
    driver_answers,
    parents_of,
    scopes_of,
    with_comment_insight,
)
from cxloop.domain.intake.import_events import (
    CHUNK_ROWS,
    Header,
    ImportSummary,
    Report,
    ReportLine,
    cell_text,
    event_of_row,
    is_blank,
    read_header,
    reject_row,
)
from cxloop.domain.kernel.errors import FieldProblem, InvalidInput, Unavailable
from cxloop.domain.kernel.events import interaction_id_for
from cxloop.domain.surveys.answers import parse_answers
from cxloop.domain.surveys.definitions import DEFAULT_SURVEY, SURVEYS, SurveyDefinition
from cxloop.domain.surveys.models import SurveyResponse
from cxloop.domain.surveys.scoring import score_answers
from cxloop.domain.surveys.survey_catalogue import SurveyCatalogue

HISTORY_PREFIX = "incoming/history/"
ANSWER_PREFIX = "answer."
HISTORY_COLUMNS = frozenset({"answered_at", "survey_id", "survey_version"})
REQUIRED_HISTORY_COLUMNS = (
    "event_id",
    "event_type",
    "occurred_at",
    "customer_id",
    "touchpoint_id",
    "answered_at",
)
# Rows stored and counted at once: each is two conditional writes (the response, its counts).
WORKERS = 8


def history_header(cells: Sequence[object]) -> Header:
    return read_header(
        cells,
        also=lambda name: name in HISTORY_COLUMNS or name.startswith(ANSWER_PREFIX),
        required=REQUIRED_HISTORY_COLUMNS,
    )


def definition_in(catalogue: SurveyCatalogue, survey_id: str, version: int | None) -> SurveyDefinition | None:
    """The survey a row names: a built-in one, or that version (else the newest) of the catalogue's."""
    if survey_id in SURVEYS:
        return SURVEYS[survey_id]
    versions = [s for s in catalogue.surveys if s.id == survey_id and version in (None, s.version)]
    return max(versions, key=lambda s: s.version) if versions else None


@dataclass(frozen=True)
class PastAnswer:
    event_id: str
    response: SurveyResponse
    survey: SurveyDefinition


def past_answer_of(
    header: Header, cells: Sequence[object], *, catalogue: SurveyCatalogue, now: datetime, correlation_id: str
) -> PastAnswer:
    """The row's response, or InvalidInput whose problems name the columns at fault."""
    problems: list[FieldProblem] = []
    try:
        event = event_of_row(header, cells)
    except InvalidInput as exc:
        problems += exc.details
        event = None
    cell = _cells_by_column(header, cells)
    answered_at = _answered_at(cell.get("answered_at"), event.occurred_at if event else None, now, problems)
    survey = _survey(cell.get("survey_id"), cell.get("survey_version"), catalogue, problems)
    raw = {
        name.removeprefix(ANSWER_PREFIX): text
        for name, text in cell.items()
        if name.startswith(ANSWER_PREFIX)
    }
    answers: dict[str, object] = {}
    if survey is not None:
        try:
            answers = parse_answers(survey, raw)
        except InvalidInput as exc:
            problems += [
                FieldProblem(ANSWER_PREFIX + p.field.removeprefix("answers."), p.problem) for p in exc.details
            ]
    if problems or event is None or answered_at is None or survey is None:
        raise InvalidInput("the row is not a valid past answer", problems)
    interaction_id = interaction_id_for(event.source, event.event_id)
    response = SurveyResponse(
        response_id=f"past-{interaction_id}",
        interaction_id=interaction_id,
        correlation_id=correlation_id,
        survey_id=survey.id,
        survey_version=survey.version,
        event_type=event.event_type,
        customer=event.customer,
        touchpoint=event.touchpoint,
        answers=answers,
        submitted_at=answered_at,
        attributes=event.attributes,
    )
    return PastAnswer(event.event_id, response, survey)


def _cells_by_column(header: Header, cells: Sequence[object]) -> dict[str, str]:
    found = {}
    for name, value in zip(header.columns, cells, strict=False):
        if name is not None and (text := cell_text(value)) is not None:
            found[name] = text
    return found


def _answered_at(
    text: str | None, occurred_at: datetime | None, now: datetime, problems: list[FieldProblem]
) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text or "")
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        problems.append(FieldProblem("answered_at", "required: an ISO 8601 time with its offset"))
        return None
    if moment > now:
        problems.append(FieldProblem("answered_at", "in the future: only past answers are imported"))
    elif occurred_at is not None and moment < occurred_at:
        problems.append(FieldProblem("answered_at", "before occurred_at: an answer follows its moment"))
    return moment


def _survey(
    survey_id: str | None, version: str | None, catalogue: SurveyCatalogue, problems: list[FieldProblem]
) -> SurveyDefinition | None:
    number = None
    if version is not None:
        if not version.isdigit():
            problems.append(FieldProblem("survey_version", "a whole number"))
            return None
        number = int(version)
    found = definition_in(catalogue, survey_id or DEFAULT_SURVEY.id, number)
    if found is None:
        problems.append(FieldProblem("survey_id", "no such survey (version) in the published catalogue"))
    return found


@dataclass(frozen=True)
class Stored:
    """A past answer stored by this import (counted now) or by another one (a repeat)."""

    answer: PastAnswer
    counters: Counters
    ours: bool


def store_past_answer(
    answer: PastAnswer, group: str, responses: PastResponseStore, sentiment: SentimentReader | None = None
) -> Stored:
    """Score and store the answer once. `ours` also when this group stored it on an earlier attempt
    that failed before counting: its counts are still missing, and the group adds them once."""
    response, survey = answer.response, answer.survey
    score = with_comment_insight(score_answers(response.answers, survey), response, sentiment)
    first_group = responses.record_past(response, score, group=group)
    counters = counters_for(score, driver_answers(response, {survey.id: survey}))
    return Stored(answer, counters, ours=first_group == group)


def day_totals(stored: Iterable[Stored]) -> dict[date, tuple[dict[str, Counters], dict[str, str]]]:
    """Each day's counters per scope (every level an answer rolls up to) and the scopes' parents."""
    days: dict[date, tuple[dict[str, Counters], dict[str, str]]] = {}
    for item in stored:
        response = item.answer.response
        totals, parents = days.setdefault(response.submitted_at.date(), ({}, {}))
        for scope in scopes_of(response):
            totals[scope] = totals[scope] + item.counters if scope in totals else item.counters
        parents |= parents_of(response)
    return days


@dataclass(frozen=True)
class HistoryImport:
    catalogue: SurveyCatalogue
    responses: PastResponseStore
    aggregates: PastCounts
    now: datetime
    correlation_prefix: str
    sentiment: SentimentReader | None = None


def import_history(rows: Iterable[Sequence[object]], deps: HistoryImport, report: Report) -> ImportSummary:
    """Validate every row, count the good ones on their own days, report the others (row numbers
    are the spreadsheet's: the header is row 1)."""
    summary = ImportSummary()
    numbered = enumerate(rows, start=1)
    first = next(numbered, None)
    header = history_header(first[1]) if first else None
    if header is None or header.problems:
        summary.unreadable = True
        problems = header.problems if header else [FieldProblem("file", "the file is empty: no header row")]
        for problem in problems:
            report(ReportLine(1, "", "rejected", problem.field, problem.problem))
        return summary
    pending: list[tuple[int, PastAnswer]] = []
    for row, cells in numbered:
        if is_blank(cells):
            continue
        summary.rows += 1
        try:
            answer = past_answer_of(
                header,
                cells,
                catalogue=deps.catalogue,
                now=deps.now,
                correlation_id=f"{deps.correlation_prefix}-{row}",
            )
            pending.append((row, answer))
        except InvalidInput as exc:
            reject_row(row, header, cells, exc, summary=summary, report=report)
        if len(pending) == CHUNK_ROWS:
            _count_chunk(pending, deps, summary, report)
            pending = []
    _count_chunk(pending, deps, summary, report)
    return summary


# A row's outcome: stored (by this group or another), a dependency failure, or None for a repeat
# of a row earlier in the same chunk (stored once, for the first).
Outcome = Stored | Unavailable | None


def _count_chunk(
    pending: list[tuple[int, PastAnswer]], deps: HistoryImport, summary: ImportSummary, report: Report
) -> None:
    """Store the chunk's answers, then add each day's counts at once: one update per scope and
    day rather than per answer. The group (the file and the chunk's first row) is the same when
    the import is retried, so what an attempt added is not added again."""
    if not pending:
        return
    group = f"{deps.correlation_prefix}-{pending[0][0]}"

    def store(item: tuple[int, PastAnswer]) -> Outcome:
        try:
            return store_past_answer(item[1], group, deps.responses, deps.sentiment)
        except Unavailable as exc:
            return exc

    firsts = {answer.response.response_id: row for row, answer in reversed(pending)}
    # Each piece of work runs in a copy of the caller's context, as on the caller's thread: what
    # the invocation set there (cxloop.adapters.call_log's caller) follows it (as in batch.py).
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="history") as pool:
        outcomes = [
            pool.submit(copy_context().run, store, (row, answer))
            if firsts[answer.response.response_id] == row
            else None
            for row, answer in pending
        ]
        stored = [future.result() if future else None for future in outcomes]
        days = day_totals(o for o in stored if isinstance(o, Stored) and o.ours)

        def add(day: date) -> Unavailable | None:
            totals, parents = days[day]
            try:
                deps.aggregates.add_once(group, day, totals, parents)
            except Unavailable as exc:
                return exc
            return None

        contexts = [copy_context() for _ in days]  # taken here, on the caller's thread
        added = pool.map(lambda context, day: context.run(add, day), contexts, days)
        failed_days = {day: failure for day, failure in zip(days, added, strict=True) if failure}
    for (row, answer), outcome in zip(pending, stored, strict=True):
        day_failure = failed_days.get(answer.response.submitted_at.date())
        _tell(row, answer, outcome, day_failure=day_failure, summary=summary, report=report)


def _tell(
    row: int,
    answer: PastAnswer,
    outcome: Outcome,
    *,
    day_failure: Unavailable | None,
    summary: ImportSummary,
    report: Report,
) -> None:
    failure = outcome if isinstance(outcome, Unavailable) else day_failure
    if failure is not None:
        summary.retry += 1
        report(
            ReportLine(row, answer.event_id, "retry", "", f"not imported yet ({failure.message}); retried")
        )
    elif isinstance(outcome, Stored) and outcome.ours:
        summary.accepted += 1
    else:
        summary.duplicates += 1
        where = "earlier in this file" if outcome is None else "before"
        problem = f"already imported {where} as {answer.response.response_id}"
        report(ReportLine(row, answer.event_id, "duplicate", "", problem))
