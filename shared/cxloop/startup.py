"""The cold start runs without Python's cyclic garbage collector.

Importing a handler (boto3, Powertools, pydantic and our models) allocates hundreds of
thousands of objects that live as long as the process, and the cyclic GC keeps walking
them while they are created: measured on the benchmark (tests/benchmarks/cold_start.py),
that costs a fifth of a function's init. So on Lambda the collector is off from the first
line of the handler module (this module is imported first: see the `startup` section of
ruff's isort settings) until the function's dependencies are built (`built_once`). Then
`gc.freeze()` moves everything the start-up made into the permanent generation, which later
collections skip, and the collector is on again for the requests.

Only on Lambda (LAMBDA_TASK_ROOT is set): a test session or the local runtime imports
many handlers in one long process, where a collector left off would let cycles pile up.
CXLOOP_STARTUP_GC=on keeps the collector on throughout (to compare, or should a start-up
ever need it).

With Lambda SnapStart (the `snapStart` deploy setting), Lambda runs the init once when it
publishes a version and restores every later execution environment from a snapshot of it,
telling the init apart by AWS_LAMBDA_INITIALIZATION_TYPE=snap-start. Then `built_once` hands
its builder to the runtime's before-snapshot hooks (snapshot_restore_py, part of the managed
runtime), so the snapshot holds the built dependencies, and with them the boto3 clients of the
function's tables, queues and topics, instead of every restore building them on its first
request. What a snapshot shares between the environments restored from it, and why that is safe:
- Nothing unique is made at build: invitation ids, tokens and keys come from uuid4 and secrets,
  which read os.urandom when called (the kernel's generator, reseeded on restore). The `random`
  module's one generator is in the snapshot though, so after a restore it is seeded again:
  botocore draws its retry jitter from it, and identical jitter would retry in lockstep.
- No connection is open: botocore connects on a client's first request, and the build makes
  none (tests/unit/handler_support/test_startup.py refuses sockets while it runs).
- No credentials are frozen: a SnapStart function gets its role's credentials from the container
  credentials provider (AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN)
  rather than the AWS_ACCESS_KEY_ID variables (AWS Lambda guide, "Using SnapStart with AWS
  SDKs"); botocore's default chain wraps them as refreshable credentials, which fetch new ones,
  with the token read again from the environment, once those in the snapshot expire.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from functools import cache, wraps
from typing import TypeVar

T = TypeVar("T")

ON_LAMBDA = bool(os.environ.get("LAMBDA_TASK_ROOT")) and os.environ.get("CXLOOP_STARTUP_GC") != "on"
# The init Lambda runs to take a SnapStart snapshot (the others: on-demand, provisioned-concurrency).
SNAPSHOT_INIT = os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start"

if ON_LAMBDA:
    gc.disable()


def finished() -> None:
    """The start-up is over: keep what it made out of future collections, collect again."""
    if ON_LAMBDA and not gc.isenabled():
        gc.freeze()
        gc.enable()


def built_once(build: Callable[[], T]) -> Callable[[], T]:
    """`functools.cache` for a handler's builder (_app, _step, _deps): the first build ends
    the start-up. The cache_clear of the result is functools' (tests start cold with it).
    In a SnapStart init the build runs before the snapshot is taken, not on a first request."""

    @cache
    @wraps(build)
    def once() -> T:
        try:
            return build()
        finally:
            finished()

    if SNAPSHOT_INIT:
        _build_before_snapshot(once)
    return once


def _build_before_snapshot(once: Callable[[], object]) -> None:
    # Imported only here: the library ships in Lambda's managed Python runtimes, not in our layer.
    from snapshot_restore_py import register_before_snapshot  # noqa: PLC0415

    register_before_snapshot(_prepare_snapshot, once)
    _reseed_after_restore()


def _prepare_snapshot(once: Callable[[], object]) -> None:
    once()
    _make_clients()


def _make_clients() -> None:
    """cxloop.adapters.aws makes clients on first use, so that an on-demand cold start pays only
    for those a request needs; before a snapshot they cost no request anything, so make the
    clients of the resources the function is configured with now."""
    # Imported here: this module is imported before any other, these import pydantic and boto3.
    from cxloop.adapters.aws import client  # noqa: PLC0415
    from cxloop.config import settings  # noqa: PLC0415

    configured = settings()
    for service, resources in (
        ("dynamodb", configured.tables),
        ("sqs", configured.queues),
        ("sns", configured.topics),
    ):
        if resources:
            client(service)


@cache
def _reseed_after_restore() -> None:
    """Once per process, however many builders it has (see the module's docstring)."""
    import random  # noqa: PLC0415 - only a snapshot's init needs it

    from snapshot_restore_py import register_after_restore  # noqa: PLC0415

    register_after_restore(random.seed)  # with no argument: from os.urandom
