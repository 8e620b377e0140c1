"""Tables, queues and topics: durable, encrypted, TLS-only, shaped by infra/pipeline.py."""

from __future__ import annotations

from typing import Any

import pytest

from infra.pipeline import PIPELINE, Queue, Table
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

FOURTEEN_DAYS_S = 14 * 24 * 3600


def refuses_plain_http(policy: dict[str, Any]) -> bool:
    return any(
        s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    )


@pytest.mark.parametrize("spec", PIPELINE.tables, ids=lambda t: t.name)
def test_tables_recover_encrypt_expire_and_index_as_described(synthesized: Synthesized, spec: Table) -> None:
    table_id = synthesized.table_id(spec.name)
    table = synthesized.template["Resources"][table_id]
    properties = table["Properties"]
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    assert properties.get("TimeToLiveSpecification", {}).get("AttributeName") == spec.ttl_attribute
    keys = [k["AttributeName"] for k in properties["KeySchema"]]
    assert keys == [spec.partition_key, *([spec.sort_key] if spec.sort_key else [])]
    indexes = {
        i["IndexName"]: [k["AttributeName"] for k in i["KeySchema"]]
        for i in properties.get("GlobalSecondaryIndexes", [])
    }
    assert indexes == {name: [partition, sort] for name, partition, sort in spec.indexes}
    assert {a["AttributeType"] for a in properties["AttributeDefinitions"]} == {"S"}


@pytest.mark.parametrize("spec", PIPELINE.queues, ids=lambda q: q.name)
def test_queues_dead_letter_encrypt_and_outwait_their_consumer(synthesized: Synthesized, spec: Queue) -> None:
    queue = synthesized.properties(synthesized.queue_id(spec.name))
    redrive = queue["RedrivePolicy"]
    assert redrive["maxReceiveCount"] == spec.max_receive_count
    dead_letters = synthesized.properties(redrive["deadLetterTargetArn"]["Fn::GetAtt"][0])
    assert dead_letters["MessageRetentionPeriod"] == FOURTEEN_DAYS_S
    assert queue["SqsManagedSseEnabled"] is dead_letters["SqsManagedSseEnabled"] is True
    consumer = PIPELINE.consumer_of(spec.name)
    assert queue["VisibilityTimeout"] == spec.visibility_timeout_s
    assert queue["VisibilityTimeout"] >= 6 * synthesized.function_properties(consumer)["Timeout"]


def test_every_queue_and_topic_refuses_plain_http(synthesized: Synthesized) -> None:
    queue_policies = synthesized.resources("AWS::SQS::QueuePolicy").values()
    topic_policies = synthesized.resources("AWS::SNS::TopicPolicy").values()
    covered_queues = {q["Ref"] for p in queue_policies for q in p["Properties"]["Queues"]}
    covered_topics = {t["Ref"] for p in topic_policies for t in p["Properties"]["Topics"]}
    assert covered_queues == set(synthesized.resources("AWS::SQS::Queue"))
    assert covered_topics == set(synthesized.resources("AWS::SNS::Topic"))
    assert all(refuses_plain_http(p) for p in [*queue_policies, *topic_policies])


def test_event_sources_follow_the_pipeline_and_report_partial_failures(synthesized: Synthesized) -> None:
    mappings = [m["Properties"] for m in synthesized.resources("AWS::Lambda::EventSourceMapping").values()]
    # Stream mappings (StartingPosition) are checked in test_analytics.py.
    mappings = [m for m in mappings if "StartingPosition" not in m]
    assert len(mappings) == sum(len(f.queue_triggers) for f in PIPELINE.functions)
    for spec in PIPELINE.functions:
        for trigger in spec.queue_triggers:
            (mapping,) = [
                m
                for m in mappings
                if m["EventSourceArn"]["Fn::GetAtt"][0] == synthesized.queue_id(trigger.queue)
                and m["FunctionName"]["Ref"] == synthesized.function_id(spec)
            ]
            assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
            assert mapping["BatchSize"] == trigger.batch_size
            assert mapping.get("MaximumBatchingWindowInSeconds", 0) == trigger.max_batching_window_s


def test_pipeline_topics_use_sns_encryption(synthesized: Synthesized) -> None:
    # Topics AWS services publish to use a customer managed key (tests/infra/test_suppressions.py).
    for spec in (t for t in PIPELINE.topics if not t.published_by):
        producer = next(f for f in PIPELINE.functions if spec.name in f.publishes_to)
        topic_id = synthesized.environment(producer)[f"TOPIC_{spec.name.upper()}_ARN"]["Ref"]
        assert "alias/aws/sns" in str(synthesized.properties(topic_id)["KmsMasterKeyId"])


def test_ops_topic_key_rotates_and_lets_cloudwatch_alarms_publish(synthesized: Synthesized) -> None:
    (key_id,) = [
        k
        for k, v in synthesized.resources("AWS::KMS::Key").items()
        if {"Service": "cloudwatch.amazonaws.com"}
        in [s["Principal"] for s in v["Properties"]["KeyPolicy"]["Statement"]]
    ]
    key = synthesized.properties(key_id)
    assert key["EnableKeyRotation"] is True
    cloudwatch = [
        s for s in key["KeyPolicy"]["Statement"] if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert cloudwatch and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(cloudwatch[0]["Action"])
    encrypted_with_key = [
        t
        for t in synthesized.resources("AWS::SNS::Topic").values()
        if t["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    ]
    assert len(encrypted_with_key) == 1


def test_webhook_secret_is_generated_with_current_and_previous(synthesized: Synthesized) -> None:
    # The other secret is the suppression list's key (tests/infra/test_suppressions.py).
    (secret,) = [
        s
        for s in synthesized.resources("AWS::SecretsManager::Secret").values()
        if "webhook" in s["Properties"]["Description"]
    ]
    generated = secret["Properties"]["GenerateSecretString"]
    assert generated["GenerateStringKey"] == "current"
    assert generated["SecretStringTemplate"] == '{"previous": ""}'
