"""Behaviour of the synthesized stack: least privilege, durability, encryption, the API."""

from __future__ import annotations

import pytest

from infra.pipeline import PIPELINE, Function
from tests.infra.conftest import Synthesized, function

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]


def test_one_lambda_and_one_role_per_pipeline_function(synthesized: Synthesized) -> None:
    assert len(synthesized.resources("AWS::Lambda::Function")) == len(PIPELINE.functions)
    roles = {synthesized.role_id(spec) for spec in PIPELINE.functions}
    assert len(roles) == len(PIPELINE.functions)


@pytest.mark.parametrize("spec", PIPELINE.functions, ids=lambda f: f.name)
def test_every_function_runs_newest_python_on_arm_with_tracing_and_retained_logs(
    synthesized: Synthesized, spec: Function
) -> None:
    resource = synthesized.template["Resources"][synthesized.function_id(spec)]["Properties"]
    assert resource["Runtime"] == "python3.14"
    assert resource["Architectures"] == ["arm64"]
    assert resource["TracingConfig"] == {"Mode": "Active"}
    assert resource["Handler"] == "handler.handler"
    log_group = resource["LoggingConfig"]["LogGroup"]["Ref"]
    assert synthesized.template["Resources"][log_group]["Properties"]["RetentionInDays"] == 30
    assert len(resource["Layers"]) == 2


def test_no_function_uses_a_managed_policy(synthesized: Synthesized) -> None:
    for spec in PIPELINE.functions:
        role = synthesized.template["Resources"][synthesized.role_id(spec)]["Properties"]
        assert "ManagedPolicyArns" not in role


def test_send_survey_may_send_but_never_touch_tickets(synthesized: Synthesized) -> None:
    spec = function("send_survey")
    actions = synthesized.actions(spec)
    assert {"ses:SendEmail", "sns:Publish"} <= actions
    assert not synthesized.touches(spec, synthesized.table_id("ticket_id"))
    assert not synthesized.touches(spec, synthesized.table_id("response_id"))
    assert "secretsmanager:GetSecretValue" not in actions


def test_only_capture_event_reads_the_webhook_secret(synthesized: Synthesized) -> None:
    readers = {
        s.name for s in PIPELINE.functions if "secretsmanager:GetSecretValue" in synthesized.actions(s)
    }
    assert readers == {"capture_event"}


def test_tickets_api_can_only_read(synthesized: Synthesized) -> None:
    actions = synthesized.actions(function("tickets_api"))
    assert "dynamodb:Query" in actions
    writes = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
    assert not actions & writes
    assert not any(a.startswith(("sqs:Send", "sns:")) for a in actions)


def test_api_docs_touches_no_data(synthesized: Synthesized) -> None:
    actions = synthesized.actions(function("api_docs"))
    assert not any(a.startswith(("dynamodb:", "sqs:", "sns:", "ses:")) for a in actions)


def test_queues_have_dlqs_encryption_and_visibility_of_six_timeouts(synthesized: Synthesized) -> None:
    queues = synthesized.resources("AWS::SQS::Queue")
    main = {k: v["Properties"] for k, v in queues.items() if "RedrivePolicy" in v["Properties"]}
    assert len(main) == len(PIPELINE.queues)
    for properties in queues.values():
        assert properties["Properties"]["SqsManagedSseEnabled"] is True
    timeouts = {
        m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]: synthesized.template["Resources"][
            m["Properties"]["FunctionName"]["Ref"]
        ]["Properties"]["Timeout"]
        for m in synthesized.resources("AWS::Lambda::EventSourceMapping").values()
    }
    for queue_id, properties in main.items():
        assert properties["RedrivePolicy"]["maxReceiveCount"] == 5
        assert properties["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0] in queues
        assert properties["VisibilityTimeout"] >= 6 * timeouts[queue_id]


def test_every_queue_and_topic_refuses_plain_http(synthesized: Synthesized) -> None:
    policies = list(synthesized.resources("AWS::SQS::QueuePolicy").values())
    policies += list(synthesized.resources("AWS::SNS::TopicPolicy").values())
    assert len(policies) == 2 * len(PIPELINE.queues) + 2
    for policy in policies:
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
            for s in statements
        )


def test_topics_are_encrypted(synthesized: Synthesized) -> None:
    for topic in synthesized.resources("AWS::SNS::Topic").values():
        assert "alias/aws/sns" in str(topic["Properties"]["KmsMasterKeyId"])


def test_event_sources_report_partial_batch_failures(synthesized: Synthesized) -> None:
    mappings = synthesized.resources("AWS::Lambda::EventSourceMapping").values()
    assert len(mappings) == sum(len(f.queue_triggers) for f in PIPELINE.functions)
    for mapping in mappings:
        assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_tables_recover_encrypt_expire_and_index_as_described(synthesized: Synthesized) -> None:
    tables = synthesized.resources("AWS::DynamoDB::Table")
    assert len(tables) == len(PIPELINE.tables)
    for spec in PIPELINE.tables:
        table = tables[synthesized.table_id(spec.partition_key)]
        properties = table["Properties"]
        assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        assert properties["SSESpecification"]["SSEEnabled"] is True
        assert properties["BillingMode"] == "PAY_PER_REQUEST"
        assert table["DeletionPolicy"] == "Retain"
        ttl = properties.get("TimeToLiveSpecification", {}).get("AttributeName")
        assert ttl == spec.ttl_attribute
        indexes = {i["IndexName"] for i in properties.get("GlobalSecondaryIndexes", [])}
        assert indexes == {name for name, _, _ in spec.indexes}


def test_stage_throttles_logs_and_traces(synthesized: Synthesized) -> None:
    (stage,) = synthesized.resources("AWS::ApiGateway::Stage").values()
    properties = stage["Properties"]
    assert properties["StageName"] == "dev"
    assert properties["TracingEnabled"] is True
    assert "DestinationArn" in properties["AccessLogSetting"]
    assert '"status":"$context.status"' in properties["AccessLogSetting"]["Format"]
    settings = properties["MethodSettings"][0]
    assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0
    assert settings["DataTraceEnabled"] is False


def test_staff_routes_need_cognito_and_public_routes_do_not(synthesized: Synthesized) -> None:
    by_function: dict[str, set[str]] = {}
    for method in synthesized.resources("AWS::ApiGateway::Method").values():
        uri = str(method["Properties"]["Integration"]["Uri"])
        owner = next(s for s in PIPELINE.functions if synthesized.function_id(s) in uri)
        by_function.setdefault(owner.name, set()).add(method["Properties"]["AuthorizationType"])
        assert "RequestValidatorId" in method["Properties"]
    assert by_function["tickets_api"] == {"COGNITO_USER_POOLS"}
    assert by_function["capture_event"] == {"NONE"}
    assert by_function["survey_page"] == {"NONE"}
    (pool,) = synthesized.resources("AWS::Cognito::UserPool").values()
    assert pool["Properties"]["MfaConfiguration"] == "ON"
    attributes = {a["Name"] for a in pool["Properties"]["Schema"]}
    assert {"role", "scope"} <= attributes


def test_api_is_behind_a_waf_with_a_rate_limit(synthesized: Synthesized) -> None:
    (acl,) = synthesized.resources("AWS::WAFv2::WebACL").values()
    rules = {r["Name"]: r for r in acl["Properties"]["Rules"]}
    assert rules["RatePerIp"]["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    assert len(synthesized.resources("AWS::WAFv2::WebACLAssociation")) == 1


def test_dead_letters_and_errors_are_alarmed(synthesized: Synthesized) -> None:
    alarms = synthesized.resources("AWS::CloudWatch::Alarm").values()
    metrics = [a["Properties"]["MetricName"] for a in alarms]
    assert metrics.count("ApproximateNumberOfMessagesVisible") == len(PIPELINE.queues)
    assert metrics.count("Errors") == len(PIPELINE.functions)
    assert all(a["Properties"]["AlarmActions"] for a in alarms)


def test_outputs_for_integrators_and_operators(synthesized: Synthesized) -> None:
    assert {"ApiUrl", "AlertTopicArn", "StaffUserPoolId", "WebhookSecretArn"} <= set(
        synthesized.template["Outputs"]
    )


def test_functions_get_exactly_the_resources_the_pipeline_names(synthesized: Synthesized) -> None:
    for spec in PIPELINE.functions:
        variables = synthesized.template["Resources"][synthesized.function_id(spec)]["Properties"][
            "Environment"
        ]
        names = set(variables["Variables"])
        tables = {n for n in names if n.startswith("TABLE_")}
        queues = {n for n in names if n.startswith("QUEUE_")}
        assert tables == {f"TABLE_{t.upper()}" for t in spec.tables}
        assert queues == {f"QUEUE_{q.upper()}_URL" for q in spec.sends_to}
        assert "PUBLIC_BASE_URL" in names
