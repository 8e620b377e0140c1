"""File imports, the pure part: the documented header, CSV dialects, XLSX workbooks, every row
problem named by its column, the import loop with its report, and the row cap."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import pytest
from openpyxl import Workbook

from cxloop.domain.intake.capture_event import Accepted
from cxloop.domain.intake.import_events import (
    COLUMNS,
    INCOMING_PREFIX,
    REPORTS_PREFIX,
    ImportSummary,
    ReportLine,
    UnreadableFile,
    column_of,
    csv_rows,
    document_of,
    event_of_row,
    file_format,
    import_rows,
    read_header,
    report_key_for,
    xlsx_rows,
)
from cxloop.domain.kernel.errors import InvalidInput, Unavailable
from cxloop.domain.kernel.events import InteractionEvent, interaction_id_for
from infra.pipeline import INTAKE_INCOMING, INTAKE_REPORTS

HEADER = [
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
    "preferred_channel",
    "touchpoint_id",
    "touchpoint_name",
    "branch",
    "region",
    "country",
    "attr.policy",
]
ANA = [
    "claim-1",
    "erp-claims",
    "claim.reported",
    "2026-11-20T10:15:00Z",
    "C-1042",
    "Ana Pérez",
    "ana@example.com",
    "+593991234567",
    "es-EC",
    "America/Guayaquil",
    "email",
    "quito-norte/claims",
    "Claims desk",
    "quito-norte",
    "pichincha",
    "EC",
    "AUTO-77812",
]


def row(**cells: str) -> list[str]:
    """Ana's row with some cells replaced (by column name)."""
    found = list(ANA)
    for name, value in cells.items():
        found[HEADER.index(name.replace("__", "."))] = value
    return found


def test_the_pipeline_names_the_same_prefixes_the_import_uses() -> None:
    assert (INTAKE_INCOMING, INTAKE_REPORTS) == (INCOMING_PREFIX, REPORTS_PREFIX)


def test_a_full_row_maps_to_the_webhooks_event() -> None:
    event = event_of_row(read_header(HEADER), ANA)
    assert event.event_id == "claim-1" and event.source == "erp-claims"
    assert event.occurred_at == datetime.fromisoformat("2026-11-20T10:15:00+00:00")
    assert event.customer.id == "C-1042" and event.customer.name == "Ana Pérez"
    assert (event.customer.email, event.customer.phone) == ("ana@example.com", "+593991234567")
    assert (event.customer.locale, event.customer.timezone, event.customer.preferred_channel) == (
        "es-EC",
        "America/Guayaquil",
        "email",
    )
    touchpoint = event.touchpoint
    assert (touchpoint.id, touchpoint.name, touchpoint.branch, touchpoint.region, touchpoint.country) == (
        "quito-norte/claims",
        "Claims desk",
        "quito-norte",
        "pichincha",
        "EC",
    )
    assert event.attributes == {"policy": "AUTO-77812"}


def test_empty_cells_are_absent_fields_and_the_source_defaults() -> None:
    header = read_header(["Event_ID", " EVENT_TYPE ", "occurred_at", "customer_id", "phone", "touchpoint_id"])
    assert header.problems == []
    event = event_of_row(
        header, ["e-1", "visit.closed", "2026-11-20T10:15:00-05:00", "C-1", "+34600111222", "t"]
    )
    assert event.source == "default"
    assert event.customer.email is None and event.customer.locale == "es"
    assert document_of(header, ["e-1", "", " ", "C-1", "", "t"]) == {
        "event_id": "e-1",
        "customer": {"id": "C-1"},
        "touchpoint": {"id": "t"},
    }


def test_the_header_names_unknown_duplicate_and_missing_columns() -> None:
    header = read_header(["event_id", "emial", "event_id", "occurred_at", "customer_id", "touchpoint_id", ""])
    problems = {(p.field, p.problem) for p in header.problems}
    assert problems == {
        ("emial", "unknown column: see the documented header"),
        ("event_id", "the column appears twice"),
        ("event_type", "required column missing"),
    }


def test_attribute_columns_keep_their_names_case() -> None:
    header = read_header([*HEADER[:-1], "ATTR.AgentId"])
    event = event_of_row(header, [*ANA[:-1], "A-17"])
    assert event.attributes == {"AgentId": "A-17"}


def test_every_documented_column_fills_a_field_of_the_contract() -> None:
    paths = set(COLUMNS.values())
    assert {"event_id", "customer.id", "customer.email", "touchpoint.id", "touchpoint.country"} <= paths
    assert all(column_of(path) == column for column, path in COLUMNS.items())
    assert column_of("attributes.policy") == "attr.policy"


def problems_of(cells: Sequence[object], header: Sequence[str] = HEADER) -> dict[str, str]:
    with pytest.raises(InvalidInput) as refused:
        event_of_row(read_header(header), cells)
    return {p.field: p.problem for p in refused.value.details}


@pytest.mark.parametrize(
    ("cells", "columns"),
    [
        (row(event_id=""), {"event_id"}),
        (row(event_type="Claim Reported"), {"event_type"}),
        (row(occurred_at="2026-11-20T10:15:00"), {"occurred_at"}),
        (row(occurred_at="yesterday"), {"occurred_at"}),
        (row(customer_id=""), {"customer_id"}),
        (row(email="ana@"), {"email"}),
        (row(phone="0991234567"), {"phone"}),
        (row(email="", phone=""), {"email/phone"}),
        (row(locale="spanish"), {"locale"}),
        (row(timezone="Mars/Olympus"), {"timezone"}),
        (row(preferred_channel="pigeon"), {"preferred_channel"}),
        (row(touchpoint_id=""), {"touchpoint_id"}),
        (row(country="Ecuador"), {"country"}),
        (row(customer_name="x" * 201), {"customer_name"}),
        (row(email="ana@", touchpoint_id="", country="ec"), {"email", "touchpoint_id", "country"}),
        ([*ANA, "stray"], {"column 18"}),
    ],
    ids=[
        "event_id",
        "event_type",
        "naive-time",
        "not-a-time",
        "customer_id",
        "email",
        "phone",
        "no-contact",
        "locale",
        "timezone",
        "channel",
        "touchpoint_id",
        "country",
        "long-name",
        "three-at-once",
        "value-without-column",
    ],
)
def test_every_row_problem_is_named_by_its_column(cells: list[str], columns: set[str]) -> None:
    problems = problems_of(cells)
    assert set(problems) == columns
    assert all(problem.strip() for problem in problems.values())


def csv_of(text: str, *, bom: bool = False, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))


@pytest.mark.parametrize("bom", [False, True], ids=["no-bom", "bom"])
@pytest.mark.parametrize("delimiter", [",", ";"], ids=["comma", "semicolon"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_csv_dialects_read_the_same_rows(bom: bool, delimiter: str, newline: str) -> None:
    # A quoted cell may hold the other delimiter, the same delimiter, quotes and a line break.
    name = f'"Pérez{delimiter} ""Ana""{newline}Quito"'
    text = newline.join([delimiter.join(["event_id", "customer_name"]), delimiter.join(["e-1", name]), ""])
    rows = list(csv_rows(csv_of(text, bom=bom)))
    assert rows == [["event_id", "customer_name"], ["e-1", f'Pérez{delimiter} "Ana"{newline}Quito']]


def test_a_csv_that_is_not_utf8_is_unreadable_from_where_it_breaks() -> None:
    stream = csv_of("event_id,customer_name\ne-1,Ana\ne-2,Peña\n", encoding="latin-1")
    rows = csv_rows(stream)
    with pytest.raises(UnreadableFile) as refused:
        list(rows)
    assert refused.value.details[0].field == "file" and "UTF-8" in refused.value.details[0].problem


def workbook_bytes(*rows: Sequence[object]) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for cells in rows:
        sheet.append(list(cells))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def test_an_xlsx_workbook_keeps_row_numbers_numbers_and_dates() -> None:
    header = ["event_id", "event_type", "occurred_at", "customer_id", "phone", "touchpoint_id", "attr.visits"]
    stream = workbook_bytes(
        header,
        ["x-1", "visit.closed", "2026-11-20T10:15:00Z", 1042, "+34600111222", "t", 3],
        [],
        ["x-2", "visit.closed", datetime(2026, 11, 20, 10, 15), 1043.0, 34600111222, "t", 2.5],
    )
    rows = list(xlsx_rows(stream))
    assert len(rows) == 4 and all(c is None for c in rows[2])
    parsed = read_header(rows[0])
    event = event_of_row(parsed, rows[1])
    assert event.customer.id == "1042" and event.attributes == {"visits": 3}
    problems = problems_of(rows[3], header)
    # An Excel date-time has no zone, and a phone typed as a number lost its "+".
    assert set(problems) == {"occurred_at", "phone"}


def test_a_file_that_is_not_a_workbook_is_unreadable() -> None:
    with pytest.raises(UnreadableFile):
        list(xlsx_rows(io.BytesIO(b"PK\x03\x04 not really a zip")))


def test_the_format_comes_from_the_name_or_the_content() -> None:
    assert file_format("incoming/daily.XLSX", b"") == "xlsx"
    assert file_format("incoming/daily.csv", b"PK\x03\x04") == "csv"
    assert file_format("incoming/daily", b"PK\x03\x04") == "xlsx"
    assert file_format("incoming/daily", b"event") == "csv"
    assert file_format("incoming/daily.pdf", b"%PDF") is None


def test_the_report_goes_under_reports_with_the_files_relative_name() -> None:
    assert (
        report_key_for("incoming/2026/claims.csv", "incoming/", "reports/")
        == "reports/2026/claims.csv.report.csv"
    )


class Acceptor:
    """An accept port remembering what it accepted; fails for the event ids it is told to."""

    def __init__(self, known: set[str] | None = None, failing: set[str] | None = None) -> None:
        self.known = known or set()
        self.failing = failing or set()
        self.correlations: dict[str, str] = {}

    def __call__(self, event: InteractionEvent, correlation_id: str) -> Accepted:
        if event.event_id in self.failing:
            raise Unavailable("dynamodb put_item failed: InternalServerError")
        interaction_id = interaction_id_for(event.source, event.event_id)
        is_new = event.event_id not in self.known
        self.known.add(event.event_id)
        self.correlations[event.event_id] = correlation_id
        return Accepted(interaction_id, correlation_id, is_new=is_new)


def run(
    rows: Iterable[Sequence[object]], acceptor: Acceptor, **options: Any
) -> tuple[ImportSummary, list[ReportLine]]:
    report: list[ReportLine] = []
    summary = import_rows(
        rows, accept=acceptor, report=report.append, correlation_prefix="import-f", **options
    )
    return summary, report


def test_good_rows_are_accepted_and_bad_and_repeated_ones_reported_with_reasons() -> None:
    acceptor = Acceptor(known={"seen-before"})
    rows: list[Sequence[object]] = [
        HEADER,
        ANA,
        row(event_id="claim-2", email="ana@"),
        [""] * len(HEADER),
        row(event_id="seen-before"),
        row(event_id="claim-3", touchpoint_id="", phone="12"),
        row(event_id="claim-4"),
        ANA,
    ]
    summary, report = run(rows, acceptor)

    assert (summary.rows, summary.accepted, summary.duplicates, summary.rejected) == (6, 2, 2, 2)
    lines = [(r.row, r.event_id, r.status, r.field) for r in report]
    assert (3, "claim-2", "rejected", "email") in lines
    assert {(6, "claim-3", "rejected", "touchpoint_id"), (6, "claim-3", "rejected", "phone")} <= set(lines)
    assert (5, "seen-before", "duplicate", "") in lines
    assert (8, "claim-1", "duplicate", "") in lines  # the file repeats its own row 2
    assert all(r.problem for r in report)
    assert acceptor.correlations["claim-4"] == "import-f-7"


def test_a_header_problem_imports_nothing_and_says_why() -> None:
    acceptor = Acceptor()
    summary, report = run([["event_id", "colour"], ["e-1", "red"]], acceptor)
    assert summary.accepted == 0 and summary.unreadable
    assert {(r.row, r.field) for r in report} == {
        (1, "colour"),
        (1, "event_type"),
        (1, "occurred_at"),
        (1, "customer_id"),
        (1, "touchpoint_id"),
    }
    assert acceptor.known == set()


def test_an_empty_file_is_reported() -> None:
    summary, report = run([], Acceptor())
    assert summary.unreadable and [r.problem for r in report] == ["the file is empty: no header row"]


def test_rows_past_the_cap_are_not_read_and_the_report_says_where_it_stopped() -> None:
    rows: list[Sequence[object]] = [HEADER, *(row(event_id=f"e-{i}") for i in range(5))]
    summary, report = run(rows, Acceptor(), max_rows=3)
    assert summary.truncated and (summary.rows, summary.accepted) == (3, 3)
    (line,) = report
    assert (line.row, line.field) == (5, "file") and "more than 3 rows" in line.problem


def test_rows_a_dependency_failed_on_are_reported_for_retry() -> None:
    summary, report = run([HEADER, ANA, row(event_id="claim-9")], Acceptor(failing={"claim-9"}))
    assert (summary.accepted, summary.retry) == (1, 1)
    assert [(r.row, r.status) for r in report] == [(3, "retry")]


def test_an_unreadable_stretch_stops_the_import_with_a_report_line() -> None:
    good = ",".join(HEADER) + "\n" + ",".join(f'"{c}"' for c in ANA) + "\n"
    broken = csv_rows(io.BytesIO(good.encode() + "e-2,Peña\n".encode("latin-1")))
    summary, report = run(broken, Acceptor())
    assert summary.unreadable and summary.accepted == 1
    assert (report[-1].row, report[-1].field) == (3, "file")


def test_report_cells_never_start_a_spreadsheet_formula() -> None:
    line = ReportLine(2, "=HYPERLINK(1)", "rejected", "event_id", "-bad")
    assert line.cells() == ["2", "'=HYPERLINK(1)", "rejected", "event_id", "'-bad"]
