"""The report's PDF in CloudFormation: API Gateway lets application/pdf leave as bytes, and the
shared-code layer carries fpdf2 and Pillow's binary build for Lambda's Python and architecture,
at the versions pyproject.toml pins."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from infra.cdk.constructs.functions import LAYER_PACKAGES, RUNTIME
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

REPO = Path(__file__).resolve().parents[2]


def test_the_pdf_leaves_api_gateway_as_binary(synthesized: Synthesized) -> None:
    (api_id,) = synthesized.resources("AWS::ApiGateway::RestApi")
    types = synthesized.properties(api_id)["BinaryMediaTypes"]
    assert "application/pdf" in types and "image/png" in types


def test_the_layer_carries_fpdf2_and_pillow_built_for_lambda(synthesized: Synthesized) -> None:
    pins = set(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"])
    assert {"fpdf2==2.8.9", "pillow==12.2.0"} <= set(LAYER_PACKAGES) <= pins
    layers = [p for p in synthesized.directory.glob("asset.*/python") if (p / "cxloop").is_dir()]
    assert layers, "the shared-code layer asset"
    version = RUNTIME.name.removeprefix("python").replace(".", "")
    for layer in layers:
        assert (layer / "fpdf" / "__init__.py").is_file()
        assert (layer / "cxloop" / "domain" / "insights" / "report_pdf.py").is_file()
        # Pillow's compiled core, for the runtime's CPython on arm64 (never this machine's build).
        assert list((layer / "PIL").glob(f"_imaging.cpython-{version}-aarch64-linux-gnu.so"))
        assert list(layer.glob("pillow-12.2.0.dist-info"))
