"""One synthesized stack per variant and test worker: jsii start-up and synth are slow, so
synth each once and read the template (and cdk-nag's validation report) many times. The
variants (SnapStart, the customer channels, the smallest pipeline) and the pinned CLI's own
synth are session fixtures too: the template scanners read them all."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from infra.pipeline import PIPELINE, Function, Pipeline, Route, Schedule

# Before jsii starts node: keep its Node-version banners out of the test output.
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20,21")


@dataclass
class Synthesized:
    template: dict[str, Any]
    report: dict[str, Any]
    directory: Path

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.template["Resources"].items() if v["Type"] == kind}

    def properties(self, logical_id: str) -> dict[str, Any]:
        return dict(self.template["Resources"][logical_id]["Properties"])

    def function_id(self, spec: Function) -> str:
        """The Lambda whose description is the pipeline function's: no logical ids in tests."""
        return next(
            k
            for k, v in self.resources("AWS::Lambda::Function").items()
            if v["Properties"].get("Description") == spec.description
        )

    def function_properties(self, spec: Function) -> dict[str, Any]:
        return self.properties(self.function_id(spec))

    def environment(self, spec: Function) -> dict[str, Any]:
        return dict(self.function_properties(spec)["Environment"]["Variables"])

    def role_id(self, spec: Function) -> str:
        return str(self.function_properties(spec)["Role"]["Fn::GetAtt"][0])

    def statements(self, spec: Function) -> list[dict[str, Any]]:
        """Every statement of the function's role's own (inline) policies."""
        role = self.role_id(spec)
        found = []
        for policy in self.resources("AWS::IAM::Policy").values():
            if {"Ref": role} in policy["Properties"]["Roles"]:
                found.extend(policy["Properties"]["PolicyDocument"]["Statement"])
        return found

    def actions(self, spec: Function) -> set[str]:
        actions: set[str] = set()
        for statement in self.statements(spec):
            listed = statement["Action"]
            actions.update([listed] if isinstance(listed, str) else listed)
        return actions

    def actions_on(self, spec: Function, logical_id: str) -> set[str]:
        """The actions the function may take on one resource (by the resource's reference)."""
        actions: set[str] = set()
        for statement in self.statements(spec):
            if logical_id in json.dumps(statement["Resource"]):
                listed = statement["Action"]
                actions.update([listed] if isinstance(listed, str) else listed)
        return actions

    def table_id(self, table_name: str) -> str:
        """A table's logical id, found by the partition key the pipeline gives it."""
        key = PIPELINE.table(table_name).partition_key
        return next(
            k
            for k, v in self.resources("AWS::DynamoDB::Table").items()
            if v["Properties"]["KeySchema"][0]["AttributeName"] == key
        )

    def queue_id(self, queue_name: str) -> str:
        """A queue's logical id, found by the env var its producer reads for it."""
        variable = f"QUEUE_{queue_name.upper()}_URL"
        producer = next((f for f in PIPELINE.functions if queue_name in f.sends_to), None)
        if producer is None:  # fed by topics only (suppressions): found through its consumer
            consumer = self.function_id(PIPELINE.consumer_of(queue_name))
            return next(
                str(m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0])
                for m in self.resources("AWS::Lambda::EventSourceMapping").values()
                if m["Properties"]["FunctionName"] == {"Ref": consumer}
            )
        return str(self.environment(producer)[variable]["Ref"])


def synthesize(directory: Path, **kwargs: Any) -> Synthesized:
    from aws_cdk.assertions import Template

    from infra.cdk.app import build_app

    app, stack = build_app(outdir=str(directory), **kwargs)
    app.synth()  # runs cdk-nag; raises on any unacknowledged finding
    template = Template.from_stack(stack).to_json()  # reuses the assembly just written
    report = json.loads((directory / "validation-report.json").read_text())
    return Synthesized(dict(template), report, directory)


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesized]:
    yield synthesize(tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def snapped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesized]:
    # The text `-c snapStart=true` passes, as the CLI gives it.
    yield synthesize(tmp_path_factory.mktemp("snapstart"), context={"snapStart": "true"})


# Every customer channel and Comprehend turned on (test_channels).
POOL = "pool-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
NUMBER = "phone-number-id-0123456789abcdef0123456789abcdef"
WHATSAPP_TEMPLATE = {
    "name": "cxloop_survey",
    "languages": {"es": "es_EC", "en": "en_US"},
    "parameters": ["place", "url"],
}
# Alerts in a Slack channel through AWS Chatbot, critical ones of two branches (test_chat_alerts).
CHAT_FILTER = {"branch": ["guayaquil-centro", "quito-norte"], "severity": ["critical"]}
CHAT_ALERTS = {"slack": {"workspaceId": "T0123ABCD", "channelId": "C0456EFGH"}, "filter": CHAT_FILTER}
CHANNELS_CONTEXT = {
    "smsProvider": "eum",
    "smsPoolId": POOL,
    "smsConfigurationSet": "cxloop-sms",
    "whatsappPhoneNumberId": NUMBER,
    "whatsappTemplate": WHATSAPP_TEMPLATE,
    "shortBaseUrl": "https://cx.example/",
    "commentSentiment": "comprehend",
    "chatAlerts": CHAT_ALERTS,
    # Secrets for the Zendesk, ServiceNow and Salesforce connectors (test_connectors), as the
    # text `-c helpdeskConnectors=zendesk,servicenow,salesforce` passes.
    "helpdeskConnectors": "zendesk,servicenow,salesforce",
}


@pytest.fixture(scope="session")
def configured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesized]:
    # The synth runs cdk-nag: an unacknowledged finding on the new grants fails it here.
    yield synthesize(tmp_path_factory.mktemp("channels"), context=CHANNELS_CONTEXT)


# The smallest pipeline (test_variants): one public route, also run every 15 minutes.
DOCS = PIPELINE.function("api_docs")
SCHEDULED = Pipeline(
    tables=(),
    queues=(),
    topics=(),
    functions=(replace(DOCS, triggers=(Route("GET", "/v1/openapi.json"), Schedule(rate_minutes=15))),),
)
SCHEDULED_CONTEXT = {
    "stage": "prod",
    "publicBaseUrl": "https://cx.example.com/",
    "powertoolsLayerVersion": "40",
}


@pytest.fixture(scope="session")
def scheduled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesized]:
    yield synthesize(tmp_path_factory.mktemp("scheduled"), pipeline=SCHEDULED, context=SCHEDULED_CONTEXT)


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


@pytest.fixture(scope="session")
def cli_synth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The cloud assembly `make synth` writes: the pinned CLI, with cdk.json's context."""
    assert CDK.exists(), "run `make install` for the pinned CDK CLI (node_modules)"
    out = tmp_path_factory.mktemp("cli")
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIALS} | OFFLINE
    result = subprocess.run(
        [str(CDK), "synth", "--quiet", "--no-notices", "-o", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    yield out
