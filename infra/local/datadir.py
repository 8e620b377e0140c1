"""The data directory of `cxloop serve --data-dir DIR`: its files, who holds it, and how the
demo starts afresh. Light on purpose (no moto): the CLI and the demo read it before the
runtime starts. What is saved, and how, is infra/local/persistence.py."""

from __future__ import annotations

import fcntl
import shutil
import time
from pathlib import Path
from typing import IO

# Where `make serve` and `cxloop demo` keep their data (.cxloop/ is ignored by git).
DEFAULT_DATA_DIR = Path(".cxloop/data")
STATE_FILE = "aws-state.pickle"
LOCK_FILE = "lock"
# How long a new stand-in waits for the directory: one whose runtime was killed saves, then
# exits, within a second or two (aws_process.exit_with_parent).
LOCK_WAIT_S = 15.0


class DataDirError(RuntimeError):
    """The data directory cannot be used (held by another runtime, saved by another version)."""


def hold(data_dir: Path, wait_s: float = LOCK_WAIT_S) -> IO[str]:
    """Take the directory (an exclusive lock on DIR/lock) for as long as the answered file
    stays open: the lock goes with the process that holds it, however it ends."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = (data_dir / LOCK_FILE).open("a+")
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return lock
        except BlockingIOError:
            if time.monotonic() > deadline:
                lock.close()
                raise DataDirError(f"{data_dir} is in use by another cxloop serve") from None
            time.sleep(0.1)


def set_aside(data_dir: Path) -> Path | None:
    """Move what the directory holds to DIR.previous (replacing an older one), so a run starts
    afresh without destroying the last one; where it went, or None if there was nothing."""
    if not (data_dir / STATE_FILE).exists():
        return None
    hold(data_dir, wait_s=0).close()  # refuses while a runtime uses it
    previous = data_dir.with_name(f"{data_dir.name}.previous")
    shutil.rmtree(previous, ignore_errors=True)
    data_dir.rename(previous)
    return previous
