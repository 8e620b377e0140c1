"""The data lake in CloudFormation: the tables' streams feed archive_to_lake, which may only put
records to the two delivery streams; Firehose partitions by date into an encrypted, TLS-only,
private bucket; Glue projects the partitions; Athena's workgroup enforces where results go and
holds one named query per saved .sql file."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cxloop.domain.insights.lake import COLUMNS
from infra.local.analytics import saved_queries
from infra.pipeline import PIPELINE, env_name_for
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

ARCHIVE = PIPELINE.function("archive_to_lake")
STREAMED = [t.name for t in PIPELINE.tables if t.stream]


def lake_bucket(synthesized: Synthesized) -> tuple[str, dict[str, Any]]:
    """The bucket Firehose delivers to (found by the delivery streams, not by its logical id)."""
    (stream, *_) = synthesized.resources("AWS::KinesisFirehose::DeliveryStream").values()
    logical_id = stream["Properties"]["ExtendedS3DestinationConfiguration"]["BucketARN"]["Fn::GetAtt"][0]
    return logical_id, synthesized.properties(logical_id)


def delivery_streams(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    """Each delivery stream's S3 destination, by the dataset its prefix names."""
    found = {}
    for stream in synthesized.resources("AWS::KinesisFirehose::DeliveryStream").values():
        destination = stream["Properties"]["ExtendedS3DestinationConfiguration"]
        found[destination["Prefix"].split("/")[0]] = stream["Properties"]
    return found


def test_only_the_archived_tables_stream_their_new_images(synthesized: Synthesized) -> None:
    assert STREAMED == ["responses", "tickets"]
    for table in PIPELINE.tables:
        properties = synthesized.properties(synthesized.table_id(table.name))
        expected = {"StreamViewType": "NEW_IMAGE"} if table.stream else None
        assert properties.get("StreamSpecification") == expected, table.name


def test_the_lake_bucket_is_encrypted_versioned_private_logged_and_tls_only(synthesized: Synthesized) -> None:
    logical_id, bucket = lake_bucket(synthesized)
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"], True
    )
    assert bucket["LoggingConfiguration"]["DestinationBucketName"]["Ref"] != logical_id
    (policy,) = [
        p["Properties"]["PolicyDocument"]
        for p in synthesized.resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": logical_id}
    ]
    denials = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in denials)
    assert synthesized.template["Resources"][logical_id]["DeletionPolicy"] == "Retain"


def test_firehose_partitions_each_dataset_by_the_rows_date(synthesized: Synthesized) -> None:
    streams = delivery_streams(synthesized)
    assert set(streams) == {s.name for s in PIPELINE.delivery_streams} == {"responses", "ticket_events"}
    logical_id, _ = lake_bucket(synthesized)
    for name, stream in streams.items():
        destination = stream["ExtendedS3DestinationConfiguration"]
        assert stream["DeliveryStreamEncryptionConfigurationInput"] == {"KeyType": "AWS_OWNED_CMK"}
        assert destination["BucketARN"] == {"Fn::GetAtt": [logical_id, "Arn"]}
        assert destination["Prefix"] == f"{name}/dt=!{{partitionKeyFromQuery:dt}}/"
        assert "!{firehose:error-output-type}" in destination["ErrorOutputPrefix"]
        assert destination["ErrorOutputPrefix"].startswith(f"errors/{name}/")
        assert destination["DynamicPartitioningConfiguration"]["Enabled"] is True
        assert destination["BufferingHints"]["SizeInMBs"] >= 64  # dynamic partitioning's minimum
        (processor,) = destination["ProcessingConfiguration"]["Processors"]
        parameters = {p["ParameterName"]: p["ParameterValue"] for p in processor["Parameters"]}
        assert processor["Type"] == "MetadataExtraction"
        assert parameters["MetadataExtractionQuery"] == "{dt:.dt}"


def test_firehose_may_write_only_under_its_datasets_prefixes(synthesized: Synthesized) -> None:
    (stream, *_) = delivery_streams(synthesized).values()
    role = stream["ExtendedS3DestinationConfiguration"]["RoleARN"]["Fn::GetAtt"][0]
    statements = [
        s
        for p in synthesized.resources("AWS::IAM::Policy").values()
        if {"Ref": role} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    writes = [s for s in statements if "s3:PutObject" in s["Action"]]
    prefixes = {json.dumps(r).split("/", 1)[1].split('"')[0] for s in writes for r in s["Resource"]}
    assert prefixes == {"responses/*", "errors/responses/*", "ticket_events/*", "errors/ticket_events/*"}
    assert not [s for s in statements if "s3:DeleteObject" in json.dumps(s["Action"])]


def test_glue_tables_project_the_date_partitions_over_the_json_files(synthesized: Synthesized) -> None:
    (database,) = synthesized.resources("AWS::Glue::Database").values()
    database_name = database["Properties"]["DatabaseInput"]["Name"]
    tables = {
        t["Properties"]["TableInput"]["Name"]: t["Properties"]
        for t in synthesized.resources("AWS::Glue::Table").values()
    }
    assert set(tables) == {"responses", "ticket_events"}
    for name, table in tables.items():
        assert table["DatabaseName"] == database_name
        table_input = table["TableInput"]
        parameters = table_input["Parameters"]
        assert parameters["projection.enabled"] == "true"
        assert (parameters["projection.dt.type"], parameters["projection.dt.format"]) == (
            "date",
            "yyyy-MM-dd",
        )
        assert parameters["projection.dt.range"].endswith(",NOW")
        assert json.dumps(parameters["storage.location.template"]).endswith(f'/{name}/dt=${{dt}}/"]]}}')
        assert table_input["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]
        storage = table_input["StorageDescriptor"]
        assert storage["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"
        assert [(c["Name"], c["Type"]) for c in storage["Columns"]] == list(COLUMNS[name])  # type: ignore[index]


def test_the_workgroup_enforces_encrypted_results_in_the_lake_and_a_scan_cutoff(
    synthesized: Synthesized,
) -> None:
    (workgroup,) = synthesized.resources("AWS::Athena::WorkGroup").values()
    configuration = workgroup["Properties"]["WorkGroupConfiguration"]
    assert configuration["EnforceWorkGroupConfiguration"] is True
    assert 0 < configuration["BytesScannedCutoffPerQuery"] <= 100 * 1024**3
    results = configuration["ResultConfiguration"]
    assert results["EncryptionConfiguration"] == {"EncryptionOption": "SSE_S3"}
    logical_id, _ = lake_bucket(synthesized)
    assert {"Ref": logical_id} in json.loads(json.dumps(results["OutputLocation"]))["Fn::Join"][1]


def test_one_named_query_per_saved_sql_file_with_the_same_sql(synthesized: Synthesized) -> None:
    named = {
        q["Properties"]["Name"]: q["Properties"]
        for q in synthesized.resources("AWS::Athena::NamedQuery").values()
    }
    saved = saved_queries()
    assert set(named) == set(saved) and len(saved) == 4
    (database,) = synthesized.resources("AWS::Glue::Database").values()
    (workgroup_id,) = synthesized.resources("AWS::Athena::WorkGroup")
    for name, query in named.items():
        assert query["QueryString"] == saved[name].sql
        assert query["Database"] == database["Properties"]["DatabaseInput"]["Name"]
        assert query["WorkGroup"] == {"Ref": workgroup_id}


def test_archive_to_lake_may_only_put_to_the_delivery_streams_and_read_the_two_streams(
    synthesized: Synthesized,
) -> None:
    allowed = {
        "firehose:PutRecordBatch",
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
        # Its own log group, and its streams' on-failure queues.
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "sqs:SendMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
    }
    assert synthesized.actions(ARCHIVE) == allowed
    for statement in synthesized.statements(ARCHIVE):
        resources = json.dumps(statement["Resource"])
        assert "*" not in resources.replace("/stream/*", ""), statement
        if "firehose:PutRecordBatch" in statement["Action"]:
            assert "Delivery" in resources
        if "dynamodb:GetRecords" in statement["Action"]:
            assert "StreamArn" in resources
    firehose_targets = {
        json.dumps(s["Resource"])
        for s in synthesized.statements(ARCHIVE)
        if s["Action"] == "firehose:PutRecordBatch"
    }
    assert len(firehose_targets) == 2
    stream_tables = {synthesized.table_id(t) for t in STREAMED}
    read = {
        s["Resource"]["Fn::GetAtt"][0]
        for s in synthesized.statements(ARCHIVE)
        if "dynamodb:GetRecords" in s["Action"]
    }
    assert read == stream_tables


def test_archive_to_lake_reads_its_delivery_streams_from_the_pipeline_s_env_names(
    synthesized: Synthesized,
) -> None:
    env = synthesized.environment(ARCHIVE)
    streams = set(synthesized.resources("AWS::KinesisFirehose::DeliveryStream"))
    assert {env[env_name_for("firehose", s)]["Ref"] for s in ARCHIVE.delivers_to} == streams
    assert not [n for n in env if n.startswith("TABLE_")], "it never reads the tables themselves"


def test_stream_triggers_retry_bisect_and_give_up_to_a_watched_queue(synthesized: Synthesized) -> None:
    mappings = [
        m["Properties"]
        for m in synthesized.resources("AWS::Lambda::EventSourceMapping").values()
        if "StartingPosition" in m["Properties"]
    ]
    triggers = {t.table: t for t in ARCHIVE.stream_triggers}
    assert len(mappings) == len(triggers) == 2
    for mapping in mappings:
        table = next(
            t for t in triggers if mapping["EventSourceArn"]["Fn::GetAtt"][0] == synthesized.table_id(t)
        )
        trigger = triggers[table]
        assert mapping["EventSourceArn"]["Fn::GetAtt"][1] == "StreamArn"
        assert mapping["FunctionName"]["Ref"] == synthesized.function_id(ARCHIVE)
        assert mapping["StartingPosition"] == "TRIM_HORIZON"
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["BisectBatchOnFunctionError"] is True
        assert mapping["BatchSize"] == trigger.batch_size
        assert mapping["MaximumRetryAttempts"] == trigger.retry_attempts
        queue = mapping["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
        assert synthesized.properties(queue)["SqsManagedSseEnabled"] is True
