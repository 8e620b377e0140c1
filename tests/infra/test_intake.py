"""Bulk intake in CloudFormation: the intake bucket (encrypted, versioned, private, TLS-only, with
lifecycle rules), its ObjectCreated notification on incoming/ to import_events, the function's
least privilege (read incoming/, write reports/, nothing else of the bucket), its asynchronous
retries with an on-failure queue, and the layer carrying openpyxl; the batch route in the API."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from infra.cdk.constructs.functions import LAYER_PACKAGES
from infra.pipeline import INTAKE_INCOMING, INTAKE_REPORTS, PIPELINE
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

IMPORT = PIPELINE.function("import_events")
REPO = Path(__file__).resolve().parents[2]


def intake_bucket(synthesized: Synthesized) -> str:
    """The bucket whose name import_events reads (found by the env var, not a logical id)."""
    return str(synthesized.environment(IMPORT)["BUCKET_INTAKE_NAME"]["Ref"])


def test_the_intake_bucket_is_encrypted_versioned_private_tls_only_and_expires_files(
    synthesized: Synthesized,
) -> None:
    logical_id = intake_bucket(synthesized)
    bucket = synthesized.properties(logical_id)
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"], True
    )
    assert bucket["LoggingConfiguration"]["DestinationBucketName"]["Ref"] != logical_id
    expirations = {
        r.get("Prefix"): r.get("ExpirationInDays") for r in bucket["LifecycleConfiguration"]["Rules"]
    }
    assert expirations[INTAKE_INCOMING] == 90 and expirations[INTAKE_REPORTS] == 180
    assert any(r.get("NoncurrentVersionExpiration") for r in bucket["LifecycleConfiguration"]["Rules"])
    (policy,) = [
        p["Properties"]["PolicyDocument"]
        for p in synthesized.resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": logical_id}
    ]
    denials = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in denials)
    assert synthesized.template["Resources"][logical_id]["DeletionPolicy"] == "Retain"


def test_objects_created_under_incoming_invoke_import_events(synthesized: Synthesized) -> None:
    logical_id = intake_bucket(synthesized)
    (notifications,) = [
        n["Properties"]
        for n in synthesized.resources("Custom::S3BucketNotifications").values()
        if n["Properties"]["BucketName"] == {"Ref": logical_id}
    ]
    (configuration,) = notifications["NotificationConfiguration"]["LambdaFunctionConfigurations"]
    assert configuration["Events"] == ["s3:ObjectCreated:*"]
    assert configuration["Filter"]["Key"]["FilterRules"] == [{"Name": "prefix", "Value": INTAKE_INCOMING}]
    assert configuration["LambdaFunctionArn"] == {"Fn::GetAtt": [synthesized.function_id(IMPORT), "Arn"]}
    (permission,) = [
        p["Properties"]
        for p in synthesized.resources("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "s3.amazonaws.com"
    ]
    assert permission["SourceArn"] == {"Fn::GetAtt": [logical_id, "Arn"]}


def bucket_statements(synthesized: Synthesized) -> list[dict[str, Any]]:
    logical_id = intake_bucket(synthesized)
    return [s for s in synthesized.statements(IMPORT) if logical_id in json.dumps(s["Resource"])]


def test_import_events_may_read_incoming_and_write_reports_only(synthesized: Synthesized) -> None:
    logical_id = intake_bucket(synthesized)
    granted = {}
    for statement in bucket_statements(synthesized):
        (resource,) = (
            [statement["Resource"]] if isinstance(statement["Resource"], dict) else statement["Resource"]
        )
        path = resource["Fn::Join"][1][1]
        assert resource["Fn::Join"][1][0] == {"Fn::GetAtt": [logical_id, "Arn"]}
        actions = statement["Action"]
        granted[path] = sorted([actions] if isinstance(actions, str) else actions)
    assert granted == {
        f"/{INTAKE_INCOMING}*": ["s3:GetObject", "s3:GetObjectVersion"],
        f"/{INTAKE_REPORTS}*": ["s3:PutObject"],
    }
    all_actions = synthesized.actions(IMPORT)
    assert not {a for a in all_actions if a.startswith("s3:") and ("Delete" in a or "List" in a or "*" in a)}
    env = synthesized.environment(IMPORT)
    assert {"TABLE_INTERACTIONS", "TABLE_IDEMPOTENCY", "QUEUE_DISPATCH_URL", "BUCKET_INTAKE_NAME"} <= set(env)


def test_failed_imports_are_retried_twice_then_parked_in_an_encrypted_queue(synthesized: Synthesized) -> None:
    function_id = synthesized.function_id(IMPORT)
    (config,) = [
        c["Properties"]
        for c in synthesized.resources("AWS::Lambda::EventInvokeConfig").values()
        if c["Properties"]["FunctionName"] == {"Ref": function_id}
    ]
    assert config["MaximumRetryAttempts"] == 2
    queue_id = config["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
    assert synthesized.properties(queue_id)["SqsManagedSseEnabled"] is True
    function = synthesized.function_properties(IMPORT)
    assert function["Timeout"] == IMPORT.timeout_s == 900 and function["MemorySize"] == 1024


def test_the_shared_layer_carries_the_pinned_openpyxl_for_lambda(synthesized: Synthesized) -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert set(LAYER_PACKAGES) <= set(project["project"]["dependencies"])
    layers = [p for p in synthesized.directory.glob("asset.*/python") if (p / "cxloop").is_dir()]
    assert layers, "the shared-code layer asset"
    for layer in layers:
        assert (layer / "openpyxl" / "__init__.py").is_file()
        assert (layer / "et_xmlfile").is_dir()
        assert not list(layer.glob("cxloop/**/__pycache__"))


def test_the_batch_route_is_a_signed_json_post_to_capture_event(synthesized: Synthesized) -> None:
    capture = PIPELINE.function("capture_event")
    assert ("POST", "/v1/events/batch") in {(r.method, r.path) for r in capture.routes}
    methods = [
        m["Properties"]
        for m in synthesized.resources("AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "POST"
        and synthesized.function_id(capture) in json.dumps(m["Properties"]["Integration"])
    ]
    assert len(methods) == 2
    assert all(m["AuthorizationType"] == "NONE" and m["RequestModels"] for m in methods)
    assert synthesized.function_properties(capture)["Timeout"] == 28  # under API Gateway's 29 s


def test_the_stack_names_the_bucket_the_erp_drops_its_extracts_into(synthesized: Synthesized) -> None:
    output = synthesized.template["Outputs"]["IntakeBucketName"]["Value"]
    assert output["Ref"] in synthesized.resources("AWS::S3::Bucket")
