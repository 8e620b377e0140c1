"""The last 12 weeks brought in, then what history makes visible.

1. After the day (start_history), an analyst publishes the insurer's old survey (its drivers) in
   the `surveys` catalogue, and the export of its answers is dropped into the intake bucket's
   incoming/history/ (boto3 against the runtime's moto, found with GET /_local/aws).
   import_events stores and counts each answer on its own day: no survey, ticket or alert for a
   12-week-old answer; finish_history waits for the import's report.
2. The daily metric-drop check runs (POST /_local/schedules/metric_alerts): Guayaquil Centro's
   last week falls below its 28 days before, and the alert is read back from /_local/alerts.
3. Last month's periodic reports are published, as on the first of this month
   (POST /_local/schedules/publish_reports?at=...): stored in the reports bucket and mailed.
"""

from __future__ import annotations

import csv
import html
import io
import random
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as clock_time
from typing import Any

from infra.local.analytics import lake_location
from infra.local.demo.history import (
    DIPPING_BRANCH,
    HISTORY_SURVEY_ID,
    WEEKS,
    history_catalogue,
    history_csv,
    history_rows,
)
from infra.local.demo.http import Http
from infra.local.resources import bucket_name, local_session
from infra.pipeline import PIPELINE

HISTORY_KEY = "incoming/history/seguros-andinos-12-weeks.csv"
REPORT_KEY = "reports/history/seguros-andinos-12-weeks.csv.report.csv"
IMPORT_TIMEOUT_S = 90
# A scheduled run answers when it is done: every manager's report (HTML and PDF) takes seconds.
SCHEDULED_TIMEOUT_S = 120
INTAKE = bucket_name(next(b for b in PIPELINE.buckets if b.name == "intake"))
_LINK = re.compile(r"https?://[^\s\"<>]+?\.html[^\s\"<>]*")


@dataclass
class History:
    """What the history part saw, for the verdict."""

    rows: int = 0
    import_s: float = 0.0
    drop_alerts: list[dict[str, Any]] = field(default_factory=list)
    reports: dict[str, Any] = field(default_factory=dict)
    report_links: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    started: float = 0.0


def start_history(http: Http, token: str, seed: int, say: Any) -> History:
    """Publish the old survey and drop the history file; import_events works on it in the
    runtime (finish_history waits for it)."""
    seen = History()
    say(f"the last {WEEKS} weeks: the insurer's past answers, imported with their own dates")
    published = http.session.put(
        f"{http.base_url}/v1/config/surveys",
        json={"document": history_catalogue().model_dump(mode="json"), "note": "demo: the old survey"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    print(f"  surveys catalogue with {HISTORY_SURVEY_ID} (three drivers): {published.status_code}")
    if published.status_code != 200:
        seen.problems.append(f"publishing the history's survey answered {published.status_code}")
        return seen
    rows = history_rows(datetime.now(UTC).date(), random.Random(seed))
    seen.rows = len(rows)
    seen.started = time.monotonic()
    _s3(http).put_object(Bucket=INTAKE, Key=HISTORY_KEY, Body=history_csv(rows))
    print(f"  s3://{INTAKE}/{HISTORY_KEY}: {len(rows)} answers from {rows[0]['answered_at'][:10]} on")
    return seen


def finish_history(http: Http, seen: History, say: Any) -> History:
    """Wait for the import's report, then run the drop check and last month's reports."""
    if seen.problems:
        return seen
    say("the history imported: its report, the daily metric-drop check, last month's reports")
    report = _wait_for_object(_s3(http), INTAKE, REPORT_KEY, IMPORT_TIMEOUT_S)
    seen.import_s = time.monotonic() - seen.started
    if report is None:
        seen.problems.append(f"the history import wrote no report in {IMPORT_TIMEOUT_S} s")
        return seen
    bad = list(csv.DictReader(io.StringIO(report)))
    print(f"  import_events done {seen.import_s:.1f} s after the drop; rows reported: {len(bad)}")
    print(f"  (s3://{INTAKE}/{REPORT_KEY})")
    if bad:
        seen.problems.append(f"{len(bad)} history rows were not imported, e.g. {bad[0]}")
    # Both at once: the check mostly waits on the AWS stand-in, the reports mostly render PDFs.
    first = datetime.combine(date.today().replace(day=1), clock_time(6), UTC)
    before = len(http.json("/_local/outbox"))
    with ThreadPoolExecutor(max_workers=2) as pool:
        drops = pool.submit(run_scheduled, http, "metric_alerts", None)
        reports = pool.submit(run_scheduled, http, "publish_reports", first)
        (checked, check_s), (published, publish_s) = drops.result(), reports.result()
    print(f"  POST /_local/schedules/metric_alerts: {checked} in {check_s:.1f} s")
    show_drops(http, seen)
    print(
        f"  POST /_local/schedules/publish_reports?at={first.isoformat()}: {published} in {publish_s:.1f} s"
    )
    seen.reports = published
    show_reports(http, seen, http.json("/_local/outbox")[before:])
    return seen


def run_scheduled(http: Http, function: str, at: datetime | None) -> tuple[dict[str, Any], float]:
    """Run a scheduled function through the local scheduler; its summary and how long it took."""
    started = time.monotonic()
    answer = http.session.post(
        f"{http.base_url}/_local/schedules/{function}",
        params={"at": at.isoformat()} if at else {},
        timeout=SCHEDULED_TIMEOUT_S,
    )
    return (answer.json() if answer.ok else {"status": answer.status_code}), time.monotonic() - started


def play_history(http: Http, token: str, seed: int, say: Any) -> History:
    """Both halves, one after the other."""
    return finish_history(http, start_history(http, token, seed, say), say)


def show_drops(http: Http, seen: History) -> None:
    seen.drop_alerts = [
        a for a in http.json("/_local/alerts") if a["attributes"].get("kind") == "metric_drop"
    ]
    for alert in seen.drop_alerts:
        print(f"  SNS: {alert['subject']}")
        for line in str(alert["message"]).splitlines()[1:]:
            print(f"    {line}")
    if not any(DIPPING_BRANCH in a["subject"] for a in seen.drop_alerts):
        seen.problems.append(f"no metric-drop alert for {DIPPING_BRANCH}")


def show_reports(http: Http, seen: History, mails: list[dict[str, Any]]) -> None:
    if not seen.reports.get("stored"):
        seen.problems.append(f"no periodic report was published: {seen.reports}")
        return
    seen.report_links = [html.unescape(link) for m in mails for link in _LINK.findall(str(m.get("body", "")))]
    whole = next((link for link in seen.report_links if "/all/" in link), None)
    print(f"  {len(mails)} managers mailed their report's link; the company's: {whole}")
    print(
        f"  or ask the staff API: GET /v1/reports/metrics?scope=all&period={seen.reports.get('period')} "
        "(executive token)"
    )


def _s3(http: Http) -> Any:
    endpoint, _ = lake_location(http.base_url)
    return local_session().client("s3", endpoint_url=endpoint)


def _wait_for_object(s3: Any, bucket: str, key: str, timeout_s: float) -> str | None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            return str(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8"))
        except s3.exceptions.NoSuchKey:
            time.sleep(0.2)
    return None
