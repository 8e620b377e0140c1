"""cfn-lint and checkov, run through their own command lines with their default settings, on
every template the stack synthesizes: the one `make synth` writes (the pinned CLI, cdk.json's
context) and the opt-in variants the other infra tests synthesize (SnapStart, the customer
channels, the smallest pipeline). A finding fails the run unless the resource's metadata accepts
it with a reason (infra/cdk/scanners.py). A careless stack rides along in the same runs, to show
the scanners report what they should and honour what the metadata accepts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.pipeline import PIPELINE
from tests.infra.conftest import REPO, Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

CFN_LINT = Path(sys.executable).parent / "cfn-lint"
# checkov lives in a venv of its own (Makefile: its boto3 pin conflicts with the project's).
CHECKOV = REPO / ".venv-checkov" / "bin" / "checkov"
# checkov offline: no guideline download from its vendor's platform, no update check on PyPI.
CHECKOV_OFFLINE = {"BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"}
TEMPLATE = "Cxloop.template.json"
CARELESS = "careless"
MIN_REASON_CHARS = 20

# What the stack accepts, by scanner rule and the resource types it is accepted on; a new
# acceptance must be argued for here, in review (README, "Template checks", says why each holds).
ACCEPTED_CHECKOV = {
    "CKV_AWS_115": {"AWS::Lambda::Function"},  # reserved concurrency
    "CKV_AWS_116": {"AWS::Lambda::Function"},  # a DLQ on the function
    "CKV_AWS_117": {"AWS::Lambda::Function"},  # in a VPC
    "CKV_AWS_173": {"AWS::Lambda::Function"},  # environment under a customer managed key
    "CKV_AWS_158": {"AWS::Logs::LogGroup"},  # log group under a customer managed key
    "CKV_AWS_119": {"AWS::DynamoDB::Table"},  # table under a customer managed key
    "CKV_AWS_149": {"AWS::SecretsManager::Secret"},  # secret under a customer managed key
    "CKV_AWS_27": {"AWS::SQS::Queue"},  # a KMS key (SSE-SQS is not read)
    "CKV_AWS_59": {"AWS::ApiGateway::Method"},  # public routes
    "CKV_AWS_120": {"AWS::ApiGateway::Stage"},  # stage cache
    "CKV_AWS_18": {"AWS::S3::Bucket"},  # access logs of the access-log buckets
    "CKV_AWS_21": {"AWS::S3::Bucket"},  # versioning of the dashboard's files
    "CKV_AWS_68": {"AWS::CloudFront::Distribution"},  # WAF on CloudFront
    "CKV_AWS_174": {"AWS::CloudFront::Distribution"},  # TLS 1.2 minimum
}
ACCEPTED_CFN_LINT = {"W3005": {"AWS::Lambda::Function"}}  # CDK's DependsOn on a function's role


@pytest.fixture(scope="module")
def templates(
    cli_synth: Path,
    snapped: Synthesized,
    configured: Synthesized,
    scheduled: Synthesized,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Path]]:
    yield {
        "default (cdk synth)": cli_synth / TEMPLATE,
        "snapStart": snapped.directory / TEMPLATE,
        "channels": configured.directory / TEMPLATE,
        "smallest pipeline": scheduled.directory / TEMPLATE,
        CARELESS: careless_template(tmp_path_factory.mktemp(CARELESS) / "Careless.template.json"),
    }


def careless_template(path: Path) -> Path:
    """A stack with findings both scanners report, each twice: once left, once accepted."""
    from aws_cdk import App, Stack
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_sqs as sqs
    from aws_cdk.assertions import Template

    from infra.cdk.scanners import ignore_cfn_lint, skip_checkov

    stack = Stack(App(), "Careless")
    sqs.CfnQueue(stack, "Unencrypted")
    skip_checkov(sqs.CfnQueue(stack, "UnencryptedAccepted"), "CKV_AWS_27", "accepted here on purpose")
    for name in ("Retired", "RetiredAccepted"):
        function = lambda_.CfnFunction(
            stack,
            name,
            runtime="python2.7",
            handler="index.handler",
            role="arn:aws:iam::123456789012:role/careless",
            code=lambda_.CfnFunction.CodeProperty(zip_file="def handler(event, context): pass"),
        )
    ignore_cfn_lint(function, "E2533", "accepted here on purpose")
    path.write_text(json.dumps(Template.from_stack(stack).to_json(), indent=1))
    return path


@pytest.fixture(scope="module")
def cfn_lint_matches(templates: dict[str, Path]) -> Iterator[list[dict[str, Any]]]:
    assert CFN_LINT.exists(), "run `make install` (cfn-lint is a dev dependency)"
    result = subprocess.run(
        [str(CFN_LINT), "--format", "json", *map(str, templates.values())],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    yield json.loads(result.stdout or "null") or _no_output(result)


@pytest.fixture(scope="module")
def checkov_report(templates: dict[str, Path]) -> Iterator[dict[str, Any]]:
    assert CHECKOV.exists(), "run `make infra` or `make test` (they install checkov in .venv-checkov)"
    files = [arg for path in templates.values() for arg in ("-f", str(path))]
    result = subprocess.run(
        [str(CHECKOV), *files, "--framework", "cloudformation", "--skip-download", "-o", "json"],
        env=os.environ | CHECKOV_OFFLINE,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = json.loads(result.stdout or "null") or _no_output(result)
    assert isinstance(report, dict), "one framework, one report"
    yield report


def _no_output(result: subprocess.CompletedProcess[str]) -> Any:
    # cfn-lint prints [] when it finds nothing: no output at all means it did not run.
    raise AssertionError(f"exit {result.returncode}, no report: {result.stderr[-3000:]}")


def variant_of(templates: dict[str, Path], filename: str) -> str:
    (name,) = [name for name, path in templates.items() if Path(filename).resolve() == path.resolve()]
    return name


def test_cfn_lint_finds_nothing_in_any_template_of_the_stack(
    templates: dict[str, Path], cfn_lint_matches: list[dict[str, Any]]
) -> None:
    findings = [
        f"{variant}: {m['Rule']['Id']} ({m['Level']}) {'/'.join(map(str, m['Location']['Path']))}: "
        f"{m['Message']}"
        for m in cfn_lint_matches
        if (variant := variant_of(templates, m["Filename"])) != CARELESS
    ]
    assert not findings, "cfn-lint findings:\n" + "\n".join(findings)


def test_checkov_fails_no_check_on_any_template_of_the_stack(
    templates: dict[str, Path], checkov_report: dict[str, Any]
) -> None:
    results = checkov_report["results"]
    failed = [
        f"{variant}: {c['check_id']} on {c['resource']}: {c['check_name']}"
        for c in results["failed_checks"]
        if (variant := variant_of(templates, c["file_abs_path"])) != CARELESS
    ]
    assert not failed, "checkov findings:\n" + "\n".join(failed)
    checked = {variant_of(templates, c["file_abs_path"]) for c in results["passed_checks"]}
    assert checked == set(templates), "checkov checked every template"


def test_the_scanners_report_a_careless_stack_and_honour_what_its_metadata_accepts(
    templates: dict[str, Path], cfn_lint_matches: list[dict[str, Any]], checkov_report: dict[str, Any]
) -> None:
    linted = {
        (m["Rule"]["Id"], m["Location"]["Path"][1])
        for m in cfn_lint_matches
        if variant_of(templates, m["Filename"]) == CARELESS
    }
    assert ("E2533", "Retired") in linted and ("E2533", "RetiredAccepted") not in linted
    results = checkov_report["results"]
    failed = {(c["check_id"], c["resource"]) for c in results["failed_checks"]}
    assert ("CKV_AWS_27", "AWS::SQS::Queue.Unencrypted") in failed
    skipped = {(c["check_id"], c["resource"]): c for c in results["skipped_checks"]}
    accepted = skipped[("CKV_AWS_27", "AWS::SQS::Queue.UnencryptedAccepted")]
    assert accepted["check_result"]["suppress_comment"] == "accepted here on purpose"


def acceptances(template: dict[str, Any]) -> Iterator[tuple[str, str, str, str, str]]:
    """(scanner, rule, logical id, resource type, reason) for every acceptance in the metadata."""
    for logical_id, resource in template["Resources"].items():
        metadata = resource.get("Metadata", {})
        for skip in metadata.get("checkov", {}).get("skip", []):
            yield "checkov", skip["id"], logical_id, resource["Type"], skip.get("comment", "")
        config = metadata.get("cfn-lint", {}).get("config", {})
        for rule in config.get("ignore_checks", []):
            reason = config.get("ignore_reasons", {}).get(rule, "")
            yield "cfn-lint", rule, logical_id, resource["Type"], reason


def test_every_acceptance_states_its_reason(templates: dict[str, Path]) -> None:
    found = []
    for variant, path in templates.items():
        if variant != CARELESS:
            found.extend(acceptances(json.loads(path.read_text())))
    assert found
    for scanner, rule, logical_id, _, reason in found:
        assert len(reason.strip()) >= MIN_REASON_CHARS, (scanner, rule, logical_id)


def test_only_the_accepted_rules_are_accepted_and_on_their_resource_types(templates: dict[str, Path]) -> None:
    for variant, path in templates.items():
        if variant == CARELESS:
            continue
        accepted: dict[str, dict[str, set[str]]] = {"checkov": {}, "cfn-lint": {}}
        for scanner, rule, _, kind, _ in acceptances(json.loads(path.read_text())):
            accepted[scanner].setdefault(rule, set()).add(kind)
        beyond = {
            rule: kinds - ACCEPTED_CHECKOV.get(rule, set())
            for rule, kinds in accepted["checkov"].items()
            if kinds - ACCEPTED_CHECKOV.get(rule, set())
        }
        assert not beyond, f"{variant}: checkov acceptances beyond the list: {beyond}"
        assert accepted["cfn-lint"] == ACCEPTED_CFN_LINT, variant


def test_the_default_template_accepts_each_rule_only_where_its_reason_holds(cli_synth: Path) -> None:
    template = json.loads((cli_synth / TEMPLATE).read_text())
    resources = template["Resources"]
    on: dict[str, set[str]] = {}
    for scanner, rule, logical_id, _, _ in acceptances(template):
        on.setdefault(f"{scanner}:{rule}", set()).add(logical_id)
    assert {key.split(":", 1)[1] for key in on if key.startswith("checkov:")} == set(ACCEPTED_CHECKOV)
    # Queues: only those encrypted with SQS managed keys, which checkov does not read.
    for logical_id in on["checkov:CKV_AWS_27"]:
        assert resources[logical_id]["Properties"]["SqsManagedSseEnabled"] is True, logical_id
    # Methods open without a token: exactly the public routes, never a staff route.
    public = sum(1 for f in PIPELINE.functions for r in f.routes if r.auth != "staff")
    assert len(on["checkov:CKV_AWS_59"]) == public
    for logical_id in on["checkov:CKV_AWS_59"]:
        assert resources[logical_id]["Properties"]["AuthorizationType"] == "NONE", logical_id
    # No access logs only on the buckets that receive the others' access logs.
    log_targets = {
        bucket["Properties"]["LoggingConfiguration"]["DestinationBucketName"]["Ref"]
        for bucket in resources.values()
        if "LoggingConfiguration" in bucket.get("Properties", {})
    }
    assert on["checkov:CKV_AWS_18"] == log_targets


def test_an_acceptance_without_a_real_reason_is_refused() -> None:
    from aws_cdk import App, Stack
    from aws_cdk import aws_sqs as sqs

    from infra.cdk.scanners import ignore_cfn_lint, skip_checkov

    queue = sqs.CfnQueue(Stack(App(), "S"), "Queue")
    with pytest.raises(ValueError, match="real reason"):
        skip_checkov(queue, "CKV_AWS_27", "because")
    with pytest.raises(ValueError, match="real reason"):
        ignore_cfn_lint(queue, "W3005", " ")
