"""Each pipeline function becomes one Lambda with its own role, granted exactly what
infra/pipeline.py says it touches, and the env vars `env_name_for` names."""

from __future__ import annotations

import json
import tomllib

import botocore
import pytest

from cxloop.adapters.aws import BOTOCORE_DATA
from infra.cdk.constructs.functions import LAYER_PACKAGES
from infra.pipeline import PIPELINE, Function, dead_letters_name, env_name_for
from tests.helpers import REPO
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

READS = {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem"}
WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
FUNCTIONS = pytest.mark.parametrize("spec", PIPELINE.functions, ids=lambda f: f.name)


def test_one_lambda_and_one_role_per_pipeline_function(synthesized: Synthesized) -> None:
    # CDK's own helpers (bucket notifications, the dashboard deployment) are Lambdas too; ours
    # are the ones described as a pipeline function.
    descriptions = [
        f["Properties"].get("Description") for f in synthesized.resources("AWS::Lambda::Function").values()
    ]
    assert sorted(d for d in descriptions if d in {f.description for f in PIPELINE.functions}) == sorted(
        f.description for f in PIPELINE.functions
    )
    roles = {synthesized.role_id(spec) for spec in PIPELINE.functions}
    assert len(roles) == len(PIPELINE.functions)


@FUNCTIONS
def test_runs_newest_python_on_arm_traced_with_its_own_retained_logs(
    synthesized: Synthesized, spec: Function
) -> None:
    function = synthesized.function_properties(spec)
    assert function["Runtime"] == "python3.14"
    assert function["Architectures"] == ["arm64"]
    assert function["TracingConfig"] == {"Mode": "Active"}
    assert function["Handler"] == "handler.handler"
    assert function["Timeout"] == spec.timeout_s
    assert function["MemorySize"] == spec.memory_mb
    log_group = synthesized.properties(function["LoggingConfig"]["LogGroup"]["Ref"])
    assert log_group["RetentionInDays"] == 30


@FUNCTIONS
def test_ships_the_shared_code_layer_and_the_public_powertools_layer(
    synthesized: Synthesized, spec: Function
) -> None:
    shared, powertools = synthesized.function_properties(spec)["Layers"]
    layer = synthesized.properties(shared["Ref"])
    assert layer["CompatibleRuntimes"] == ["python3.14"]
    assert layer["CompatibleArchitectures"] == ["arm64"]
    template, variables = powertools["Fn::Sub"]
    assert template.startswith("arn:${AWS::Partition}:lambda:${AWS::Region}:017000801446:layer:")
    assert "AWSLambdaPowertoolsPythonV3-python314-arm64:" in template
    assert variables["Version"].isdigit()


def test_the_shared_code_layer_holds_the_cxloop_package_under_python(synthesized: Synthesized) -> None:
    (layer,) = [
        layer
        for layer in synthesized.resources("AWS::Lambda::LayerVersion").values()
        if "cxloop shared code" in layer["Properties"].get("Description", "")
    ]
    asset_hash = layer["Properties"]["Content"]["S3Key"].removesuffix(".zip")
    package = synthesized.directory / f"asset.{asset_hash}" / "python" / "cxloop"
    assert (package / "config.py").is_file()
    assert (package / "domain").is_dir()
    assert not list(package.rglob("__pycache__"))


def test_the_shared_code_layer_carries_cxloop_s_botocore_data(synthesized: Synthesized) -> None:
    # cxloop.adapters.aws reads its cut-down models and endpoints from the package's directory.
    committed = {p.relative_to(BOTOCORE_DATA) for p in BOTOCORE_DATA.rglob("*.json.gz")}
    assert committed, "infra/botocore_data.py has written the data"
    layers = [p for p in synthesized.directory.glob("asset.*/python") if (p / "cxloop").is_dir()]
    assert layers, "the shared-code layer asset"
    for layer in layers:
        shipped = layer / "cxloop" / "adapters" / BOTOCORE_DATA.name
        assert {p.relative_to(shipped) for p in shipped.rglob("*.json.gz")} == committed


def test_the_shared_code_layer_ships_the_botocore_its_data_was_cut_from(synthesized: Synthesized) -> None:
    # The layer's boto3 and botocore, not the runtime's, read the cut-down data on Lambda: both
    # at their pyproject pins, which the installed botocore (the data's source) also follows.
    dependencies = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = [p for p in dependencies if p.startswith(("boto3==", "botocore=="))]
    assert len(pins) == 2 and set(pins) <= set(LAYER_PACKAGES)
    assert f"botocore=={botocore.__version__}" in pins
    layers = [p for p in synthesized.directory.glob("asset.*/python") if (p / "cxloop").is_dir()]
    assert layers, "the shared-code layer asset"
    for layer in layers:
        for pin in pins:
            name, version = pin.split("==")
            assert list(layer.glob(f"{name}-{version}.dist-info")), pin
        assert (layer / "botocore" / "data" / "endpoints.json").is_file()


def test_the_shared_code_layer_carries_the_holiday_calendars(synthesized: Synthesized) -> None:
    # SLA clocks skip each country's public holidays (cxloop/domain/casework/calendars.py): the
    # library at its pyproject pin, its python-dateutil, and the translations that name holidays.
    dependencies = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    pin = next(package for package in dependencies if package.startswith("holidays=="))
    assert pin in LAYER_PACKAGES
    layers = [p for p in synthesized.directory.glob("asset.*/python") if (p / "cxloop").is_dir()]
    assert layers, "the shared-code layer asset"
    for layer in layers:
        assert list(layer.glob(f"holidays-{pin.removeprefix('holidays==')}.dist-info"))
        assert (layer / "holidays" / "countries" / "colombia.py").is_file()
        assert (layer / "holidays" / "locale" / "es" / "LC_MESSAGES" / "EC.mo").is_file()
        assert (layer / "dateutil" / "__init__.py").is_file()


@FUNCTIONS
def test_environment_names_exactly_what_the_function_touches(
    synthesized: Synthesized, spec: Function
) -> None:
    env = synthesized.environment(spec)
    expected = (
        {env_name_for("table", t) for t in spec.tables}
        | {env_name_for("queue", q) for q in spec.sends_to}
        | {env_name_for("queue", dead_letters_name(q)) for q in spec.dead_letters_to}
        | {env_name_for("topic", t) for t in spec.publishes_to}
        | ({"WEBHOOK_SECRET_ARN"} if spec.reads_webhook_secret else set())
    )
    resource_names = {n for n in env if n.startswith(("TABLE_", "QUEUE_", "TOPIC_", "WEBHOOK_"))}
    assert resource_names == expected
    assert env["POWERTOOLS_SERVICE_NAME"] == env["POWERTOOLS_METRICS_NAMESPACE"] == "cxloop"
    assert env["CXLOOP_STAGE"] == "dev"
    assert env["SENDER_ADDRESS"] == "surveys@example.com"


def test_survey_links_default_to_the_api_stage_url_without_a_cycle(synthesized: Synthesized) -> None:
    (api_id,) = synthesized.resources("AWS::ApiGateway::RestApi")
    for spec in PIPELINE.functions:
        template, variables = synthesized.environment(spec)["PUBLIC_BASE_URL"]["Fn::Sub"]
        assert template.startswith("https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/")
        assert template.endswith("/dev")
        assert variables == {"Api": {"Ref": api_id}}


@FUNCTIONS
def test_roles_use_no_aws_managed_policy_only_the_shared_trace_policy(
    synthesized: Synthesized, spec: Function
) -> None:
    (trace_policy_id,) = synthesized.resources("AWS::IAM::ManagedPolicy")
    role = synthesized.properties(synthesized.role_id(spec))
    assert role["ManagedPolicyArns"] == [{"Ref": trace_policy_id}]
    statements = synthesized.properties(trace_policy_id)["PolicyDocument"]["Statement"]
    assert [s["Action"] for s in statements] == [["xray:PutTraceSegments", "xray:PutTelemetryRecords"]]


@FUNCTIONS
def test_function_policies_name_their_resources_except_for_sms(
    synthesized: Synthesized, spec: Function
) -> None:
    wildcards = [s for s in synthesized.statements(spec) if s["Resource"] == "*"]
    if spec.sends_sms:
        (sms,) = wildcards
        assert sms["Action"] == "sns:Publish"
        assert sms["Condition"] == {"StringEquals": {"aws:RequestedRegion": {"Ref": "AWS::Region"}}}
    else:
        assert wildcards == []


@FUNCTIONS
def test_table_access_follows_the_pipeline(synthesized: Synthesized, spec: Function) -> None:
    for table in PIPELINE.tables:
        actions = synthesized.actions_on(spec, synthesized.table_id(table.name))
        access = spec.tables.get(table.name)
        assert bool(actions & READS) == (access in ("read", "read_write")), (table.name, access)
        assert bool(actions & WRITES) == (access in ("write", "read_write")), (table.name, access)


@FUNCTIONS
def test_queue_access_follows_the_pipeline(synthesized: Synthesized, spec: Function) -> None:
    consumed = {t.queue for t in spec.queue_triggers}
    for queue in PIPELINE.queues:
        actions = synthesized.actions_on(spec, synthesized.queue_id(queue.name))
        assert ("sqs:SendMessage" in actions) == (queue.name in spec.sends_to), queue.name
        assert ("sqs:ReceiveMessage" in actions) == (queue.name in consumed), queue.name


@FUNCTIONS
def test_only_the_pipeline_s_senders_may_email_publish_or_read_the_webhook_secret(
    synthesized: Synthesized, spec: Function
) -> None:
    actions = synthesized.actions(spec)
    assert ("ses:SendEmail" in actions) == spec.sends_email
    assert ("sns:Publish" in actions) == bool(spec.publishes_to or spec.sends_sms)
    # test_suppressions and test_connectors: which secrets
    reads_a_secret = spec.reads_webhook_secret or spec.reads_suppression_key or spec.reads_connector_secrets
    assert ("secretsmanager:GetSecretValue" in actions) == reads_a_secret


def test_email_is_sent_only_from_the_sender_identity(synthesized: Synthesized) -> None:
    (identity_id,) = synthesized.resources("AWS::SES::EmailIdentity")
    assert synthesized.properties(identity_id)["EmailIdentity"] == "surveys@example.com"
    for spec in (s for s in PIPELINE.functions if s.sends_email):
        (statement,) = [s for s in synthesized.statements(spec) if s["Action"] == "ses:SendEmail"]
        # The identity, and the configuration set it sends with (tests/infra/test_suppressions.py).
        identity, configuration_set = statement["Resource"]
        assert ":identity/" in json.dumps(identity)
        assert {"Ref": identity_id} in identity["Fn::Join"][1]
        assert ":configuration-set/" in json.dumps(configuration_set)


def test_send_survey_sends_reads_open_complaints_and_never_writes_tickets(synthesized: Synthesized) -> None:
    spec = PIPELINE.function("send_survey")
    assert {"ses:SendEmail", "sns:Publish"} <= synthesized.actions(spec)
    for table in ("responses", "aggregates"):
        assert not synthesized.actions_on(spec, synthesized.table_id(table))
    # The contact policy asks whether the customer has an open complaint: reads only.
    tickets = synthesized.actions_on(spec, synthesized.table_id("tickets"))
    assert "dynamodb:Query" in tickets and not tickets & WRITES


def test_open_ticket_writes_case_marks_and_reads_no_contact_record(synthesized: Synthesized) -> None:
    # A new ticket marks its customer in the contacts table (cxloop.adapters.case_marks).
    contacts = synthesized.actions_on(PIPELINE.function("open_ticket"), synthesized.table_id("contacts"))
    assert "dynamodb:PutItem" in contacts
    assert not contacts & {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem"}


def test_tickets_api_works_tickets_and_only_reads_the_config(synthesized: Synthesized) -> None:
    spec = PIPELINE.function("tickets_api")
    assert synthesized.actions(spec) >= {"dynamodb:Query", "dynamodb:PutItem", "dynamodb:GetItem"}
    config_statements = synthesized.actions_on(spec, synthesized.table_id("config"))
    assert "dynamodb:GetItem" in config_statements and not config_statements & WRITES
    assert not any(a.startswith(("sns:", "ses:", "secretsmanager:")) for a in synthesized.actions(spec))
    # It sends one thing: a resolved ticket's follow-up survey, to the dispatch queue.
    sends = {a for a in synthesized.actions(spec) if a.startswith("sqs:Send")}
    assert sends and sends <= synthesized.actions_on(spec, synthesized.queue_id("dispatch"))


def test_scheduled_rules_exist_only_for_scheduled_functions(synthesized: Synthesized) -> None:
    expected = sum(len(f.schedules) for f in PIPELINE.functions)
    assert len(synthesized.resources("AWS::Events::Rule")) == expected


@FUNCTIONS
def test_a_send_whose_answer_was_lost_is_taken_as_sent_by_default(
    synthesized: Synthesized, spec: Function
) -> None:
    # cxloop.adapters.unconfirmed_sends reads it when the function creates its first client.
    assert synthesized.environment(spec)["CXLOOP_UNCONFIRMED_SENDS"] == "assume_sent"


def test_an_unknown_unconfirmed_sends_choice_stops_the_synth() -> None:
    from infra.cdk.app import build_app

    with pytest.raises(ValueError, match="unconfirmedSends 'retry': assume_sent or resend"):
        build_app(context={"unconfirmedSends": "retry"})
