"""The cold start without the cyclic GC (cxloop.startup): off from a handler's first import on
Lambda until its dependencies are built, then frozen and on; never off outside Lambda."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.pipeline import PIPELINE

REPO = Path(__file__).resolve().parents[2]
# Import a handler, report the collector's state, build its dependencies, report again.
PROBE = """
import gc, json
module = __import__({module!r}, fromlist=["handler"])
imported = gc.isenabled()
build = next(getattr(module, n) for n in ("_app", "_step", "_deps", "_body") if hasattr(module, n))
build()
state = {{"after_import": imported, "after_build": gc.isenabled(), "frozen": gc.get_freeze_count()}}
print(json.dumps(state))
"""


def probe(module: str, *, on_lambda: bool) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != "LAMBDA_TASK_ROOT" and not k.startswith("AWS_")}
    env |= {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}
    env |= {"TABLE_RESPONSES": "r", "TABLE_AGGREGATES": "a", "TABLE_IDEMPOTENCY": "i", "TABLE_CONFIG": "c"}
    env |= {"QUEUE_TICKETS_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/t"}
    if on_lambda:
        env["LAMBDA_TASK_ROOT"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_on_lambda_the_collector_is_off_until_the_build_and_the_start_up_is_frozen() -> None:
    state = probe("functions.score_response.handler", on_lambda=True)
    assert state["after_import"] is False
    assert state["after_build"] is True
    assert isinstance(state["frozen"], int) and state["frozen"] > 10_000


def test_outside_lambda_the_collector_is_never_touched() -> None:
    assert probe("functions.score_response.handler", on_lambda=False) == {
        "after_import": True,
        "after_build": True,
        "frozen": 0,
    }


def first_import(path: Path) -> str:
    """The first import of a module after `from __future__ import annotations`."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            return node.module or ""
        if isinstance(node, ast.Import):
            return node.names[0].name
    return ""


@pytest.mark.parametrize("function", [f.name for f in PIPELINE.functions])
def test_every_handler_imports_the_start_up_first_and_builds_through_it(function: str) -> None:
    path = REPO / "functions" / function / "handler.py"
    assert first_import(path) == "cxloop.startup", "ruff's isort section `startup` keeps it first"
    source = path.read_text(encoding="utf-8")
    builders = [n for n in ("_app", "_step", "_deps", "_body") if f"def {n}(" in source]
    assert builders, "every handler builds its dependencies once"
    for name in builders:
        assert f"@built_once\ndef {name}(" in source, name
