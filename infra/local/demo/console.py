"""How the demo reports progress: counts as results come in, a line per quarter off a terminal."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

WORKERS = 6

T = TypeVar("T")
R = TypeVar("R")


def progress(label: str, done: int, total: int) -> None:
    """`\\r` updates on a terminal; a line per quarter otherwise (logs, CI)."""
    if sys.stdout.isatty():
        print(f"\r  {label}: {done}/{total}", end="\n" if done >= total else "", flush=True)
    elif done >= total or (total >= 4 and done % max(1, total // 4) == 0):
        print(f"  {label}: {done}/{total}", flush=True)


def run_all(label: str, items: list[T], work: Callable[[T], R]) -> list[R]:
    """`work` on every item with a small thread pool, counting as results come in."""
    results: list[R] = []
    progress(label, 0, len(items))
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for result in pool.map(work, items):
            results.append(result)
            progress(label, len(results), len(items))
    return results


def counted(counter: Counter[str], top: int | None = None) -> str:
    return ", ".join(f"{n} {key}" for key, n in counter.most_common(top)) or "none"
