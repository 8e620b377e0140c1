"""Lake benchmark: the saved queries on 1,000,000 synthetic responses, with DuckDB.

Writes a year of synthetic lake files in the layout Firehose produces (JSON lines under
<dataset>/dt=YYYY-MM-DD/, a few objects per day), 1,000,000 responses and the ticket events
proportional to them (about one response in twelve opens a ticket, each ticket 2-5 versions),
into a temporary directory. Then, in the same run:

- each saved query (infra/analytics/queries/*.sql) over everything, timed in DuckDB as
  `cxloop analytics` runs it, against a bare `GROUP BY branch` over the same dataset's files:
  medians of --runs runs, and the ratio query / bare GROUP BY. The ratios are for JSON lines,
  the format Firehose writes here (no Parquet conversion is configured);
- the bytes an Athena query for one month would scan: Athena reads whole objects of the
  partitions it cannot prune, so with partition pruning (dt BETWEEN the month's first and last
  day; the ticket queries read dt >= the month's first day) it scans those partitions' files,
  without pruning every file of the dataset.

Run with `.venv/bin/python tests/benchmarks/lake_queries.py [--rows 1000000] [--runs 3]`; about
two to four minutes on a 2-core machine. It always exits 0: benchmarks report, tests assert.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from cxloop.domain.insights.lake import lake_time
from infra.local.analytics import SavedQuery, connect, run, saved_queries

DAYS = 365
FIRST_DAY = date(2026, 1, 1)
OBJECTS_PER_DAY = 4
TICKET_SHARE = 1 / 12
MONTH = ("2026-06-01", "2026-06-30")
PLACES = [
    (f"{city}/{desk}", city, region, country)
    for city, region, country in [
        ("quito-norte", "pichincha", "EC"),
        ("quito-sur", "pichincha", "EC"),
        ("guayaquil-centro", "guayas", "EC"),
        ("cuenca", "azuay", "EC"),
        ("madrid-centro", "madrid", "ES"),
    ]
    for desk in ("claims", "desk", "phone")
]
TOPICS = ["waiting_time", "staff", "price", "claims_process", "communication", "digital", "documents"]
BASELINE = {
    "responses": "SELECT branch, count(*) AS n FROM responses GROUP BY branch",
    "ticket_events": "SELECT branch, count(*) AS n FROM ticket_events GROUP BY branch",
}


def response_line(rng: random.Random, i: int, at: datetime) -> str:
    touchpoint, branch, region, country = rng.choice(PLACES)
    nps = rng.randrange(11) if rng.random() < 0.92 else None
    category = None if nps is None else "promoter" if nps >= 9 else "passive" if nps >= 7 else "detractor"
    topics = rng.sample(TOPICS, rng.choice((0, 0, 1, 1, 2, 3)))
    row = {
        "response_id": f"R{i:08d}",
        "interaction_id": f"I{i:08d}",
        "survey_id": "default",
        "event_type": "claim.reported",
        "submitted_at": lake_time(at),
        "touchpoint": touchpoint,
        "channel": "branch",
        "branch": branch,
        "region": region,
        "country": country,
        "language": "es",
        "nps": nps,
        "nps_category": category,
        "csat": rng.randrange(1, 6),
        "ces": rng.randrange(1, 8),
        "sentiment": rng.choice((None, "negative", "neutral", "positive")) if topics else None,
        "topics": topics,
        "callback": rng.random() < 0.1,
        "dt": at.date().isoformat(),
    }
    return json.dumps(row, separators=(",", ":")) + "\n"


def ticket_lines(rng: random.Random, i: int, opened: datetime) -> list[tuple[str, str]]:
    """(dt, line) for each version of one ticket."""
    _, branch, region, country = rng.choice(PLACES)
    due = opened + timedelta(hours=48)
    state: dict[str, Any] = {
        "ticket_id": f"CX{i:08d}",
        "response_id": f"R{i:08d}",
        "event_type": "claim.reported",
        "status": "new",
        "ticket_type": "complaint",
        "priority": "high",
        "team": f"{branch}-claims",
        "owner": f"P-{rng.randrange(70):03d}",
        "branch": branch,
        "region": region,
        "country": country,
        "opened_at": lake_time(opened),
        "due_at": lake_time(due),
        "first_contact_at": None,
        "resolved_at": None,
        "escalation_level": 0,
        "reopen_count": 0,
        "follow_up_outcome": None,
        "nps_category": "detractor",
    }
    at = opened
    steps: list[tuple[str, dict[str, Any]]] = [("open", {})]
    contacted = at + timedelta(minutes=rng.randrange(5, 900))
    steps.append(("log_call", {"status": "in_progress", "first_contact_at": lake_time(contacted)}))
    if rng.random() < 0.8:
        resolved = due + timedelta(hours=rng.choice((-40, -10, 5, 30)))
        steps.append(("resolve", {"status": "resolved", "resolved_at": lake_time(resolved)}))
        if rng.random() < 0.5:
            steps.append(
                ("follow_up", {"follow_up_outcome": rng.choice(("recovered", "neutral", "unhappy"))})
            )
    lines = []
    for version, (action, changes) in enumerate(steps, start=1):
        at = at + timedelta(hours=rng.randrange(1, 30)) if version > 1 else at
        state |= changes
        row = {
            **state,
            "version": version,
            "at": lake_time(at),
            "action": action,
            "dt": at.date().isoformat(),
        }
        lines.append((row["dt"], json.dumps(row, separators=(",", ":")) + "\n"))
    return lines


def write_objects(folder: Path, dataset: str, day: str, lines: list[str]) -> None:
    target = folder / dataset / f"dt={day}"
    target.mkdir(parents=True, exist_ok=True)
    size = max(1, -(-len(lines) // OBJECTS_PER_DAY))
    for part in range(0, len(lines), size):
        (target / f"{dataset}-1-{day}-{part:06d}").write_text("".join(lines[part : part + size]))


def generate(folder: Path, rows: int, seed: int = 7) -> tuple[int, int]:
    rng = random.Random(seed)
    per_day = rows // DAYS
    tickets: dict[str, list[str]] = {}
    ticket_number = events = 0
    for day_index in range(DAYS):
        day = datetime.combine(FIRST_DAY + timedelta(days=day_index), datetime.min.time(), UTC)
        count = per_day + (1 if day_index < rows % DAYS else 0)
        start = day_index * per_day + min(day_index, rows % DAYS)
        lines = []
        for i in range(start, start + count):
            at = day + timedelta(seconds=rng.randrange(86400))
            lines.append(response_line(rng, i, at))
            if rng.random() < TICKET_SHARE:
                ticket_number += 1
                for dt, line in ticket_lines(rng, i, at + timedelta(minutes=1)):
                    tickets.setdefault(dt, []).append(line)
                    events += 1
        write_objects(folder, "responses", day.date().isoformat(), lines)
    for dt, lines in tickets.items():
        write_objects(folder, "ticket_events", dt, lines)
    return ticket_number, events


def bare_group_by(connection: Any, sql: str) -> list[Any]:
    return list(connection.execute(sql).fetchall())


def median_seconds(action: Callable[[], object], runs: int) -> float:
    """Median of `runs` timed runs, after one untimed run that warms the file cache."""
    action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def dataset_of(query: SavedQuery) -> str:
    return "ticket_events" if "FROM ticket_events" in query.sql else "responses"


def bytes_in(folder: Path, dataset: str, keep: Callable[[str], bool] = lambda _: True) -> int:
    return sum(
        f.stat().st_size
        for part in (folder / dataset).iterdir()
        if keep(part.name.removeprefix("dt="))
        for f in part.iterdir()
    )


def scanned_for_one_month(folder: Path, query: SavedQuery) -> tuple[int, int]:
    """(bytes with partition pruning, bytes without) for MONTH."""
    dataset = dataset_of(query)
    if query.parameters == ("from_date", "to_date"):
        pruned = bytes_in(folder, dataset, lambda dt: MONTH[0] <= dt <= MONTH[1])
    else:  # the ticket queries read the events from the month's first day on
        pruned = bytes_in(folder, dataset, lambda dt: dt >= MONTH[0])
    return pruned, bytes_in(folder, dataset)


def mib(size: int) -> str:
    return f"{size / 2**20:,.1f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cxloop-lake-bench-"))
    try:
        started = time.perf_counter()
        tickets, events = generate(folder, args.rows)
        print(
            f"generated {args.rows:,} responses ({mib(bytes_in(folder, 'responses'))}) and {events:,} events "
            f"of {tickets:,} tickets ({mib(bytes_in(folder, 'ticket_events'))}) over {DAYS} days "
            f"in {time.perf_counter() - started:.0f} s; JSON lines, {OBJECTS_PER_DAY} objects a day"
        )
        connection = connect(folder)
        baselines = {
            dataset: median_seconds(partial(bare_group_by, connection, sql), args.runs)
            for dataset, sql in BASELINE.items()
        }
        for dataset, seconds in baselines.items():
            print(f"bare GROUP BY branch over {dataset}: median {seconds:.2f} s ({args.runs} runs)")
        print(f"\n{'query':26} {'median':>8} {'ratio':>7} {'rows':>6}   one month scans (pruned / whole)")
        for query in saved_queries().values():
            seconds = median_seconds(partial(run, connection, query), args.runs)
            result_rows = len(run(connection, query).rows)
            pruned, whole = scanned_for_one_month(folder, query)
            ratio = seconds / baselines[dataset_of(query)]
            print(
                f"{query.name:26} {seconds:7.2f}s {ratio:6.1f}x {result_rows:6} "
                f"  {mib(pruned)} / {mib(whole)} ({100 * pruned / whole:.1f} %)"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
