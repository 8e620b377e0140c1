"""Bulk intake through `cxloop serve`: a signed batch over HTTP, and a daily extract dropped into
the intake bucket (boto3 against the runtime's moto endpoint, found with GET /_local/aws): the
bucket poller imports it, surveys reach the outbox, and the report of rejected rows is there."""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any

import pytest

from infra.local.defaults import WEBHOOK_SECRET
from infra.local.erp import signed_headers
from infra.local.resources import bucket_name
from infra.pipeline import PIPELINE
from tests.e2e.conftest import Client, wait_for
from tests.helpers import EVENTS, load_event

pytestmark = pytest.mark.e2e

INTAKE = bucket_name(next(b for b in PIPELINE.buckets if b.name == "intake"))


def s3_of(client: Client) -> Any:
    return client.aws("s3")


def test_a_signed_batch_answers_one_result_per_event_and_surveys_go_out(client: Client) -> None:
    tag = uuid.uuid4().hex[:8]
    good = load_event("erp/claim_reported") | {"event_id": f"batch-{tag}"}
    good["customer"] = good["customer"] | {"id": f"I-{tag}", "email": f"batch-{tag}@example.com"}
    body = json.dumps({"events": [good, {"event_id": "no-customer"}, good]}).encode()

    answer = client.http.post(
        client.url("/v1/events/batch"), data=body, headers=signed_headers(body, WEBHOOK_SECRET), timeout=30
    )

    assert answer.status_code == 200
    assert [r["status"] for r in answer.json()["results"]] == ["accepted", "rejected", "duplicate"]
    assert client.message_to(f"batch-{tag}@example.com")["survey_url"]


def test_a_dropped_extract_is_imported_surveys_go_out_and_the_report_names_the_bad_rows(
    client: Client,
) -> None:
    tag = uuid.uuid4().hex[:8]
    # The sample extract with this run's own event ids and addresses.
    text = (EVENTS / "files" / "daily_extract.csv").read_text(encoding="utf-8").replace("ext-", f"e2e-{tag}-")
    s3 = s3_of(client)
    s3.put_object(Bucket=INTAKE, Key=f"incoming/{tag}/daily extract.csv", Body=text.encode("utf-8"))

    email = client.message_to(f"e2e-{tag}-0001@example.com", timeout_s=30)
    assert "/s/" in email["survey_url"]
    report_key = f"reports/{tag}/daily extract.csv.report.csv"
    body = wait_for(lambda: _read(s3, report_key), 30)
    rows = list(csv.DictReader(io.StringIO(body)))
    problems = {(r["event_id"].removeprefix(f"e2e-{tag}-"), r["status"], r["field"]) for r in rows}
    assert {
        ("0003", "rejected", "email"),
        ("0004", "rejected", "touchpoint_id"),
        ("0001", "duplicate", ""),
    } <= problems


def _read(s3: Any, key: str) -> str | None:
    try:
        return str(s3.get_object(Bucket=INTAKE, Key=key)["Body"].read().decode("utf-8"))
    except s3.exceptions.NoSuchKey:
        return None
