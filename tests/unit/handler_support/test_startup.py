"""The cold start without the cyclic GC (cxloop.startup): off from a handler's first import on
Lambda until its dependencies are built, then frozen and on; never off outside Lambda. In a
SnapStart init the dependencies are built by the before-snapshot hooks, offline."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from infra.pipeline import PIPELINE
from tests.helpers import fresh_interpreter_json

REPO = Path(__file__).resolve().parents[3]
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
# A SnapStart init as the managed runtime runs it: import the handler (the init), run the
# before-snapshot hooks (the last registered first), then the after-restore hooks. The network
# is refused throughout: nothing may connect before the snapshot.
SNAPSHOT_PROBE = """
import gc, json, random, sys
def refuse_network(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname"):
        raise RuntimeError(f"the snapshot's init tried the network: {{event}}")
sys.addaudithook(refuse_network)
import snapshot_restore_py as hooks
module = __import__({module!r}, fromlist=["handler"])
from cxloop.adapters import aws
build = next(getattr(module, n) for n in ("_app", "_step", "_deps", "_body") if hasattr(module, n))
built, clients = build.cache_info, aws.client.cache_info
state = {{"built_at_import": built().currsize, "clients_at_import": clients().currsize}}
for hook, args, kwargs in reversed(hooks.get_before_snapshot()):
    hook(*args, **kwargs)
state |= {{
    "built_before_snapshot": built().currsize,
    "clients_before_snapshot": clients().currsize,
    "collector_on": gc.isenabled(),
    "before_snapshot_hooks": len(hooks.get_before_snapshot()),
    "after_restore_hooks": len(hooks.get_after_restore()),
}}
snapshot_state = random.getstate()
for hook, args, kwargs in hooks.get_after_restore():
    hook(*args, **kwargs)
state["reseeded"] = random.getstate() != snapshot_state
print(json.dumps(state))
"""


def probe(
    module: str, *, on_lambda: bool, script: str = PROBE, initialization: str | None = None
) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != "LAMBDA_TASK_ROOT" and not k.startswith("AWS_")}
    env |= {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}
    env |= {"TABLE_RESPONSES": "r", "TABLE_AGGREGATES": "a", "TABLE_IDEMPOTENCY": "i", "TABLE_CONFIG": "c"}
    env |= {"TABLE_WEBHOOKS": "w", "QUEUE_WEBHOOKS_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/w"}
    env |= {"QUEUE_TICKETS_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/t"}
    if on_lambda:
        env["LAMBDA_TASK_ROOT"] = str(REPO)
    if initialization:
        env["AWS_LAMBDA_INITIALIZATION_TYPE"] = initialization
    return fresh_interpreter_json(script.format(module=module), env)


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


def test_a_snapstart_init_builds_before_the_snapshot_with_the_clients_and_reseeds_after_restore() -> None:
    state = probe(
        "functions.score_response.handler", on_lambda=True, script=SNAPSHOT_PROBE, initialization="snap-start"
    )
    # Importing only registers the build: the runtime runs it once the init is over.
    assert state["built_at_import"] == 0 and state["clients_at_import"] == 0
    assert state["before_snapshot_hooks"] == 1 and state["after_restore_hooks"] == 1
    assert state["built_before_snapshot"] == 1
    # Its tables' DynamoDB client (idempotency makes it in the build) and its queue's SQS client.
    assert state["clients_before_snapshot"] == 2
    assert state["collector_on"] is True
    assert state["reseeded"] is True


@pytest.mark.parametrize("initialization", ["on-demand", None])
def test_without_a_snapstart_init_no_hook_is_registered_and_nothing_is_built_early(
    initialization: str | None,
) -> None:
    state = probe(
        "functions.score_response.handler",
        on_lambda=True,
        script=SNAPSHOT_PROBE,
        initialization=initialization,
    )
    assert state["before_snapshot_hooks"] == 0 and state["after_restore_hooks"] == 0
    assert state["built_before_snapshot"] == 0 and state["clients_before_snapshot"] == 0
    assert state["reseeded"] is False


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
