"""The suppression list on AWS: SES's configuration set publishes bounces and complaints to
`email_events`, End User Messaging may publish SMS replies to `sms_replies`, both topics
(encrypted with a key those services may use) deliver to the `suppressions` queue, and
record_suppression may touch only its table, its queue and the list's key."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.pipeline import PIPELINE, SES_PRINCIPAL, SMS_VOICE_PRINCIPAL
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

RECORDER = PIPELINE.function("record_suppression")


def topic_id(synthesized: Synthesized, name: str) -> str:
    """A topic's logical id, from the stack output that names it."""
    output = {"email_events": "EmailEventTopicArn", "sms_replies": "SmsReplyTopicArn"}[name]
    return str(synthesized.template["Outputs"][output]["Value"]["Ref"])


def key_id_of(synthesized: Synthesized, topic: str) -> str:
    return str(synthesized.properties(topic_id(synthesized, topic))["KmsMasterKeyId"]["Fn::GetAtt"][0])


def topic_statements(synthesized: Synthesized, topic: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in synthesized.resources("AWS::SNS::TopicPolicy").values()
        if {"Ref": topic_id(synthesized, topic)} in policy["Properties"]["Topics"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_the_configuration_set_publishes_only_bounces_and_complaints_to_email_events(
    synthesized: Synthesized,
) -> None:
    (set_id,) = synthesized.resources("AWS::SES::ConfigurationSet")
    (destination,) = synthesized.resources("AWS::SES::ConfigurationSetEventDestination").values()
    properties = destination["Properties"]
    assert properties["ConfigurationSetName"] == {"Ref": set_id}
    assert sorted(properties["EventDestination"]["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert properties["EventDestination"]["SnsDestination"] == {
        "TopicARN": {"Ref": topic_id(synthesized, "email_events")}
    }
    assert properties["EventDestination"]["Enabled"] is True


def test_every_email_sender_sends_with_the_configuration_set_and_may_use_it(synthesized: Synthesized) -> None:
    (set_id,) = synthesized.resources("AWS::SES::ConfigurationSet")
    for spec in PIPELINE.functions:
        env = synthesized.environment(spec)
        assert (env.get("SES_CONFIGURATION_SET") == {"Ref": set_id}) == spec.sends_email, spec.name
        if spec.sends_email:
            (send,) = [s for s in synthesized.statements(spec) if s["Action"] == "ses:SendEmail"]
            assert ":configuration-set/" in json.dumps(send["Resource"]) and set_id in json.dumps(
                send["Resource"]
            )


def test_ses_and_end_user_messaging_may_publish_and_only_for_this_account(synthesized: Synthesized) -> None:
    (ses,) = [
        s
        for s in topic_statements(synthesized, "email_events")
        if s["Principal"] == {"Service": SES_PRINCIPAL}
    ]
    assert ses["Action"] == "sns:Publish"
    assert set(ses["Condition"]["StringEquals"]) == {"AWS:SourceAccount", "AWS:SourceArn"}
    assert ":configuration-set/" in json.dumps(ses["Condition"]["StringEquals"]["AWS:SourceArn"])
    (sms,) = [
        s
        for s in topic_statements(synthesized, "sms_replies")
        if s["Principal"] == {"Service": SMS_VOICE_PRINCIPAL}
    ]
    assert sms["Action"] == "sns:Publish"
    assert sms["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


def test_their_topics_use_a_rotating_customer_managed_key_those_services_may_use(
    synthesized: Synthesized,
) -> None:
    key_id = key_id_of(synthesized, "email_events")
    assert key_id_of(synthesized, "sms_replies") == key_id
    key = synthesized.properties(key_id)
    assert key["EnableKeyRotation"] is True
    (services,) = [
        s for s in key["KeyPolicy"]["Statement"] if "Service" in s["Principal"] and s["Effect"] == "Allow"
    ]
    assert sorted(services["Principal"]["Service"]) == sorted([SES_PRINCIPAL, SMS_VOICE_PRINCIPAL])
    assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(services["Action"])
    assert services["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


def test_both_topics_deliver_enveloped_to_the_suppressions_queue(synthesized: Synthesized) -> None:
    queue_ref = {"Fn::GetAtt": [consumed_queue_id(synthesized), "Arn"]}
    subscriptions = [s["Properties"] for s in synthesized.resources("AWS::SNS::Subscription").values()]
    for topic in ("email_events", "sms_replies"):
        (subscription,) = [s for s in subscriptions if s["TopicArn"] == {"Ref": topic_id(synthesized, topic)}]
        assert subscription["Protocol"] == "sqs"
        assert subscription["Endpoint"] == queue_ref
        assert not subscription.get("RawMessageDelivery", False)
    (policy,) = [
        p["Properties"]
        for p in synthesized.resources("AWS::SQS::QueuePolicy").values()
        if {"Ref": consumed_queue_id(synthesized)} in p["Properties"]["Queues"]
    ]
    senders = [s for s in policy["PolicyDocument"]["Statement"] if s["Action"] == "sqs:SendMessage"]
    assert sorted(json.dumps(s["Condition"]["ArnEquals"]["aws:SourceArn"]) for s in senders) == sorted(
        json.dumps({"Ref": topic_id(synthesized, t)}) for t in ("email_events", "sms_replies")
    )
    assert all(s["Principal"] == {"Service": "sns.amazonaws.com"} for s in senders)


def consumed_queue_id(synthesized: Synthesized) -> str:
    (mapping,) = [
        m["Properties"]
        for m in synthesized.resources("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": synthesized.function_id(RECORDER)}
    ]
    return str(mapping["EventSourceArn"]["Fn::GetAtt"][0])


def suppression_key_id(synthesized: Synthesized) -> str:
    return str(synthesized.environment(RECORDER)["SUPPRESSION_KEY_SECRET_ARN"]["Ref"])


def test_record_suppression_touches_only_its_table_its_queue_and_the_key(synthesized: Synthesized) -> None:
    allowed = {
        synthesized.table_id("suppressions"),
        consumed_queue_id(synthesized),
        suppression_key_id(synthesized),
        # customer.opted_out for webhook subscribers: their subscriptions read, one queue written.
        synthesized.table_id("webhooks"),
        synthesized.queue_id("webhooks"),
    }
    for statement in synthesized.statements(RECORDER):
        resource = json.dumps(statement["Resource"])
        if "logs:" in json.dumps(statement["Action"]):
            continue  # its own log group
        assert any(logical_id in resource for logical_id in allowed), statement
    actions = synthesized.actions_on(RECORDER, synthesized.table_id("suppressions"))
    assert "dynamodb:UpdateItem" in actions and not actions & {
        "dynamodb:GetItem",
        "dynamodb:Scan",
        "dynamodb:Query",
    }
    assert synthesized.actions_on(RECORDER, suppression_key_id(synthesized)) >= {
        "secretsmanager:GetSecretValue"
    }


def test_only_functions_marked_in_the_pipeline_read_the_key(synthesized: Synthesized) -> None:
    key = suppression_key_id(synthesized)
    for spec in PIPELINE.functions:
        reads = "secretsmanager:GetSecretValue" in synthesized.actions_on(spec, key)
        assert reads == spec.reads_suppression_key, spec.name
        assert ("SUPPRESSION_KEY_SECRET_ARN" in synthesized.environment(spec)) == spec.reads_suppression_key
    generated = synthesized.properties(key)["GenerateSecretString"]
    assert generated["PasswordLength"] >= 64
