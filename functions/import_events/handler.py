"""import_events: a CSV or XLSX extract dropped into the intake bucket's incoming/ becomes events.

A file under incoming/history/ is a history file instead: past answers with their own dates,
stored and counted on the days they were given, with no survey, ticket or alert
(cxloop.domain.feedback.past_responses).

S3 invokes this function (asynchronously) for each object created under incoming/. Each object
(bucket, key and version, or ETag without versioning) is imported once: Powertools idempotency
on that identity in the idempotency table, so a repeated notification does nothing. Rows are
validated and accepted like webhook events (idempotent on (source, event_id): a row imported
before, from this file or another, is a duplicate, never a second interaction), and the report
of the rows not imported goes to reports/<name>.report.csv.

When a dependency fails on some rows, they are reported as "retry", the report is written, and
the invocation fails: Lambda retries it (twice, then the on-failure queue), and the rows accepted
the first time are duplicates the second, so nothing is lost and nothing is imported twice.
"""

from __future__ import annotations

from cxloop.startup import built_once

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from cxloop.adapters.intake import ReportFile, S3Intake, intake_settings_from
from cxloop.adapters.interactions import DynamoInteractionStore
from cxloop.adapters.messaging import SqsQueue
from cxloop.config import settings
from cxloop.consumer import IdempotentStep
from cxloop.domain.intake.capture_event import Accepted, accept_valid_event
from cxloop.domain.intake.import_events import (
    INCOMING_PREFIX,
    REPORTS_PREFIX,
    ImportSummary,
    ReportLine,
    file_format,
    import_rows,
    report_key_for,
    rows_of,
)
from cxloop.domain.intake.ports import InteractionStore
from cxloop.domain.kernel.errors import Unavailable
from cxloop.domain.kernel.events import InteractionEvent
from cxloop.domain.kernel.queues import MessageQueue
from cxloop.observability import MetricUnit, logger, metrics, set_correlation_id

if TYPE_CHECKING:  # a history file's contexts load with the first one (see History)
    from cxloop.domain.configuration.rulebook import Rulebook
    from cxloop.domain.feedback.ports import PastCounts, PastResponseStore

# A history file's key starts with this (cxloop.domain.feedback.past_responses.HISTORY_PREFIX,
# which a unit test keeps equal): the daily extracts' cold starts load no survey or scoring code.
HISTORY_PREFIX = "incoming/history/"

# As long as incoming/ keeps the files (the bucket's lifecycle): a notification repeated
# within that time is recognised.
REMEMBER_IMPORTS_S = 90 * 86400
IDEMPOTENCY_KEY = "object_id"


class ImportIncomplete(Unavailable):
    """Some rows met a dependency failure: the invocation fails so that Lambda retries it."""


@dataclass(frozen=True)
class SourceObject:
    bucket: str
    key: str
    version_id: str | None
    etag: str

    @property
    def object_id(self) -> str:
        return f"s3://{self.bucket}/{self.key}#{self.version_id or self.etag}"

    def message(self) -> dict[str, Any]:
        return {
            IDEMPOTENCY_KEY: self.object_id,
            "bucket": self.bucket,
            "key": self.key,
            "version_id": self.version_id,
        }


def correlation_prefix_of(object_id: str) -> str:
    """Every row's correlation id starts with its file's, so one file's events are found together."""
    return "import-" + hashlib.sha256(object_id.encode()).hexdigest()[:16]


def objects_of(event: dict[str, Any]) -> list[SourceObject]:
    """The objects of an S3 event notification (keys arrive URL-encoded, spaces as "+")."""
    found = []
    for record in event.get("Records", []):
        s3 = record["s3"]
        found.append(
            SourceObject(
                bucket=s3["bucket"]["name"],
                key=unquote_plus(s3["object"]["key"]),
                version_id=s3["object"].get("versionId") or None,
                etag=str(s3["object"].get("eTag", "")),
            )
        )
    return found


@dataclass(frozen=True)
class History:
    """What a history file needs: the published surveys, where answers and counts go. Built on
    the first history file: the surveys, feedback and configuration contexts load then."""

    rulebook: Callable[[], Rulebook]
    responses: PastResponseStore
    aggregates: PastCounts


@dataclass(frozen=True)
class Deps:
    intake: S3Intake
    interactions: InteractionStore
    dispatch: MessageQueue
    history: Callable[[], History] | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


def create_step(deps: Deps) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Import one object, described by SourceObject.message(); answers the import's summary."""

    def accept(event: InteractionEvent, correlation_id: str) -> Accepted:
        return accept_valid_event(
            event,
            correlation_id=correlation_id,
            now=deps.clock(),
            interactions=deps.interactions,
            dispatch=deps.dispatch,
        )

    def import_object(message: dict[str, Any]) -> dict[str, Any]:
        key, prefix = message["key"], correlation_prefix_of(message[IDEMPOTENCY_KEY])
        set_correlation_id(prefix)
        report_key = report_key_for(key, INCOMING_PREFIX, REPORTS_PREFIX)
        report = ReportFile()
        try:
            stream = deps.intake.download(key, message["version_id"])
            try:
                if key.startswith(HISTORY_PREFIX) and deps.history is not None:
                    summary = import_history_file(
                        key, stream, deps.history(), report=report, prefix=prefix, now=deps.clock()
                    )
                else:
                    summary = import_file(
                        key, stream, accept=accept, report=report, correlation_prefix=prefix
                    )
            finally:
                stream.close()
            deps.intake.put_report(report_key, report, summary)
        finally:
            report.close()
        _observe(key, summary, report_key)
        if summary.retry:
            raise ImportIncomplete(f"{summary.retry} rows met a dependency failure; retrying the import")
        return {"key": key, "report": report_key, **summary.as_json()}

    return import_object


def import_file(
    key: str,
    stream: IO[bytes],
    *,
    accept: Callable[[InteractionEvent, str], Accepted],
    report: ReportFile,
    correlation_prefix: str,
) -> ImportSummary:
    rows = readable_rows(key, stream, report)
    if rows is None:
        return ImportSummary(unreadable=True)
    return import_rows(rows, accept=accept, report=report.add, correlation_prefix=correlation_prefix)


def import_history_file(
    key: str, stream: IO[bytes], history: History, *, report: ReportFile, prefix: str, now: datetime
) -> ImportSummary:
    rows = readable_rows(key, stream, report)
    if rows is None:
        return ImportSummary(unreadable=True)
    from cxloop.domain.feedback.past_responses import HistoryImport, import_history  # noqa: PLC0415

    deps = HistoryImport(
        catalogue=history.rulebook().surveys,
        responses=history.responses,
        aggregates=history.aggregates,
        now=now,
        correlation_prefix=prefix,
    )
    return import_history(rows, deps, report.add)


def readable_rows(key: str, stream: IO[bytes], report: ReportFile) -> Iterator[Sequence[object]] | None:
    """The file's rows, by its content's format; None, and the report says so, for neither
    CSV nor XLSX."""
    kind = file_format(key, stream.read(4))
    stream.seek(0)
    if kind is None:
        report.add(ReportLine(0, "", "rejected", "file", "unsupported file type: send .csv or .xlsx"))
        return None
    return rows_of(stream, kind)


def _observe(key: str, summary: ImportSummary, report_key: str) -> None:
    metrics.add_metric(name="EventsImported", unit=MetricUnit.Count, value=summary.accepted)
    metrics.add_metric(name="ImportRowsRejected", unit=MetricUnit.Count, value=summary.rejected)
    # File names and counts only: rows carry personal data.
    logger.info("file imported", extra={"key": key, "report": report_key, **summary.as_json()})


def handle(event: dict[str, Any], context: Any, once: Callable[[dict[str, Any], Any], Any]) -> dict[str, Any]:
    """Each notified object under incoming/, imported once; fails (for Lambda's retry) when one did."""
    imported: list[Any] = []
    failures: list[Exception] = []
    for source in objects_of(event):
        if not source.key.startswith(INCOMING_PREFIX) or source.key.endswith("/"):
            logger.info("not an incoming file; ignored", extra={"key": source.key})
            continue
        try:
            imported.append(once(source.message(), context))
        except Exception as exc:  # each object on its own: one failure must not skip the others
            logger.exception("import failed", extra={"key": source.key})
            failures.append(exc)
    if failures:
        raise failures[0]
    return {"imported": imported}


@built_once
def _deps() -> IdempotentStep:
    config = settings()
    step = create_step(
        Deps(
            intake=S3Intake(intake_settings_from().bucket("intake")),
            interactions=DynamoInteractionStore(config.table("interactions")),
            dispatch=SqsQueue(config.queue_url("dispatch")),
            history=_history,
        )
    )
    return IdempotentStep(
        step, table_name=config.table("idempotency"), key=IDEMPOTENCY_KEY, expires_after_s=REMEMBER_IMPORTS_S
    )


@built_once
def _history() -> History:
    # Imported here: only a history file needs them (see History).
    from cxloop.adapters.aggregates import DynamoAggregateStore  # noqa: PLC0415
    from cxloop.adapters.config_store import CachedRulebook, DynamoConfigStore  # noqa: PLC0415
    from cxloop.adapters.responses import DynamoResponseStore  # noqa: PLC0415

    config = settings()
    return History(
        rulebook=CachedRulebook(DynamoConfigStore(config.table("config")), reads=("surveys",)),
        responses=DynamoResponseStore(config.table("responses")),
        aggregates=DynamoAggregateStore(config.table("aggregates")),
    )


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(event, context, _deps())
