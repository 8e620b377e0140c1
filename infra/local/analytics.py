"""`cxloop analytics QUERY`: the saved Athena queries, run locally with DuckDB.

The saved queries (infra/analytics/queries/*.sql) are written once, in SQL both Athena (Trino)
and DuckDB run, over tables named `responses` and `ticket_events`. On AWS the CDK app saves
them as Athena named queries over the Glue tables; here DuckDB gets two views of those names
over the JSON-lines files Firehose wrote, read with hive partitioning on `dt` and the Glue
tables' column types (cxloop.domain.insights.lake.COLUMNS), so both engines see the same schema.

The files come from the running local runtime's S3 (moto): `GET /_local/aws` on the runtime
answers where it is; they are copied into .cxloop/lake/ and queried there.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import requests

from cxloop.domain.insights.lake import COLUMNS, DATASETS, PARTITION_KEY
from infra.local.resources import local_session

QUERIES = Path(__file__).resolve().parents[1] / "analytics" / "queries"
LAKE_DIR = Path(".cxloop") / "lake"
AWS_PATH = "/_local/aws"
# Glue (Hive) column types as DuckDB spells them.
DUCKDB_TYPES = {
    "string": "VARCHAR",
    "int": "INTEGER",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "array<string>": "VARCHAR[]",
}
EARLIEST, LATEST = "1970-01-01", "9999-12-31"
_COMMENT = re.compile(r"--.*$", re.MULTILINE)
_PARAMETERS = re.compile(r"^-- parameters: (.+?)(?: \(|$)", re.MULTILINE)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class SavedQuery:
    name: str
    sql: str
    # In the order of the query's `?` placeholders: from_date / to_date.
    parameters: tuple[str, ...]
    summary: str

    def arguments(self, from_date: str, to_date: str) -> list[str]:
        values = {"from_date": from_date, "to_date": to_date}
        return [values[name] for name in self.parameters]


def saved_queries(directory: Path = QUERIES) -> dict[str, SavedQuery]:
    """Every saved query, by file name (nps_by_scope_and_period.sql -> nps_by_scope_and_period)."""
    return {path.stem: _saved_query(path) for path in sorted(directory.glob("*.sql"))}


def _saved_query(path: Path) -> SavedQuery:
    sql = path.read_text(encoding="utf-8")
    declared = _PARAMETERS.search(sql)
    parameters = tuple(p.strip() for p in declared.group(1).split(",")) if declared else ()
    placeholders = _COMMENT.sub("", sql).count("?")
    if len(parameters) != placeholders:
        raise ValueError(f"{path.name}: {placeholders} placeholders, {len(parameters)} declared parameters")
    summary = sql.splitlines()[0].removeprefix("--").strip()
    return SavedQuery(path.stem, sql, parameters, summary)


# --- the lake's files --------------------------------------------------------------------


def with_lake_endpoint(app: WsgiApp, *, endpoint: str, bucket: str) -> WsgiApp:
    """The gateway, plus GET /_local/aws answering the moto endpoint and the lake bucket."""
    body = json.dumps({"endpoint": endpoint, "lake_bucket": bucket}).encode()

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != AWS_PATH or environ.get("REQUEST_METHOD") != "GET":
            return app(environ, start_response)
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return wrapped


def lake_location(base_url: str) -> tuple[str, str]:
    """(moto endpoint, lake bucket) of the local runtime at base_url."""
    answer = requests.get(f"{base_url.rstrip('/')}{AWS_PATH}", timeout=10)
    answer.raise_for_status()
    found = answer.json()
    return str(found["endpoint"]), str(found["lake_bucket"])


def download_lake(endpoint: str, bucket: str, target: Path) -> int:
    """Copy every partitioned lake object into target (a fresh copy); answers how many."""
    s3 = local_session().client("s3", endpoint_url=endpoint)
    copied = 0
    for dataset in DATASETS:
        shutil.rmtree(target / dataset, ignore_errors=True)
        pages = s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=f"{dataset}/{PARTITION_KEY}="
        )
        for key in (item["Key"] for page in pages for item in page.get("Contents", [])):
            if "!{" in key:
                continue  # not yet partitioned (the runtime's partitioner is about to move it)
            destination = target / key
            destination.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, key, str(destination))
            copied += 1
    return copied


# --- DuckDB ------------------------------------------------------------------------------


def connect(lake: Path) -> Any:
    """An in-memory DuckDB with the views `responses` and `ticket_events` over lake/."""
    import duckdb  # noqa: PLC0415 - a dev tool: only `cxloop analytics` and its tests load it

    connection = duckdb.connect()
    for dataset in DATASETS:
        connection.execute(view_sql(dataset, lake))
    return connection


def view_sql(dataset: str, lake: Path) -> str:
    columns = COLUMNS[dataset]  # type: ignore[index]
    files = sorted((lake / dataset).glob(f"{PARTITION_KEY}=*/*"))
    if not files:
        # No file yet: an empty view with the same columns, so every query still runs.
        nulls = ", ".join(f"CAST(NULL AS {DUCKDB_TYPES[t]}) AS {n}" for n, t in columns)
        return f"CREATE OR REPLACE VIEW {dataset} AS SELECT {nulls}, CAST(NULL AS VARCHAR) AS dt WHERE false"
    spec = ", ".join(f"'{name}': '{DUCKDB_TYPES[kind]}'" for name, kind in columns)
    pattern = (lake / dataset).as_posix() + f"/{PARTITION_KEY}=*/*"
    # Names and types come from cxloop.domain.insights.lake, the path is quoted: nothing from a user.
    return (
        f"CREATE OR REPLACE VIEW {dataset} AS SELECT * FROM read_json('{_quoted(pattern)}', "  # noqa: S608
        f"format = 'newline_delimited', columns = {{{spec}}}, "
        f"hive_partitioning = true, hive_types = {{'{PARTITION_KEY}': 'VARCHAR'}})"
    )


def _quoted(text: str) -> str:
    return text.replace("'", "''")


@dataclass(frozen=True)
class Result:
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def run(connection: Any, query: SavedQuery, *, from_date: str = EARLIEST, to_date: str = LATEST) -> Result:
    cursor = connection.execute(query.sql, query.arguments(from_date, to_date))
    columns = tuple(d[0] for d in cursor.description)
    return Result(columns, tuple(tuple(row) for row in cursor.fetchall()))


# --- output ------------------------------------------------------------------------------


def render(result: Result, style: str) -> str:
    if style == "json":
        return json.dumps(result.records(), ensure_ascii=False, indent=2, default=str)
    if style == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows(["" if v is None else v for v in row] for row in result.rows)
        return out.getvalue().rstrip("\n")
    return _table(result)


def _table(result: Result) -> str:
    cells = [list(result.columns)] + [[_cell(v) for v in row] for row in result.rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(result.columns))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(f"({len(result.rows)} rows)")
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def check_date(text: str) -> str:
    """A UTC date argument, as 'YYYY-MM-DD' (argparse type)."""
    return date.fromisoformat(text).isoformat()


def analytics(
    name: str | None,
    *,
    url: str,
    from_date: str | None,
    to_date: str | None,
    style: str,
    lake: Path = LAKE_DIR,
    show: Callable[[str], None] = print,
) -> int:
    """The `cxloop analytics` command; answers the exit status."""
    queries = saved_queries()
    if name is None:
        for query in queries.values():
            show(f"{query.name:28} {query.summary}")
        return 0
    if name not in queries:
        show(f"no saved query {name!r}; saved queries: {', '.join(queries)}")
        return 2
    endpoint, bucket = lake_location(url)
    download_lake(endpoint, bucket, lake)
    result = run(connect(lake), queries[name], from_date=from_date or EARLIEST, to_date=to_date or LATEST)
    show(render(result, style))
    return 0


__all__: Sequence[str] = ("SavedQuery", "analytics", "connect", "run", "saved_queries", "view_sql")
