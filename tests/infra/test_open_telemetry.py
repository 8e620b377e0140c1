"""Tracing without the X-Ray SDK: Lambda's and API Gateway's active tracing draw the loop on
every deployment, and `-c openTelemetry=true` adds the ADOT Python layer and its wrapper to
each pipeline function (spans from inside the code, sent to X-Ray with the same two actions).
Off (the default), no function carries either, and the shared-code layer ships no X-Ray SDK."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from infra.pipeline import PIPELINE
from tests.infra.conftest import Synthesized, synthesize

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

ADOT_ARN = "arn:aws:lambda:${AWS::Region}:901920570463:layer:aws-otel-python-arm64-ver-${Version}"
WRAPPER = "AWS_LAMBDA_EXEC_WRAPPER"


@pytest.fixture(scope="module")
def instrumented(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesized]:
    # The text `-c openTelemetry=true -c openTelemetryLayerVersion=...` passes, as the CLI gives it.
    context = {"openTelemetry": "true", "openTelemetryLayerVersion": "1-30-0:3"}
    yield synthesize(tmp_path_factory.mktemp("otel"), context=context)


def adot_layers(layers: list[Any]) -> list[Any]:
    return [layer for layer in layers if isinstance(layer, dict) and ADOT_ARN in str(layer.get("Fn::Sub"))]


def xray_actions(synthesized: Synthesized) -> set[str]:
    return {a for spec in PIPELINE.functions for a in synthesized.actions(spec) if a.startswith("xray:")}


def test_by_default_every_function_traces_actively_without_the_adot_layer(synthesized: Synthesized) -> None:
    for spec in PIPELINE.functions:
        properties = synthesized.function_properties(spec)
        assert properties["TracingConfig"] == {"Mode": "Active"}, spec.name
        assert len(properties["Layers"]) == 2 and not adot_layers(properties["Layers"]), spec.name
        assert WRAPPER not in synthesized.environment(spec), spec.name
    (stage,) = synthesized.resources("AWS::ApiGateway::Stage").values()
    assert stage["Properties"]["TracingEnabled"] is True


def test_the_shared_code_layer_ships_no_x_ray_sdk(synthesized: Synthesized) -> None:
    layers = [p for p in synthesized.directory.glob("asset.*/python") if (p / "cxloop").is_dir()]
    assert layers, "the shared-code layer asset"
    for layer in layers:
        assert not list(layer.glob("aws_xray_sdk*")) and not list(layer.glob("wrapt*"))


def test_with_open_telemetry_each_function_gets_the_adot_layer_of_its_region_and_the_wrapper(
    instrumented: Synthesized,
) -> None:
    for spec in PIPELINE.functions:
        properties = instrumented.function_properties(spec)
        (layer,) = adot_layers(properties["Layers"])
        assert layer == {"Fn::Sub": [ADOT_ARN, {"Version": "1-30-0:3"}]}, spec.name
        assert instrumented.environment(spec)[WRAPPER] == "/opt/otel-instrument", spec.name
        assert properties["TracingConfig"] == {"Mode": "Active"}, spec.name


def test_open_telemetry_needs_no_grant_beyond_the_shared_trace_policy(
    synthesized: Synthesized, instrumented: Synthesized
) -> None:
    # The collector writes with xray:PutTraceSegments and PutTelemetryRecords, which every role
    # has from TraceWriting; no function's own policy gains an X-Ray action or a wildcard.
    assert xray_actions(instrumented) == xray_actions(synthesized) == set()
    assert len(instrumented.resources("AWS::IAM::ManagedPolicy")) == 1
    ours = {instrumented.function_id(spec) for spec in PIPELINE.functions}
    for other in set(instrumented.resources("AWS::Lambda::Function")) - ours:
        assert WRAPPER not in str(instrumented.properties(other).get("Environment"))


@pytest.mark.parametrize(
    ("key", "given", "expected"),
    [
        ("openTelemetry", "yes", "true or false"),
        ("openTelemetryLayerVersion", "1.29.0", "<release>:<layer version>"),
        ("openTelemetryLayerVersion", "1-29-0", "<release>:<layer version>"),
    ],
)
def test_a_bad_open_telemetry_setting_stops_the_synth(key: str, given: str, expected: str) -> None:
    from infra.cdk.app import build_app

    with pytest.raises(ValueError, match=re.escape(f"{key} '{given}': {expected}")):
        build_app(context={key: given})
