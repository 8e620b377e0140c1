"""The data lake through `cxloop serve`: answers flow through the responses stream,
archive_to_lake and Firehose into the local lake, and `cxloop analytics` (a subprocess, as a
user runs it) computes NPS over them with DuckDB."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import REPO, Client
from tests.helpers import load_event

pytestmark = pytest.mark.e2e


def answer_survey(client: Client, touchpoint: str, nps: int) -> None:
    event = load_event("erp/claim_reported")
    tag = uuid.uuid4().hex[:10]
    event["event_id"] = f"lake-{tag}"
    event["customer"] |= {"id": f"L-{tag}", "email": f"lake-{tag}@example.com"}
    event["touchpoint"]["id"] = touchpoint
    assert client.post_event(json.dumps(event).encode()).status_code == 202
    survey_url = client.message_to(event["customer"]["email"])["survey_url"]
    answered = client.http.post(survey_url, data={"nps": str(nps), "csat": "4"}, timeout=10)
    assert answered.status_code == 200


def analytics(base_url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "infra.local.cli", "analytics", *args, "--url", base_url]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def touchpoint_row(base_url: str, cwd: Path, touchpoint: str) -> dict[str, Any] | None:
    done = analytics(base_url, cwd, "nps_by_scope_and_period", "--format", "json")
    assert done.returncode == 0, done.stderr[-2000:]
    rows = json.loads(done.stdout)
    return next((r for r in rows if r["scope_level"] == "touchpoint" and r["scope"] == touchpoint), None)


def test_answers_reach_the_lake_and_the_saved_nps_query_counts_them(client: Client, tmp_path: Path) -> None:
    touchpoint = f"e2e-lake/{uuid.uuid4().hex[:8]}"
    for nps in (10, 9, 3):
        answer_survey(client, touchpoint, nps)

    deadline = time.monotonic() + 90
    row = touchpoint_row(client.base_url, tmp_path, touchpoint)
    while (row is None or row["answers"] < 3) and time.monotonic() < deadline:
        time.sleep(1)
        row = touchpoint_row(client.base_url, tmp_path, touchpoint)
    assert row is not None, "the answers never reached the lake"
    assert (row["responses"], row["answers"], row["promoters"], row["detractors"]) == (3, 3, 2, 1)
    assert row["nps"] == pytest.approx(33.3)
    assert row["small_sample"] is True
    # The files it queried, in the layout Firehose writes on AWS.
    days = sorted(p.name for p in (tmp_path / ".cxloop" / "lake" / "responses").iterdir())
    assert days and all(d.startswith("dt=20") and "!{" not in d for d in days)


def test_the_saved_queries_are_listed(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "infra.local.cli", "analytics", "--list"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    names = [line.split()[0] for line in done.stdout.splitlines()]
    assert names == ["health_report", "nps_by_scope_and_period", "sla_compliance", "topic_trends"]
