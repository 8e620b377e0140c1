"""What operators get: alarms on dead letters, errors, backlogs and 5xx, sent to an ops
topic, and the outputs the deploy guide refers to."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from infra.backfill import table_output_name
from infra.ops.queues import queue_output_name
from infra.pipeline import PIPELINE, WEBHOOK_BACKLOG_ALARM_S
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]


def test_dead_letters_errors_backlogs_and_5xx_are_alarmed(synthesized: Synthesized) -> None:
    alarms = [a["Properties"] for a in synthesized.resources("AWS::CloudWatch::Alarm").values()]
    metrics = Counter(a["MetricName"] for a in alarms)
    # Each queue's DLQ, and each stream or object trigger's on-failure queue.
    failure_queues = sum(len(f.stream_triggers) + len(f.object_triggers) for f in PIPELINE.functions)
    assert metrics["ApproximateNumberOfMessagesVisible"] == len(PIPELINE.queues) + failure_queues
    assert metrics["ApproximateAgeOfOldestMessage"] == len(PIPELINE.queues)
    assert metrics["Errors"] == len(PIPELINE.functions)
    assert metrics["5XXError"] == 1
    assert metrics["WebhookEndpointsDisabled"] == 1


def test_a_disabled_webhook_endpoint_alarms_and_only_deliver_webhook_writes_the_dead_letters(
    synthesized: Synthesized,
) -> None:
    (disabled,) = [
        a["Properties"]
        for a in synthesized.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"]["MetricName"] == "WebhookEndpointsDisabled"
    ]
    assert disabled["Namespace"] == "cxloop" and disabled["Threshold"] == 0
    # Retries wait up to 15 minutes in the queue on purpose: its backlog alarm allows for them.
    backlog = {
        a["Properties"]["Threshold"]
        for a in synthesized.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"]["MetricName"] == "ApproximateAgeOfOldestMessage"
        and synthesized.queue_id("webhooks") in json.dumps(a["Properties"]["Dimensions"])
    }
    assert backlog == {WEBHOOK_BACKLOG_ALARM_S}
    # deliver_webhook parks what it gives up on in the webhooks queue's DLQ itself.
    webhooks_queue = synthesized.resources("AWS::SQS::Queue")[synthesized.queue_id("webhooks")]
    dead_letters_id = webhooks_queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    for spec in PIPELINE.functions:
        sends = "sqs:SendMessage" in synthesized.actions_on(spec, dead_letters_id)
        assert sends == (spec.name == "deliver_webhook"), spec.name


def test_every_dead_letter_queue_is_watched(synthesized: Synthesized) -> None:
    alarms = synthesized.resources("AWS::CloudWatch::Alarm").values()
    watched = {
        d["Value"]["Fn::GetAtt"][0]
        for a in alarms
        if a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
        for d in a["Properties"]["Dimensions"]
    }
    dead_letter_queues = {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in synthesized.resources("AWS::SQS::Queue").values()
        if "RedrivePolicy" in q["Properties"]
    }
    # Stream event source mappings, and the asynchronous invocations of object triggers, send
    # what they give up on to an on-failure queue.
    on_failure_queues = {
        m["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
        for kind in ("AWS::Lambda::EventSourceMapping", "AWS::Lambda::EventInvokeConfig")
        for m in synthesized.resources(kind).values()
        if "OnFailure" in m["Properties"].get("DestinationConfig", {})
    }
    assert on_failure_queues, "the stream triggers have on-failure queues"
    assert watched == dead_letter_queues | on_failure_queues


def test_alarms_notify_the_ops_topic(synthesized: Synthesized) -> None:
    ops_topic = synthesized.template["Outputs"]["OpsTopicArn"]["Value"]
    for alarm in synthesized.resources("AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [ops_topic]
        assert alarm["Properties"]["TreatMissingData"] == "notBreaching"


def test_outputs_for_integrators_staff_admins_and_operators(synthesized: Synthesized) -> None:
    outputs = synthesized.template["Outputs"]
    expected = {"ApiUrl", "AlertTopicArn", "OpsTopicArn", "StaffUserPoolId", "StaffUserPoolClientId"}
    assert expected | {"WebhookSecretArn"} <= set(outputs)
    (secret_id,) = [
        k
        for k, v in synthesized.resources("AWS::SecretsManager::Secret").items()
        if "webhook" in v["Properties"]["Description"]
    ]
    assert outputs["WebhookSecretArn"]["Value"] == {"Ref": secret_id}


def test_each_pipeline_topic_is_an_output_managers_can_subscribe_to(synthesized: Synthesized) -> None:
    # Topics AWS services publish to have their outputs checked in tests/infra/test_suppressions.py.
    for spec in (t for t in PIPELINE.topics if not t.published_by):
        publisher = next(f for f in PIPELINE.functions if spec.name in f.publishes_to)
        topic = synthesized.environment(publisher)[f"TOPIC_{spec.name.upper()}_ARN"]
        output = f"{spec.name.removesuffix('s').title()}TopicArn"
        assert synthesized.template["Outputs"][output]["Value"] == topic


def test_each_table_is_an_output_the_backfill_command_reads(synthesized: Synthesized) -> None:
    tables = synthesized.resources("AWS::DynamoDB::Table")
    for spec in PIPELINE.tables:
        output = synthesized.template["Outputs"][table_output_name(spec.name)]
        table_id = output["Value"]["Ref"]
        key_schema = tables[table_id]["Properties"]["KeySchema"]
        assert {"AttributeName": spec.partition_key, "KeyType": "HASH"} in key_schema


def test_each_queue_and_its_dead_letter_queue_are_outputs_cxloop_ops_reads(synthesized: Synthesized) -> None:
    outputs = synthesized.template["Outputs"]
    queues = synthesized.resources("AWS::SQS::Queue")
    for spec in PIPELINE.queues:
        queue_ref = outputs[queue_output_name(spec.name)]["Value"]["Ref"]
        dead_letter_ref = outputs[queue_output_name(spec.name, dead_letter=True)]["Value"]["Ref"]
        redrive = queues[queue_ref]["Properties"]["RedrivePolicy"]
        assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": [dead_letter_ref, "Arn"]}
        assert redrive["maxReceiveCount"] == spec.max_receive_count
