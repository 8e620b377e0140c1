"""archive_to_lake (reads the responses and tickets streams) against moto: real stream records
from real writes, delivered by Firehose into S3 in the layout AWS produces (dt=<date>/), partial
batch failures for unreadable images and for rows Firehose keeps refusing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cxloop.adapters.lake import FirehoseLake, lake_settings_from
from cxloop.domain.casework.history import record
from cxloop.domain.surveys.models import SurveyResponse
from functions.archive_to_lake.handler import archive
from infra.local.resources import LAKE_BUCKET
from infra.local.stream_pollers import DynamicPartitioner, lambda_record
from infra.pipeline import PIPELINE
from tests.conftest import LocalAws
from tests.helpers import load_event, sample_ticket
from tests.integration.support import Ports, answered, context, invoke

CUSTOMER = ("C-1042", "Ana Pérez", "ana@example.com", "+593991234567")
COMMENT = "Nadie me llamó, el ajustador nunca vino"


def stream_records(aws: LocalAws, table: str) -> list[dict[str, Any]]:
    """Every record of the table's stream, as Lambda would hand them over."""
    db, streams = aws.clients["dynamodb"], aws.clients["dynamodbstreams"]
    arn = db.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=1000)["Records"]
    return [lambda_record(r, arn) for r in records]


def lake_objects(aws: LocalAws) -> dict[str, list[dict[str, Any]]]:
    """Every lake object's key and its JSON lines."""
    s3 = aws.clients["s3"]
    found = {}
    for item in s3.list_objects_v2(Bucket=LAKE_BUCKET).get("Contents", []):
        body = s3.get_object(Bucket=LAKE_BUCKET, Key=item["Key"])["Body"].read().decode()
        found[item["Key"]] = [json.loads(line) for line in body.splitlines()]
    return found


def partition(aws: LocalAws) -> int:
    return DynamicPartitioner(aws.clients["s3"], LAKE_BUCKET, PIPELINE.delivery_streams).run_once()


def scored_response(ports: Ports) -> str:
    message = answered(ports, nps=2, csat=1, comment=COMMENT, callback=True)
    ports.score_step()(json.loads(message["Body"]))
    return str(json.loads(message["Body"])["response_id"])


def test_a_scored_response_lands_in_its_date_s_partition_without_personal_data(lambda_env: LocalAws) -> None:
    ports = Ports(lambda_env)
    response_id = scored_response(ports)
    records = stream_records(lambda_env, "responses")
    # The answers (INSERT) and the score (MODIFY): only the scored image is a lake row.
    assert [r["eventName"] for r in records][:2] == ["INSERT", "MODIFY"]

    assert invoke("archive_to_lake", {"Records": records}) == {"batchItemFailures": []}
    # moto writes Firehose's prefix as configured, expression and all...
    (raw,) = lake_objects(lambda_env)
    assert raw.startswith("responses/dt=!{partitionKeyFromQuery:dt}/")
    # ...Firehose on AWS evaluates it per record: the partitioner applies that.
    assert partition(lambda_env) == 1
    ((key, rows),) = lake_objects(lambda_env).items()
    submitted = ports.responses().get(response_id)
    assert submitted is not None
    day = submitted.submitted_at.astimezone(UTC).date().isoformat()
    assert key.startswith(f"responses/dt={day}/responses-") and "!{" not in key
    (row,) = rows
    assert (row["response_id"], row["nps"], row["nps_category"], row["dt"]) == (
        response_id,
        2,
        "detractor",
        day,
    )
    assert row["callback"] is True and row["branch"] == "quito-norte" and row["country"] == "EC"
    text = json.dumps(rows, ensure_ascii=False)
    assert not [value for value in (*CUSTOMER, COMMENT) if value in text]


def test_each_ticket_version_is_a_row_and_a_redelivered_batch_only_duplicates(lambda_env: LocalAws) -> None:
    ports = Ports(lambda_env)
    ticket = sample_ticket(team="quito-norte-claims", country="EC", region="pichincha")
    assert ports.tickets().add(ticket)
    now = ticket.opened_at + timedelta(hours=1)
    worked = record(
        ticket,
        {"status": "in_progress", "first_contact_at": now},
        by="P-7",
        role="agent",
        action="log_call",
        now=now,
    )
    ports.tickets().save(worked, expected_version=0)
    records = stream_records(lambda_env, "tickets")

    assert invoke("archive_to_lake", {"Records": records}) == {"batchItemFailures": []}
    assert invoke("archive_to_lake", {"Records": records}) == {"batchItemFailures": []}
    partition(lambda_env)
    rows = [row for rows in lake_objects(lambda_env).values() for row in rows]
    assert sorted({(r["ticket_id"], r["version"], r["action"]) for r in rows}) == [
        (ticket.ticket_id, 0, "open"),
        (ticket.ticket_id, 1, "log_call"),
    ]
    assert len(rows) == 4, "at least once: the same keys twice, for the queries to dedupe"
    assert all(key.startswith("ticket_events/dt=2026-11-23/") for key in lake_objects(lambda_env))


def sample_batch(response: SurveyResponse, score_json: str) -> dict[str, Any]:
    """events/dynamodb/responses_stream.json with the response filled in."""
    event = load_event("dynamodb/responses_stream")
    for change in event["Records"]:
        image = change["dynamodb"]["NewImage"]
        change["dynamodb"]["Keys"]["response_id"]["S"] = image["response_id"]["S"] = response.response_id
        image["doc"]["S"] = response.model_dump_json()
        if "score" in image:
            image["score"]["S"] = score_json
    return event


def test_an_unreadable_image_fails_only_its_own_record(lambda_env: LocalAws) -> None:
    ports = Ports(lambda_env)
    response = ports.responses().get(scored_response(ports))
    assert response is not None and response.score is not None
    event = sample_batch(response, response.score.model_dump_json())
    broken = load_event("dynamodb/tickets_stream")["Records"][0]
    broken["dynamodb"]["Keys"]["ticket_id"]["S"] = broken["dynamodb"]["NewImage"]["ticket_id"]["S"] = (
        "CX-BROKEN"
    )
    broken["dynamodb"]["NewImage"]["doc"]["S"] = '{"ticket_id": "CX-BROKEN"}'
    event["Records"].append(broken)

    answer = invoke("archive_to_lake", event)
    assert answer == {"batchItemFailures": [{"itemIdentifier": broken["dynamodb"]["SequenceNumber"]}]}
    partition(lambda_env)
    (rows,) = lake_objects(lambda_env).values()
    assert [r["response_id"] for r in rows] == [response.response_id]


class RefusingFirehose:
    """moto's Firehose, except that it refuses the rows of one response every time."""

    def __init__(self, real: Any, refused: str) -> None:
        self.real = real
        self.refused = refused.encode()

    def put_record_batch(self, DeliveryStreamName: str, Records: list[dict[str, bytes]]) -> dict[str, Any]:
        kept = [r for r in Records if self.refused not in r["Data"]]
        if kept:
            self.real.put_record_batch(DeliveryStreamName=DeliveryStreamName, Records=kept)
        answers = [
            {"ErrorCode": "ServiceUnavailableException"} if self.refused in r["Data"] else {"RecordId": "x"}
            for r in Records
        ]
        return {"FailedPutCount": len(Records) - len(kept), "RequestResponses": answers}


def test_rows_firehose_keeps_refusing_are_reported_for_lambda_to_retry(lambda_env: LocalAws) -> None:
    ports = Ports(lambda_env)
    first, second = scored_response(ports), scored_response(ports)
    records = [r for r in stream_records(lambda_env, "responses") if "score" in r["dynamodb"]["NewImage"]]
    firehose = RefusingFirehose(lambda_env.clients["firehose"], refused=second)
    lake = FirehoseLake(lake_settings_from(lambda_env.env), firehose, sleep=lambda _: None)

    answer = archive({"Records": records}, context("archive_to_lake"), lake.put)
    (refused,) = [r for r in records if r["dynamodb"]["Keys"]["response_id"]["S"] == second]
    assert answer == {"batchItemFailures": [{"itemIdentifier": refused["dynamodb"]["SequenceNumber"]}]}
    partition(lambda_env)
    delivered = [row["response_id"] for rows in lake_objects(lambda_env).values() for row in rows]
    assert delivered == [first]


def test_a_line_without_a_partition_key_goes_to_the_error_prefix(aws: LocalAws) -> None:
    firehose = aws.clients["firehose"]
    firehose.put_record_batch(
        DeliveryStreamName=aws.env["FIREHOSE_RESPONSES_NAME"],
        Records=[{"Data": b'{"response_id":"a","dt":"2026-11-23"}\n'}, {"Data": b'{"response_id":"b"}\n'}],
    )
    assert partition(aws) == 1
    keys = sorted(lake_objects(aws))
    today = datetime.now(UTC).strftime("%Y/%m/%d")
    assert keys[0].startswith(f"errors/responses/partitioning-failed/{today}/")
    assert keys[1].startswith("responses/dt=2026-11-23/")


@pytest.mark.parametrize("table", ["responses", "tickets"])
def test_the_archived_tables_stream_new_images(aws: LocalAws, table: str) -> None:
    description = aws.clients["dynamodb"].describe_table(TableName=table)["Table"]
    assert description["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
