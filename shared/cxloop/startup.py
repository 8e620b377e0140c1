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
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from functools import cache, wraps
from typing import TypeVar

T = TypeVar("T")

ON_LAMBDA = bool(os.environ.get("LAMBDA_TASK_ROOT")) and os.environ.get("CXLOOP_STARTUP_GC") != "on"

if ON_LAMBDA:
    gc.disable()


def finished() -> None:
    """The start-up is over: keep what it made out of future collections, collect again."""
    if ON_LAMBDA and not gc.isenabled():
        gc.freeze()
        gc.enable()


def built_once(build: Callable[[], T]) -> Callable[[], T]:
    """`functools.cache` for a handler's builder (_app, _step, _deps): the first build ends
    the start-up. The cache_clear of the result is functools' (tests start cold with it)."""

    @cache
    @wraps(build)
    def once() -> T:
        try:
            return build()
        finally:
            finished()

    return once
