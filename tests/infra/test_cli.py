"""The pinned CDK CLI (node_modules) synthesizes the app as `make synth` will: no AWS
account, no credentials, no Docker, no network."""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from infra.pipeline import PIPELINE

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]
REPO = Path(__file__).resolve().parents[2]
CDK = REPO / "node_modules" / ".bin" / "cdk"
# Nothing may reach AWS: no credentials to find, no metadata service, and any SDK call
# would go to a closed local port. No notices, version check or telemetry either.
OFFLINE = {
    "JSII_SILENCE_WARNING_DEPRECATED_NODE": "1",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20,21",
    "CDK_DISABLE_VERSION_CHECK": "1",
    "CDK_DISABLE_CLI_TELEMETRY": "true",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
}
CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE")


@pytest.mark.skipif(not CDK.exists(), reason="run `make install` for the pinned CDK CLI")
def test_the_pinned_cli_synthesizes_the_stack(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIALS} | OFFLINE
    result = subprocess.run(
        [str(CDK), "synth", "--quiet", "--no-notices", "-o", str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    template = json.loads((tmp_path / "Cxloop.template.json").read_text())
    kinds = Counter(r["Type"] for r in template["Resources"].values())
    # Ours, plus CDK's helpers: the bucket-notification handler and the dashboard deployment.
    assert kinds["AWS::Lambda::Function"] == len(PIPELINE.functions) + 2
    assert kinds["AWS::IAM::Role"] >= len(PIPELINE.functions)
    assert kinds["AWS::DynamoDB::Table"] == len(PIPELINE.tables)
    stream_triggers = sum(len(f.stream_triggers) for f in PIPELINE.functions)
    # Each queue has its DLQ; each stream trigger has an on-failure queue.
    object_triggers = sum(len(f.object_triggers) for f in PIPELINE.functions)
    assert kinds["AWS::SQS::Queue"] == 2 * len(PIPELINE.queues) + stream_triggers + object_triggers
    assert kinds["AWS::Lambda::EventSourceMapping"] == stream_triggers + sum(
        len(f.queue_triggers) for f in PIPELINE.functions
    )
    # Every route, plus the CORS preflight (OPTIONS) of each staff resource the dashboard calls.
    methods = [
        r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::ApiGateway::Method"
    ]
    routed = [m for m in methods if m["HttpMethod"] != "OPTIONS"]
    assert len(routed) == sum(len(f.routes) for f in PIPELINE.functions)
    staff_paths = {r.path for f in PIPELINE.functions for r in f.routes if r.auth == "staff"}
    assert len(methods) - len(routed) == len(staff_paths)
    assert kinds["AWS::ApiGateway::RestApi"] == kinds["AWS::Cognito::UserPool"] == 1
    assert kinds["AWS::SNS::Topic"] == len(PIPELINE.topics) + 1  # + the ops topic
    report = json.loads((tmp_path / "validation-report.json").read_text())
    (nag,) = [r for r in report["pluginReports"] if r["pluginName"] == "AwsSolutions"]
    assert nag["conclusion"] == "success"
