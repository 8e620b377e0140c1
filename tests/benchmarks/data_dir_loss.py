"""What a kill -9 loses with `cxloop serve --data-dir` (infra/local/persistence.py): the AWS
stand-in starts on a copy of a data directory (the demo's, `.cxloop/data`, for a realistic
save), takes one DynamoDB write every 20 ms, and is killed outright at a random moment 3 to
7 s in; restarted on the same directory, the last write it restored says how many seconds
of acknowledged writes were lost. The README's "Keeping data between runs" quotes it.

Run `.venv/bin/python tests/benchmarks/data_dir_loss.py [--from .cxloop/data] [--runs 6]`.
It exits 0 when it ran (benchmarks report, tests assert).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from infra.local.defaults import REGION, SENDER_ADDRESS
from infra.local.resources import clients, provision
from infra.local.runtime import start_stand_in, stop_stand_in

WRITE_EVERY_S = 0.02
TABLE = "config"


def _writes(dynamodb: Any, probe: str, acknowledged: dict[int, float], stop: threading.Event) -> None:
    """Write 1, 2, 3... to one item until stopped or refused; when each was acknowledged."""
    number = 0
    while not stop.is_set():
        number += 1
        try:
            dynamodb.put_item(TableName=TABLE, Item={"name": {"S": probe}, "n": {"N": str(number)}})
        except Exception:  # the stand-in was killed: nothing after this was acknowledged
            return
        acknowledged[number] = time.monotonic()
        time.sleep(WRITE_EVERY_S)


def one_kill(data: Path, run: int) -> float:
    """Seconds of acknowledged writes a kill at a random moment lost."""
    probe = f"loss-probe-{run}"
    process, endpoint = start_stand_in(data)
    acknowledged: dict[int, float] = {}
    stop = threading.Event()
    writer = threading.Thread(
        target=_writes, args=(clients(endpoint, REGION)["dynamodb"], probe, acknowledged, stop)
    )
    writer.start()
    time.sleep(3 + random.random() * 4)
    killed = time.monotonic()
    process.kill()
    process.wait()
    stop.set()
    writer.join()
    process, endpoint = start_stand_in(data)
    try:
        found = clients(endpoint, REGION)["dynamodb"].get_item(TableName=TABLE, Key={"name": {"S": probe}})
    finally:
        stop_stand_in(process)
    restored = int(found["Item"]["n"]["N"]) if "Item" in found else 0
    kept_until = acknowledged.get(restored, min(acknowledged.values()))
    print(f"run {run}: {max(acknowledged) - restored} of {max(acknowledged)} writes lost", flush=True)
    return killed - kept_until


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, default=Path(".cxloop/data"))
    parser.add_argument("--runs", type=int, default=6)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "data"
        if args.source.exists():
            shutil.copytree(args.source, data, ignore=shutil.ignore_patterns("lock"))
        else:  # the pipeline's tables, nothing in them
            process, endpoint = start_stand_in(data)
            provision(endpoint, REGION, sender=SENDER_ADDRESS)
            stop_stand_in(process)
        losses = [one_kill(data, run) for run in range(args.runs)]
    print(
        f"lost on kill -9: at most {max(losses):.2f} s, median {statistics.median(losses):.2f} s "
        f"over {args.runs} kills"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
