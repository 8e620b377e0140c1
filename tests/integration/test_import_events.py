"""import_events against moto: a CSV and an XLSX extract with good and bad rows dropped into the
intake bucket's incoming/; events accepted, the report written back with reasons, the same file
never imported twice, and the local bucket poller delivering S3's notification."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

import pytest
from openpyxl import Workbook

from cxloop.adapters.intake import S3Intake
from cxloop.adapters.messaging import SqsQueue
from cxloop.consumer import IdempotentStep
from cxloop.domain.kernel.errors import Unavailable
from cxloop.domain.kernel.events import interaction_id_for
from functions.import_events import handler as import_events
from infra.local.bucket_pollers import BucketPoller, s3_event
from infra.pipeline import PIPELINE
from tests.conftest import LocalAws
from tests.helpers import EVENTS
from tests.integration.support import NOW, Ports, context, invoke, scan

SAMPLE = EVENTS / "files" / "daily_extract.csv"
HEADER = [
    "event_id",
    "source",
    "event_type",
    "occurred_at",
    "customer_id",
    "email",
    "phone",
    "touchpoint_id",
    "country",
    "attr.policy",
]


def bucket(aws: LocalAws) -> str:
    return aws.env["BUCKET_INTAKE_NAME"]


def drop(aws: LocalAws, key: str, body: bytes) -> dict[str, Any]:
    """Put a file and answer the notification S3 sends for it."""
    s3 = aws.clients["s3"]
    s3.put_object(Bucket=bucket(aws), Key=key, Body=body)
    versions = s3.list_object_versions(Bucket=bucket(aws), Prefix=key)["Versions"]
    latest = next(v for v in versions if v["Key"] == key and v["IsLatest"])
    return s3_event(bucket(aws), latest)


def report_rows(aws: LocalAws, key: str) -> list[dict[str, str]]:
    body = aws.clients["s3"].get_object(Bucket=bucket(aws), Key=key)["Body"].read().decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


def dispatched(aws: LocalAws) -> list[str]:
    return sorted(json.loads(m["Body"])["event"]["event_id"] for m in aws.drain("dispatch"))


def test_the_sample_csv_imports_its_good_rows_and_reports_the_bad_ones(lambda_env: LocalAws) -> None:
    event = drop(lambda_env, "incoming/2026-11-24/daily_extract.csv", SAMPLE.read_bytes())

    answer = invoke("import_events", event)

    (summary,) = answer["imported"]
    assert summary["report"] == "reports/2026-11-24/daily_extract.csv.report.csv"
    assert (summary["rows"], summary["accepted"], summary["rejected"], summary["duplicates"]) == (6, 3, 2, 1)
    assert dispatched(lambda_env) == ["ext-0001", "ext-0002", "ext-0005"]
    assert len(scan(lambda_env, "interactions")) == 3
    rows = report_rows(lambda_env, summary["report"])
    reasons = {(r["row"], r["event_id"], r["status"], r["field"]) for r in rows}
    assert ("4", "ext-0003", "rejected", "email") in reasons
    assert ("5", "ext-0004", "rejected", "occurred_at") in reasons
    assert ("5", "ext-0004", "rejected", "touchpoint_id") in reasons
    assert ("8", "ext-0001", "duplicate", "") in reasons  # after a blank row 6
    assert all(r["problem"] for r in rows)
    head = lambda_env.clients["s3"].head_object(Bucket=bucket(lambda_env), Key=summary["report"])
    assert head["Metadata"]["accepted"] == "3" and head["Metadata"]["rejected"] == "2"


def test_the_same_file_notified_again_imports_nothing_and_keeps_its_report(lambda_env: LocalAws) -> None:
    event = drop(lambda_env, "incoming/daily.csv", SAMPLE.read_bytes())
    first = invoke("import_events", event)
    dispatched(lambda_env)

    again = invoke("import_events", event)

    assert again == first  # the stored result of the first import, nothing run again
    assert dispatched(lambda_env) == []
    versions = lambda_env.clients["s3"].list_object_versions(Bucket=bucket(lambda_env), Prefix="reports/")
    assert len(versions["Versions"]) == 1


def test_the_same_rows_in_another_file_are_duplicates_not_new_events(lambda_env: LocalAws) -> None:
    invoke("import_events", drop(lambda_env, "incoming/monday.csv", SAMPLE.read_bytes()))
    dispatched(lambda_env)

    (summary,) = invoke("import_events", drop(lambda_env, "incoming/monday-again.csv", SAMPLE.read_bytes()))[
        "imported"
    ]

    assert (summary["accepted"], summary["duplicates"], summary["rejected"]) == (0, 4, 2)
    # Handed to dispatch again (send_survey is idempotent on the interaction), still one each.
    assert dispatched(lambda_env) == ["ext-0001", "ext-0002", "ext-0005"]
    statuses = {r["event_id"]: r["status"] for r in report_rows(lambda_env, summary["report"])}
    assert statuses["ext-0002"] == "duplicate"


def workbook(rows: Sequence[Sequence[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for cells in rows:
        sheet.append(list(cells))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_extract_with_good_and_bad_rows(lambda_env: LocalAws) -> None:
    rows: list[Sequence[object]] = [
        HEADER,
        [
            "x-1",
            "erp-visits",
            "visit.closed",
            "2026-11-24T16:00:00-05:00",
            1042,
            "x1@example.com",
            None,
            "quito-norte/desk",
            "EC",
            77812,
        ],
        [
            "x-2",
            "erp-visits",
            "visit.closed",
            "2026-11-24T16:05:00-05:00",
            "C-2",
            None,
            593991234567,
            "quito-norte/desk",
            "EC",
            None,
        ],
        [
            "x-3",
            "erp-visits",
            "visit.closed",
            "2026-11-24T16:10:00-05:00",
            "C-3",
            "x3@example.com",
            "+593991234567",
            None,
            "Ecuador",
            None,
        ],
    ]
    (summary,) = invoke("import_events", drop(lambda_env, "incoming/visits.xlsx", workbook(rows)))["imported"]

    assert (summary["accepted"], summary["rejected"]) == (1, 2)
    (message,) = lambda_env.drain("dispatch")
    interaction = json.loads(message["Body"])
    assert interaction["interaction_id"] == interaction_id_for("erp-visits", "x-1")
    assert interaction["event"]["customer"]["id"] == "1042"
    assert interaction["event"]["attributes"] == {"policy": 77812}
    reasons = {(r["row"], r["field"]) for r in report_rows(lambda_env, summary["report"])}
    assert reasons == {("3", "phone"), ("4", "touchpoint_id"), ("4", "country")}


def test_a_file_with_a_wrong_header_imports_nothing_and_says_which_columns(lambda_env: LocalAws) -> None:
    body = b"event_id;evnt_type;occurred_at;customer_id;touchpoint_id\ne-1;x;y;z;t\n"
    (summary,) = invoke("import_events", drop(lambda_env, "incoming/typo.csv", body))["imported"]
    assert summary["accepted"] == 0 and summary["unreadable"] is True
    fields = {r["field"] for r in report_rows(lambda_env, summary["report"])}
    assert fields == {"evnt_type", "event_type"}
    assert dispatched(lambda_env) == []


def test_objects_outside_incoming_are_ignored(lambda_env: LocalAws) -> None:
    answer = invoke("import_events", drop(lambda_env, "reports/someone.csv", SAMPLE.read_bytes()))
    assert answer == {"imported": []}
    assert scan(lambda_env, "interactions") == []


class FlakySqs:
    """The real moto SQS client, except SendMessage fails for one event id."""

    def __init__(self, real: Any, failing: str) -> None:
        self.real, self.failing = real, failing

    def send_message(self, **request: Any) -> Any:
        from botocore.exceptions import ClientError

        if json.loads(request["MessageBody"])["event"]["event_id"] == self.failing:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "boom"}}, "SendMessage")
        return self.real.send_message(**request)


def idempotent_import(ports: Ports, sqs: Any) -> IdempotentStep:
    deps = import_events.Deps(
        intake=S3Intake(bucket(ports.aws), ports.aws.clients["s3"]),
        interactions=ports.interactions(),
        dispatch=SqsQueue(ports.aws.queue_url("dispatch"), sqs),
        clock=lambda: NOW,
    )
    return IdempotentStep(
        import_events.create_step(deps),
        table_name=ports.aws.table("idempotency"),
        key=import_events.IDEMPOTENCY_KEY,
        dynamodb=ports.db,
    )


def test_a_dependency_failure_fails_the_import_for_a_retry_that_completes_it(ports: Ports) -> None:
    event = drop(ports.aws, "incoming/flaky.csv", SAMPLE.read_bytes())
    flaky = idempotent_import(ports, FlakySqs(ports.aws.clients["sqs"], "ext-0002"))

    with pytest.raises(Unavailable):
        import_events.handle(event, context("import_events"), flaky)
    report = {r["event_id"]: r["status"] for r in report_rows(ports.aws, "reports/flaky.csv.report.csv")}
    assert report["ext-0002"] == "retry"
    assert dispatched(ports.aws) == ["ext-0001", "ext-0005"]

    # Lambda's retry of the same notification (the failed attempt left no idempotency record).
    # The failed attempt stored ext-0002 before its hand-off failed: a duplicate now, and like
    # every duplicate it is handed to dispatch again, which completes it.
    healthy = idempotent_import(ports, ports.aws.clients["sqs"])
    (summary,) = import_events.handle(event, context("import_events"), healthy)["imported"]
    assert (summary["accepted"], summary["duplicates"], summary["retry"]) == (0, 4, 0)
    assert dispatched(ports.aws) == ["ext-0001", "ext-0002", "ext-0005"]


def test_the_local_poller_delivers_each_new_object_once_and_retries_failures(lambda_env: LocalAws) -> None:
    spec = PIPELINE.function("import_events")
    (trigger,) = spec.object_triggers
    received: list[dict[str, Any]] = []

    def record(event: dict[str, Any], context: Any) -> dict[str, Any]:
        received.append(event)
        return {}

    poller = BucketPoller(
        spec,
        trigger,
        bucket=bucket(lambda_env),
        s3=lambda_env.clients["s3"],
        handler=record,
    )
    lambda_env.clients["s3"].put_object(Bucket=bucket(lambda_env), Key="incoming/a b.csv", Body=b"x")
    lambda_env.clients["s3"].put_object(Bucket=bucket(lambda_env), Key="reports/not-me.csv", Body=b"x")

    assert poller.poll_once() == 1
    assert poller.poll_once() == 0
    (notified,) = received[0]["Records"]
    assert notified["eventName"] == "ObjectCreated:Put"
    assert notified["s3"]["object"]["key"] == "incoming/a+b.csv"  # URL-encoded, as S3 sends it
    assert import_events.objects_of(received[0])[0].key == "incoming/a b.csv"

    def failing(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise Unavailable("down")

    broken = BucketPoller(
        spec,
        trigger,
        bucket=bucket(lambda_env),
        s3=lambda_env.clients["s3"],
        retry_delay_s=0,
        handler=failing,
    )
    assert broken.poll_once() == 1
    assert broken.invocations == 3
    assert broken.dead_letters == [{"bucket": bucket(lambda_env), "key": "incoming/a b.csv", "attempts": 3}]
