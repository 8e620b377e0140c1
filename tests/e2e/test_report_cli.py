"""`cxloop report` through `cxloop serve`: answers scored by the running runtime come back as the
periodic HTML report of their branch, or as its PDF, fetched by the CLI (a subprocess, as a user
runs it) through the same role-scoped route the dashboards use."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.e2e.conftest import REPO, Client, wait_for
from tests.helpers import load_event

pytestmark = pytest.mark.e2e


def answer_survey(client: Client, touchpoint: str, branch: str, nps: int) -> None:
    event = load_event("erp/claim_reported")
    tag = uuid.uuid4().hex[:10]
    event["event_id"] = f"report-{tag}"
    event["customer"] |= {"id": f"R-{tag}", "email": f"report-{tag}@example.com"}
    event["touchpoint"] |= {"id": touchpoint, "branch": branch}
    assert client.post_event(json.dumps(event).encode()).status_code == 202
    survey_url = client.message_to(event["customer"]["email"])["survey_url"]
    answered = client.http.post(survey_url, data={"nps": str(nps), "csat": "5"}, timeout=10)
    assert answered.status_code == 200


def answered_branch(client: Client) -> tuple[str, str, str]:
    """A new branch with three answers this month: its id, its touchpoint and the period."""
    branch = f"e2e-report-{uuid.uuid4().hex[:8]}"
    touchpoint = f"{branch}/claims"
    for nps in (10, 9, 2):
        answer_survey(client, touchpoint, branch, nps)
    # Answers are counted on the day they are scored: this month.
    period = datetime.now(UTC).strftime("%Y-%m")
    figures = f"/v1/reports/metrics?scope=branch:{branch}&period={period}&format=json"
    wait_for(lambda: client.staff_get(figures).json().get("responses") == 3, timeout_s=60)
    return branch, touchpoint, period


def test_cxloop_report_writes_the_branch_report_from_the_running_runtime(
    client: Client, tmp_path: Path
) -> None:
    branch, touchpoint, period = answered_branch(client)

    out = tmp_path / "report.html"
    command = [
        *(sys.executable, "-m", "infra.local.cli", "report"),
        *("--scope", f"branch:{branch}", "--period", period, "--lang", "es"),
        *("--url", client.base_url, "--out", str(out)),
    ]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)

    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == f"wrote {out}"
    page = out.read_text(encoding="utf-8")
    assert page.startswith('<!doctype html><html lang="es">')
    assert f"branch:{branch}" in page and touchpoint in page
    # Two promoters and a detractor of three: NPS 33,3, flagged as a small sample.
    assert '<p class="value">33,3</p>' in page and "menos de 30 respuestas" in page
    assert "<script" not in page


def test_cxloop_report_writes_the_branch_report_as_pdf(client: Client, tmp_path: Path) -> None:
    branch, touchpoint, period = answered_branch(client)
    command = [
        *(sys.executable, "-m", "infra.local.cli", "report", "--format", "pdf"),
        *("--scope", f"branch:{branch}", "--period", period, "--lang", "es", "--url", client.base_url),
    ]
    # No --out: the default name, with the PDF's extension, in the working directory.
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)

    assert done.returncode == 0, done.stderr[-2000:]
    out = tmp_path / f"report-branch-{branch}-{period}.pdf"
    assert done.stdout.strip() == f"wrote {out.name}"
    document = out.read_bytes()
    assert document.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(document))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert f"branch:{branch}" in text and touchpoint in text
    # Two promoters and a detractor of three: NPS 33,3, flagged as a small sample.
    assert "33,3" in text and "menos de 30 respuestas" in text
    assert reader.metadata is not None and reader.metadata.creator == "cxloop"


def test_cxloop_report_refuses_a_bad_period(client: Client, tmp_path: Path) -> None:
    command = [
        *(sys.executable, "-m", "infra.local.cli", "report", "--scope", "all", "--period", "2026-13"),
        *("--url", client.base_url, "--out", str(tmp_path / "never.html")),
    ]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1 and "400" in done.stderr and "period" in done.stderr
    assert not (tmp_path / "never.html").exists()
