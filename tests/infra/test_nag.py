"""cdk-nag runs in every synth, fails it on what is not acknowledged, and every
acknowledgement carries a reason."""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from infra.pipeline import PIPELINE
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]
REPO = Path(__file__).resolve().parents[2]


def test_every_acknowledgement_states_a_reason(synthesized: Synthesized) -> None:
    acknowledged = [
        rule
        for resource in synthesized.template["Resources"].values()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]
    assert acknowledged, "acknowledgements are written to the template for audit"
    for rule in acknowledged:
        assert len(rule["reason"]) >= 20, rule


def test_an_unacknowledged_finding_fails_the_synth(tmp_path: Path) -> None:
    from aws_cdk import App, Stack, Validations
    from aws_cdk import aws_sqs as sqs
    from cdk_nag import AwsSolutionsChecks

    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Careless")
    sqs.Queue(stack, "NoDlqNoTls")
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError, match="ValidationFailed") as failure:
        app.synth()
    assert "AwsSolutions-SQS3" in str(failure.value)
    assert "AwsSolutions-SQS4" in str(failure.value)


def test_the_pinned_cdk_cli_synthesizes_cloudformation(tmp_path: Path) -> None:
    env = os.environ | {"JSII_SILENCE_WARNING_DEPRECATED_NODE": "1", "CDK_DISABLE_VERSION_CHECK": "1"}
    result = subprocess.run(
        [str(REPO / "node_modules" / ".bin" / "cdk"), "synth", "--quiet", "-o", str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    template = json.loads((tmp_path / "Cxloop.template.json").read_text())
    kinds = Counter(r["Type"] for r in template["Resources"].values())
    assert kinds["AWS::Lambda::Function"] == len(PIPELINE.functions)
    assert kinds["AWS::DynamoDB::Table"] == len(PIPELINE.tables)
    assert kinds["AWS::SQS::Queue"] == 2 * len(PIPELINE.queues)
    report = json.loads((tmp_path / "validation-report.json").read_text())
    assert "AwsSolutions" in json.dumps(report)
