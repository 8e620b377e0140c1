"""The pinned CDK CLI (node_modules) synthesizes the app as `make synth` will: no AWS
account, no credentials, no Docker, no network."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from infra.pipeline import PIPELINE

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]


def test_the_pinned_cli_synthesizes_the_stack(cli_synth: Path) -> None:
    # cli_synth (conftest) runs `cdk synth` offline: no credentials, no metadata service.
    template = json.loads((cli_synth / "Cxloop.template.json").read_text())
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
    report = json.loads((cli_synth / "validation-report.json").read_text())
    (nag,) = [r for r in report["pluginReports"] if r["pluginName"] == "AwsSolutions"]
    assert nag["conclusion"] == "success"
