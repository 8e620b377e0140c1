"""`-c snapStart=true`: every pipeline function starts from a SnapStart snapshot of a published
version, and whatever invokes a function (queues, streams, schedules, S3, API Gateway) invokes
its `live` alias, since $LATEST has no snapshot. Off (the default), none of it is there."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.pipeline import PIPELINE
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]


def alias_ids(synthesized: Synthesized) -> set[str]:
    return set(synthesized.resources("AWS::Lambda::Alias"))


def referenced(value: Any, logical_ids: set[str]) -> set[str]:
    """The logical ids among `logical_ids` that a property refers to, however deeply."""
    text = json.dumps(value)
    return {logical_id for logical_id in logical_ids if f'"{logical_id}"' in text}


def proxy_integration_uris(synthesized: Synthesized) -> list[Any]:
    methods = synthesized.resources("AWS::ApiGateway::Method").values()
    return [
        m["Properties"]["Integration"]["Uri"]
        for m in methods
        if m["Properties"].get("Integration", {}).get("Type") == "AWS_PROXY"
    ]


def test_every_pipeline_function_snapshots_its_published_versions(snapped: Synthesized) -> None:
    for spec in PIPELINE.functions:
        assert snapped.function_properties(spec)["SnapStart"] == {"ApplyOn": "PublishedVersions"}, spec.name


def test_cdk_s_own_deploy_time_handlers_are_left_as_they_are(snapped: Synthesized) -> None:
    # Custom resources CloudFormation invokes while deploying: a snapshot would only cost money.
    ours = {snapped.function_id(spec) for spec in PIPELINE.functions}
    others = set(snapped.resources("AWS::Lambda::Function")) - ours
    assert others, "the bucket-notification and dashboard-deployment handlers"
    assert all("SnapStart" not in snapped.properties(other) for other in others)


def test_each_function_has_one_version_and_one_live_alias_on_it(snapped: Synthesized) -> None:
    versions = snapped.resources("AWS::Lambda::Version")
    aliases = snapped.resources("AWS::Lambda::Alias")
    assert len(versions) == len(aliases) == len(PIPELINE.functions)
    for spec in PIPELINE.functions:
        function = {"Ref": snapped.function_id(spec)}
        (version_id,) = [k for k, v in versions.items() if v["Properties"]["FunctionName"] == function]
        (alias,) = [v["Properties"] for v in aliases.values() if v["Properties"]["FunctionName"] == function]
        assert alias["Name"] == "live"
        assert alias["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}
        # A replaced version goes with the update, and its cached snapshot with it.
        assert (
            "DeletionPolicy" not in versions[version_id] or versions[version_id]["DeletionPolicy"] == "Delete"
        )


def test_every_event_source_mapping_invokes_an_alias(snapped: Synthesized) -> None:
    mappings = snapped.resources("AWS::Lambda::EventSourceMapping").values()
    consumers = [f for f in PIPELINE.functions if f.queue_triggers or f.stream_triggers]
    assert len(mappings) >= len(consumers) > 0
    for mapping in mappings:
        assert len(referenced(mapping["Properties"]["FunctionName"], alias_ids(snapped))) == 1, mapping


def test_every_api_integration_invokes_an_alias(snapped: Synthesized) -> None:
    uris = proxy_integration_uris(snapped)
    assert len(uris) == sum(len(f.routes) for f in PIPELINE.functions)
    for uri in uris:
        assert len(referenced(uri, alias_ids(snapped))) == 1, uri


def test_every_invoke_permission_is_on_an_alias(snapped: Synthesized) -> None:
    # API routes, schedules and the intake bucket's notifications each grant their principal.
    permissions = snapped.resources("AWS::Lambda::Permission").values()
    assert {p["Properties"]["Principal"] for p in permissions} >= {
        "apigateway.amazonaws.com",
        "events.amazonaws.com",
        "s3.amazonaws.com",
    }
    for permission in permissions:
        assert len(referenced(permission["Properties"]["FunctionName"], alias_ids(snapped))) == 1, permission


def test_schedules_and_s3_s_retries_go_through_the_alias(snapped: Synthesized) -> None:
    aliases = alias_ids(snapped)
    rules = snapped.resources("AWS::Events::Rule").values()
    targets = [t for rule in rules for t in rule["Properties"].get("Targets", [])]
    scheduled = [f for f in PIPELINE.functions if f.schedules]
    lambda_targets = [t for t in targets if referenced(t["Arn"], aliases)]
    assert len(lambda_targets) == sum(len(f.schedules) for f in scheduled)
    # S3 invokes import_events asynchronously: the retries and on-failure queue of the alias.
    (config,) = snapped.resources("AWS::Lambda::EventInvokeConfig").values()
    assert referenced(config["Properties"]["Qualifier"], aliases)


def test_cdk_nag_passes_with_no_new_acknowledgement(snapped: Synthesized, synthesized: Synthesized) -> None:
    def nag(report: dict[str, Any]) -> dict[str, Any]:
        (found,) = [r for r in report["pluginReports"] if r["pluginName"] == "AwsSolutions"]
        return dict(found)

    on, off = nag(snapped.report), nag(synthesized.report)
    assert on["conclusion"] == "success" and on["violations"] == []
    rules_on = {s["ruleName"] for s in on["suppressedViolations"]}
    assert rules_on == {s["ruleName"] for s in off["suppressedViolations"]}


def test_off_by_default_nothing_is_published_and_triggers_invoke_the_functions(
    synthesized: Synthesized,
) -> None:
    assert not synthesized.resources("AWS::Lambda::Version")
    assert not synthesized.resources("AWS::Lambda::Alias")
    assert all(
        "SnapStart" not in f["Properties"] for f in synthesized.resources("AWS::Lambda::Function").values()
    )
    functions = {synthesized.function_id(spec) for spec in PIPELINE.functions}
    for uri in proxy_integration_uris(synthesized):
        assert len(referenced(uri, functions)) == 1, uri
    for mapping in synthesized.resources("AWS::Lambda::EventSourceMapping").values():
        assert len(referenced(mapping["Properties"]["FunctionName"], functions)) == 1, mapping


@pytest.mark.parametrize(
    ("given", "expected"), [(True, True), ("true", True), (" false ", False), (False, False), (None, False)]
)
def test_the_setting_is_a_json_boolean_or_the_text_true_or_false(given: object, expected: bool) -> None:
    from aws_cdk import App

    from infra.cdk.context import DeployContext

    context = {} if given is None else {"snapStart": given}
    assert DeployContext.from_node(App(context=context).node).snap_start is expected


@pytest.mark.parametrize("given", ["yes", "1", "True", "on"])
def test_any_other_value_fails_the_synth_with_a_sentence(given: str) -> None:
    from infra.cdk.app import build_app

    with pytest.raises(ValueError, match=f"snapStart '{given}': true or false"):
        build_app(context={"snapStart": given})
