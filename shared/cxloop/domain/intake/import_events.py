"""File imports: a CSV or XLSX extract, one event per row.

The header names the columns (any order, case-insensitive; documented in the README):

    event_id, source, event_type, occurred_at,
    customer_id, customer_name, email, phone, locale, timezone, preferred_channel,
    touchpoint_id, touchpoint_name, touchpoint_channel, branch, region, country,
    attr.<name> (one column per attribute, e.g. attr.policy)

event_id, event_type, occurred_at, customer_id and touchpoint_id are required columns; an
empty cell is an absent field. Each row becomes the webhook's event (docs/ARCHITECTURE.md,
The public contract) and is validated by the same parse_event rules; a problem names the
column, not the JSON path.
Rows are read as a stream (a file is never held in memory whole) and at most MAX_ROWS of
them are read: the report says where a longer file was cut.

CSV: UTF-8 with or without a byte order mark, "," or ";" between cells (taken from the
header line), quotes as Excel writes them. XLSX: the first worksheet, read-only (openpyxl,
imported on first use so no other function pays for it); an Excel date-time has no time
zone, so occurred_at must be text with an offset, e.g. 2026-11-20T10:15:00Z.
"""

from __future__ import annotations

import csv
import itertools
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, Any, Literal

from cxloop.domain.intake.batch import Accept, accept_all
from cxloop.domain.kernel.errors import FieldProblem, InvalidInput, Unavailable
from cxloop.domain.kernel.events import InteractionEvent, parse_event

MAX_ROWS = 100_000
# The intake bucket's prefixes (infra.pipeline names the same ones for the grants and trigger).
INCOMING_PREFIX = "incoming/"
REPORTS_PREFIX = "reports/"
# Rows accepted together (in parallel, by batch.accept_all) before the next ones are read.
CHUNK_ROWS = 200
ATTRIBUTE_PREFIX = "attr."
# Column -> the event field it fills (dotted path in the webhook's JSON).
COLUMNS: dict[str, str] = {
    "event_id": "event_id",
    "source": "source",
    "event_type": "event_type",
    "occurred_at": "occurred_at",
    "customer_id": "customer.id",
    "customer_name": "customer.name",
    "email": "customer.email",
    "phone": "customer.phone",
    "locale": "customer.locale",
    "timezone": "customer.timezone",
    "preferred_channel": "customer.preferred_channel",
    "touchpoint_id": "touchpoint.id",
    "touchpoint_name": "touchpoint.name",
    "touchpoint_channel": "touchpoint.channel",
    "branch": "touchpoint.branch",
    "region": "touchpoint.region",
    "country": "touchpoint.country",
}
REQUIRED_COLUMNS = ("event_id", "event_type", "occurred_at", "customer_id", "touchpoint_id")
_COLUMN_OF_FIELD = {path: column for column, path in COLUMNS.items()}
# Problems about a whole section name the columns that would fix them.
_COLUMN_OF_FIELD |= {"customer": "email/phone", "touchpoint": "touchpoint_id", "attributes": "attr.*"}
REPORT_HEADER = ("row", "event_id", "status", "field", "problem")
FileFormat = Literal["csv", "xlsx"]
ReportStatus = Literal["rejected", "duplicate", "retry"]
# Spreadsheets run cells starting with these as formulas: a report never starts a cell with one.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class UnreadableFile(InvalidInput):
    """The file cannot be read (from some row on): not UTF-8, not a workbook, broken quoting."""


@dataclass(frozen=True)
class ReportLine:
    row: int
    event_id: str
    status: ReportStatus
    field: str
    problem: str

    def cells(self) -> list[str]:
        return [str(self.row), *(_inert(c) for c in (self.event_id, self.status, self.field, self.problem))]


@dataclass
class ImportSummary:
    rows: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    retry: int = 0
    truncated: bool = False
    unreadable: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "retry": self.retry,
            "truncated": self.truncated,
            "unreadable": self.unreadable,
        }


@dataclass(frozen=True)
class Header:
    """The file's columns by position; None for a column without a name."""

    columns: tuple[str | None, ...]
    problems: list[FieldProblem] = field(default_factory=list)


def read_header(
    cells: Sequence[object],
    *,
    also: Callable[[str], bool] = lambda _: False,
    required: Sequence[str] = REQUIRED_COLUMNS,
) -> Header:
    """`also` accepts the columns of a richer file beside the event's (a history file's answers:
    cxloop.domain.feedback.past_responses); document_of leaves them out of the event."""
    columns: list[str | None] = []
    problems: list[FieldProblem] = []
    for cell in cells:
        name = column_name(cell_text(cell))
        if name is None:
            columns.append(None)
        elif name in columns:
            problems.append(FieldProblem(name, "the column appears twice"))
            columns.append(None)
        elif name not in COLUMNS and not name.startswith(ATTRIBUTE_PREFIX) and not also(name):
            problems.append(FieldProblem(name, "unknown column: see the documented header"))
            columns.append(None)
        else:
            columns.append(name)
    for column in required:
        if column not in columns:
            problems.append(FieldProblem(column, "required column missing"))
    return Header(tuple(columns), problems)


def column_name(text: str | None) -> str | None:
    """Standard columns case-insensitively; an attribute keeps its own name's case."""
    if not text:
        return None
    if text[: len(ATTRIBUTE_PREFIX)].lower() == ATTRIBUTE_PREFIX and len(text) > len(ATTRIBUTE_PREFIX):
        return ATTRIBUTE_PREFIX + text[len(ATTRIBUTE_PREFIX) :]
    return text.lower()


def cell_text(value: object) -> str | None:
    """A cell as the text of a contract field; empty is absent."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date | time):
        # A naive Excel date-time stays naive: occurred_at then names the missing offset.
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores every number as a float: 1042.0 is C-1042's 1042
    text = str(value).strip()
    return text or None


def attribute_value(value: object) -> str | int | float | bool | None:
    """Attributes keep a workbook's numbers and booleans; everything else is text."""
    if isinstance(value, bool | int | float):
        return value
    return cell_text(value)


def document_of(header: Header, cells: Sequence[object]) -> dict[str, Any]:
    """The webhook's JSON document for one row (its cells under the header's columns)."""
    document: dict[str, Any] = {"customer": {}, "touchpoint": {}}
    stray: list[FieldProblem] = []
    for position, value in enumerate(cells):
        name = header.columns[position] if position < len(header.columns) else None
        if name is None:
            if cell_text(value) is not None:
                stray.append(FieldProblem(f"column {position + 1}", "a value under a column without a name"))
            continue
        if name.startswith(ATTRIBUTE_PREFIX):
            if (attribute := attribute_value(value)) is not None:
                document.setdefault("attributes", {})[name.removeprefix(ATTRIBUTE_PREFIX)] = attribute
            continue
        if name in COLUMNS and (text := cell_text(value)) is not None:
            _place(document, COLUMNS[name], text)
    if stray:
        raise InvalidInput("the row has values outside the header", stray)
    return document


def _place(document: dict[str, Any], path: str, value: str) -> None:
    *sections, leaf = path.split(".")
    target = document
    for section in sections:
        target = target[section]
    target[leaf] = value


def event_of_row(header: Header, cells: Sequence[object]) -> InteractionEvent:
    """The row's event, or InvalidInput whose problems name the columns at fault."""
    document = document_of(header, cells)
    try:
        return parse_event(json.dumps(document, ensure_ascii=False).encode("utf-8"))
    except InvalidInput as exc:
        raise InvalidInput(
            exc.message, [FieldProblem(column_of(p.field), p.problem) for p in exc.details]
        ) from exc


def column_of(field_path: str) -> str:
    """customer.email -> email; attributes.policy -> attr.policy; unknown paths stay dotted."""
    if field_path.startswith("attributes."):
        return ATTRIBUTE_PREFIX + field_path.removeprefix("attributes.").split(".")[0]
    return _COLUMN_OF_FIELD.get(field_path, field_path)


def report_key_for(key: str, incoming: str, reports: str) -> str:
    """incoming/2026/claims.csv -> reports/2026/claims.csv.report.csv"""
    return f"{reports}{key.removeprefix(incoming)}.report.csv"


def file_format(key: str, first_bytes: bytes) -> FileFormat | None:
    """By the name's extension, or by content for a name without one (XLSX is a zip)."""
    lowered = key.lower()
    if lowered.endswith(".xlsx"):
        return "xlsx"
    if lowered.endswith((".csv", ".txt")):
        return "csv"
    if first_bytes.startswith(b"PK\x03\x04"):
        return "xlsx"
    return None if "." in lowered.rsplit("/", 1)[-1] else "csv"


def rows_of(stream: IO[bytes], kind: FileFormat) -> Iterator[Sequence[object]]:
    return csv_rows(stream) if kind == "csv" else xlsx_rows(stream)


def csv_rows(stream: IO[bytes]) -> Iterator[list[str]]:
    """Each record of a UTF-8 CSV (a BOM is dropped), separated by "," or ";" as its header is.
    Lines are decoded one by one, so a file that stops being UTF-8 is read up to that line."""
    lines = _decoded_lines(stream)
    try:
        first = next(lines, "")
        delimiter = ";" if first.count(";") > first.count(",") else ","
        yield from csv.reader(itertools.chain([first], lines), delimiter=delimiter, strict=True)
    except csv.Error as exc:
        raise UnreadableFile("the CSV cannot be read", [FieldProblem("file", f"broken CSV: {exc}")]) from exc


def _decoded_lines(stream: IO[bytes]) -> Iterator[str]:
    for number, raw in enumerate(stream):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableFile(
                "the file is not UTF-8", [FieldProblem("file", "not UTF-8 from here on: save as CSV UTF-8")]
            ) from exc
        yield text.removeprefix("\ufeff") if number == 0 else text


def xlsx_rows(stream: IO[bytes]) -> Iterator[tuple[object, ...]]:
    """Each row of the first worksheet, read-only: openpyxl streams the sheet's XML."""
    from openpyxl import load_workbook  # noqa: PLC0415 - only imports pay for it

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(
            "the workbook cannot be read", [FieldProblem("file", f"not an XLSX workbook: {exc}")]
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def event_id_cell(header: Header, cells: Sequence[object]) -> str:
    """The row's event_id as written, to name a rejected row in the report."""
    position = header.columns.index("event_id")
    return (cell_text(cells[position]) if position < len(cells) else None) or ""


def is_blank(cells: Sequence[object]) -> bool:
    return all(cell_text(c) is None for c in cells)


Report = Callable[[ReportLine], None]


def reject_row(
    row: int,
    header: Header,
    cells: Sequence[object],
    refusal: InvalidInput,
    *,
    summary: ImportSummary,
    report: Report,
) -> None:
    """Count a row refused and report each of its problems, naming the row by its event_id."""
    summary.rejected += 1
    for problem in refusal.details:
        report(ReportLine(row, event_id_cell(header, cells), "rejected", problem.field, problem.problem))


@dataclass(frozen=True)
class _Pending:
    row: int
    event: InteractionEvent


def import_rows(
    rows: Iterable[Sequence[object]],
    *,
    accept: Accept,
    report: Report,
    correlation_prefix: str,
    max_rows: int = MAX_ROWS,
) -> ImportSummary:
    """Validate every row, accept the good ones (idempotent on (source, event_id)), report the
    others; row numbers are the spreadsheet's (the header is row 1)."""
    summary = ImportSummary()
    numbered = enumerate(rows, start=1)
    try:
        header = _header(numbered, report)
        if header is None:
            summary.unreadable = True
            return summary
        _import_body(
            numbered, header, summary, accept=accept, report=report, prefix=correlation_prefix, cap=max_rows
        )
    except UnreadableFile as exc:
        summary.unreadable = True
        for problem in exc.details:
            report(ReportLine(summary.rows + 2, "", "rejected", problem.field, problem.problem))
    return summary


def _header(numbered: Iterator[tuple[int, Sequence[object]]], report: Report) -> Header | None:
    first = next(numbered, None)
    if first is None:
        report(ReportLine(1, "", "rejected", "file", "the file is empty: no header row"))
        return None
    header = read_header(first[1])
    for problem in header.problems:
        report(ReportLine(1, "", "rejected", problem.field, problem.problem))
    return None if header.problems else header


def _import_body(
    numbered: Iterator[tuple[int, Sequence[object]]],
    header: Header,
    summary: ImportSummary,
    *,
    accept: Accept,
    report: Report,
    prefix: str,
    cap: int,
) -> None:
    pending: list[_Pending] = []
    try:
        _read_body(numbered, header, summary, pending, accept=accept, report=report, prefix=prefix, cap=cap)
    finally:
        # Rows read before the file turned unreadable are imported all the same.
        _accept_chunk(pending, summary, accept=accept, report=report, prefix=prefix)


def _read_body(
    numbered: Iterator[tuple[int, Sequence[object]]],
    header: Header,
    summary: ImportSummary,
    pending: list[_Pending],
    *,
    accept: Accept,
    report: Report,
    prefix: str,
    cap: int,
) -> None:
    for row, cells in numbered:
        if is_blank(cells):
            continue
        if summary.rows == cap:
            summary.truncated = True
            report(
                ReportLine(
                    row,
                    "",
                    "rejected",
                    "file",
                    f"more than {cap} rows: this row and the rest were not read; split the file",
                )
            )
            break
        summary.rows += 1
        try:
            pending.append(_Pending(row, event_of_row(header, cells)))
        except InvalidInput as exc:
            reject_row(row, header, cells, exc, summary=summary, report=report)
        if len(pending) == CHUNK_ROWS:
            _accept_chunk(pending, summary, accept=accept, report=report, prefix=prefix)
            pending.clear()


def _accept_chunk(
    pending: list[_Pending], summary: ImportSummary, *, accept: Accept, report: Report, prefix: str
) -> None:
    if not pending:
        return
    outcomes = accept_all([p.event for p in pending], [f"{prefix}-{p.row}" for p in pending], accept)
    for item, outcome in zip(pending, outcomes, strict=True):
        if isinstance(outcome, Unavailable):
            summary.retry += 1
            report(
                ReportLine(
                    item.row,
                    item.event.event_id,
                    "retry",
                    "",
                    f"not imported yet ({outcome.message}); the import is retried",
                )
            )
        elif outcome.is_new:
            summary.accepted += 1
        else:
            summary.duplicates += 1
            report(
                ReportLine(
                    item.row,
                    item.event.event_id,
                    "duplicate",
                    "",
                    f"already imported as interaction {outcome.interaction_id}",
                )
            )


def _inert(text: str) -> str:
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text
