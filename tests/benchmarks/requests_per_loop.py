"""AWS requests per closed loop, counted by the local AWS stand-in (infra/local/request_counts.py)
through `cxloop serve`: `--loops` detractors each go event -> survey -> answer -> ticket ->
notice -> alert, and the run prints the requests the functions made per loop, by service and
operation. Polling (ReceiveMessage on a queue, GetRecords on a table's stream, which Lambda's
event source mappings do, not the code) is left out; what the scheduled functions do meanwhile
is measured over an idle window of the same length first and taken off. Target (issue 13): at
most 24 per loop. Each request names its function (cxloop.adapters.call_log,
CXLOOP_TAG_AWS_REQUESTS), so the figures are also printed per function and operation. The
functions keep the analysts' documents and the webhook subscriptions as long as deployed
(shared/cxloop/config.py's defaults), not the seconds the local runtime keeps them for a demo:
the reads a loop costs are the deployed ones.

Run `.venv/bin/python tests/benchmarks/requests_per_loop.py [--loops 30]`. Exits 0 whatever
the figures (benchmarks report, tests assert); 1 if the loops did not close, 2 if the runtime
did not start.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cxloop.adapters.call_log import TAG_VARIABLE
from infra.local.analytics import lake_location
from infra.local.auth import mint_token
from infra.local.defaults import staff_secret, webhook_secret
from infra.local.demo.contacts.stage import publish_contact_policy
from infra.local.demo.events import make_events
from infra.local.demo.http import Http
from infra.local.demo.insurer import contact_of
from infra.local.erp import event_body, post_event
from infra.local.request_counts import BY_FUNCTION_PATH, REQUESTS_PATH
from infra.local.served import RuntimeFailed, running_served
from infra.ops.queues import is_quiet
from infra.ops.targets import LocalTarget

LOG_FILE = ".cxloop/bench-requests.log"
TARGET = 24
# The event source mappings' reads: of a queue, and of a table's stream (archive_to_lake's).
POLLING = {"sqs:ReceiveMessage", "dynamodb:GetRecords", "dynamodbstreams:GetRecords"}
PERMISSIVE = {"quiet_start": None, "quiet_end": None, "min_gap_hours": 0, "cap_messages": 100}
# The deployed cache lifetimes (shared/cxloop/config.py), which the served runtime takes from us.
DEPLOYED_CACHES = {"CXLOOP_RULEBOOK_TTL_S": "60", "CXLOOP_WEBHOOK_CACHE_TTL_S": "30"}
DETRACTOR = {"nps": "2", "csat": "1", "ces": "2", "comment": "Nadie me llamó"}


def counts(http: Http, endpoint: str) -> Counter[str]:
    """Every request by service:operation, and by function|service:operation."""
    found = Counter(http.session.get(f"{endpoint}{REQUESTS_PATH}", timeout=10).json())
    by_function = http.session.get(f"{endpoint}{BY_FUNCTION_PATH}", timeout=10).json()
    for function, operations in by_function.items():
        found.update({f"{function}|{name}": count for name, count in operations.items()})
    return found


def wait(done: Callable[[], bool], timeout_s: float = 120) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if done():
            return True
        time.sleep(0.2)
    return False


def play_loops(http: Http, events: list[dict[str, Any]]) -> bool:
    """Events, then every survey answered as a detractor; True once every alert is out."""
    wanted = {contact_of(e) for e in events}
    for event in events:
        post_event(http.base_url, event_body(event), webhook_secret(), http.session).raise_for_status()
    sent = lambda: {m["to"]: m["survey_url"] for m in http.json("/_local/outbox") if m["to"] in wanted}  # noqa: E731
    if not wait(lambda: len(sent()) == len(wanted)):
        return False
    alerts_before = len(http.json("/_local/alerts"))
    for link in sent().values():
        http.post(link, data=DETRACTOR).raise_for_status()
    return wait(lambda: len(http.json("/_local/alerts")) >= alerts_before + len(wanted))


def settled(http: Http) -> None:
    target = LocalTarget(http.base_url)
    wait(lambda: is_quiet(target))
    time.sleep(2)  # the last deletes and idempotency writes after the queues empty


def report(loops: Counter[str], idle: Counter[str], count: int, seconds: float) -> None:
    """The functions' requests (those naming a function) are the loop's: by function, then by
    operation. The rest come from the local runtime's own machinery (its Firehose stand-in's S3
    writes, the benchmark's queue checks) and are shown apart, not judged."""
    per_loop = {
        name: (loops[name] - idle[name]) / count
        for name in loops
        if name.rsplit("|", 1)[-1] not in POLLING and loops[name] > idle[name]
    }
    by_function = {name: value for name, value in per_loop.items() if "|" in name}
    by_operation: Counter[str] = Counter()
    for name, value in by_function.items():
        by_operation[name.split("|", 1)[1]] += value  # type: ignore[assignment]
    others = {
        name: value - by_operation[name]
        for name, value in per_loop.items()
        if "|" not in name and value - by_operation[name] > 0.05
    }
    print(f"  requests per closed loop (polling excluded, the idle window's {sum(idle.values())} taken off)")
    print("  by function and operation:")
    for function in sorted({name.split("|", 1)[0] for name in by_function}):
        prefix = f"{function}|"
        mine = {name.removeprefix(prefix): v for name, v in by_function.items() if name.startswith(prefix)}
        detail = ", ".join(f"{n} {v:.1f}" for n, v in sorted(mine.items(), key=lambda item: -item[1]))
        print(f"    {function:<22} {sum(mine.values()):5.1f}  ({detail})")
    print("  by operation:")
    for name, value in sorted(by_operation.items(), key=lambda item: -item[1]):
        print(f"    {name:<40} {value:5.1f}")
    total = sum(by_operation.values())
    print(f"  total per loop: {total:.1f} (target at most {TARGET}: {'MET' if total <= TARGET else 'OVER'})")
    shown = ", ".join(f"{n} {v:.1f}" for n, v in sorted(others.items(), key=lambda item: -item[1]))
    print(f"  not the functions' (the runtime's Firehose stand-in, the benchmark's queue checks): {shown}")
    print(f"  {count} loops in {seconds:.0f} s")


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--loops", type=int, default=30)
    args = options.parse_args()
    print(f"== AWS requests per loop: {args.loops} detractors", flush=True)
    Path(LOG_FILE).unlink(missing_ok=True)
    os.environ.update({TAG_VARIABLE: "1", **DEPLOYED_CACHES})  # the served runtime inherits them
    try:
        with running_served(Path(LOG_FILE)) as runtime:
            http = Http(runtime.base_url)
            endpoint, _ = lake_location(runtime.base_url)
            executive = mint_token(staff_secret(), role="executive", user="bench")
            publish_contact_policy(http, executive, PERMISSIVE, "bench: surveys at once").raise_for_status()
            # One customer each (make_events keeps contacts apart); the first two warm up.
            events = make_events(args.loops + 2, random.Random(7))
            if not play_loops(http, events[:2]):  # warm: first reads, caches, clients
                print("requests_per_loop: the warm-up loops did not close", file=sys.stderr)
                return 1
            settled(http)
            started, before = time.monotonic(), counts(http, endpoint)
            closed = play_loops(http, events[2:])
            settled(http)
            loops, seconds = counts(http, endpoint) - before, time.monotonic() - started
            idle_start = counts(http, endpoint)
            time.sleep(seconds)
            idle = counts(http, endpoint) - idle_start
    except RuntimeFailed as exc:
        print(f"requests_per_loop: {exc}", file=sys.stderr)
        return 2
    report(loops, idle, args.loops, seconds)
    return 0 if closed else 1


if __name__ == "__main__":
    sys.exit(main())
