"""The pages' copy, style sheets and scripts are package data: the shared-code layer and an
installed wheel both carry every one of them."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO / "shared"
ASSETS = sorted(p for p in (SHARED / "cxloop").rglob("assets/*") if p.is_file())


def test_there_are_page_assets() -> None:
    names = {p.name for p in ASSETS}
    assert {"survey.js", "survey.css", "survey_copy.json", "report.css", "opt_out_copy.json"} <= names


def test_every_page_asset_is_declared_package_data() -> None:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    for asset in ASSETS:
        package_dir = asset.parent.parent
        package = ".".join(package_dir.relative_to(SHARED).parts)
        inside = asset.relative_to(package_dir).as_posix()
        assert any(fnmatch(inside, pattern) for pattern in declared.get(package, [])), asset


def test_the_shared_code_layer_carries_every_page_asset(synthesized: Synthesized) -> None:
    layers = [p for p in synthesized.directory.glob("asset.*/python") if (p / "cxloop").is_dir()]
    assert layers, "the shared-code layer asset"
    for layer in layers:
        for asset in ASSETS:
            copied = layer / asset.relative_to(SHARED)
            assert copied.read_bytes() == asset.read_bytes(), copied
