"""`cxloop serve` in a subprocess, as `cxloop demo` and the end-to-end tests run it.

The subprocess gets a free port (--port 0) and its own core; its first printed line says
where it listens. Its output is drained by a thread so it never blocks on a full pipe, and
it is stopped as Ctrl-C stops it (SIGINT), then terminated, then killed if it hangs.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

START_TIMEOUT_S = 60
# Per step (SIGINT, then SIGTERM): generous, a loaded machine can be slow and a clean stop is
# what tests/e2e/test_runtime.py checks.
STOP_TIMEOUT_S = 30
# The runtime's own start-up and stop lines; function logs go to its log file.
KEPT_LINES = 40
# The runtime provisions its own (moto) resources: the caller's AWS settings stay away from it.
CALLERS_SETTINGS = ("AWS_", "TABLE_", "QUEUE_", "TOPIC_")


class RuntimeFailed(RuntimeError):
    """`cxloop serve` did not report ready."""


@dataclass
class Served:
    """A running `cxloop serve`: where it listens, where its functions log, what it printed."""

    process: subprocess.Popen[str]
    log_file: Path
    base_url: str = ""
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=KEPT_LINES))
    drained: threading.Event = field(default_factory=threading.Event)

    def output(self) -> str:
        return "".join(self.lines).rstrip()

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> tuple[int, str]:
        """SIGINT (what Ctrl-C sends) for an orderly stop; terminate, then kill, if it hangs.
        Answers the exit code and what it printed last."""
        process = self.process
        for stop in (lambda: process.send_signal(signal.SIGINT), process.terminate, process.kill):
            if process.poll() is not None:
                break
            stop()
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=timeout_s)
        self.drained.wait(timeout=5)  # its last lines ("stopped.") are read after it exits
        return process.wait(), self.output()


def start_served(
    log_file: Path,
    *,
    cwd: Path | None = None,
    timeout_s: float = START_TIMEOUT_S,
    extra_args: tuple[str, ...] = (),
    port: int = 0,
) -> Served:
    """Start `cxloop serve --port PORT` (0: a free one), wait for its "ready at URL" line;
    RuntimeFailed if none comes."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "infra.local.cli",
        "serve",
        "--port",
        str(port),
        "--log-file",
        str(log_file),
        *extra_args,
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(CALLERS_SETTINGS)}
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, fixed arguments
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    served = Served(process, log_file)
    first_line: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_drain, args=(served, first_line), name="runtime-output", daemon=True).start()
    try:
        first = first_line.get(timeout=timeout_s)
        reason = "did not report ready" if first else "stopped before it was ready"
    except queue.Empty:
        first, reason = "", f"did not report ready within {timeout_s:.0f} s"
    if "ready at" not in first:
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=2)  # a failing start-up usually ends by itself; keep its exit code
        code, output = served.stop()
        raise RuntimeFailed(
            f"`cxloop serve` {reason} (exit code {code}); its output:\n{output or '(nothing)'}"
        )
    served.base_url = first.rsplit(" ", 1)[-1].strip()
    return served


def _drain(served: Served, first_line: queue.Queue[str]) -> None:
    assert served.process.stdout is not None
    for number, line in enumerate(served.process.stdout):
        served.lines.append(line)
        if number == 0:
            first_line.put(line)
    first_line.put("")  # the process ended (possibly before printing anything)
    served.drained.set()


@contextmanager
def running_served(
    log_file: Path, *, timeout_s: float = START_TIMEOUT_S, extra_args: tuple[str, ...] = (), port: int = 0
) -> Iterator[Served]:
    """A served runtime for the length of a `with` block, stopped however the block ends."""
    served = start_served(log_file, timeout_s=timeout_s, extra_args=extra_args, port=port)
    try:
        yield served
    finally:
        served.stop()


def stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C does, so a runtime started in a `with` block is always stopped."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
