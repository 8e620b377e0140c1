"""Cold-start benchmark: how much each function's first invocation pays before it works.

For every function in `infra.pipeline.PIPELINE`, a fresh `python -c` process imports
`functions.<name>.handler` and builds what the first invocation builds (`_app()`,
`_step()`, `_deps()` for the scheduled functions, or `_body()` for api_docs), then creates
the boto3 clients its first request needs (cxloop.adapters.aws creates them lazily, but the
first request waits for them all the same, so they count as part of the start), timed
inside the child with `time.perf_counter` from the first line of the script. The baseline
is measured the same way in the same run: `import boto3; boto3.client("dynamodb")`.
Two "floor" rows start only the libraries a function of each kind must use (Powertools
Logger, Metrics and pydantic, plus BatchProcessor and Idempotency for a queue consumer, or
the validating REST resolver for an API function), with nothing of cxloop: no function can
start faster than its kind's floor.

Each function is judged by its kind (its trigger in infra/pipeline.py): an API function,
a scheduled function and a stream consumer within 1.35x the baseline; a queue consumer
within 0.15x above the consumer floor of the same run, since the floor itself is over
1.35x. import_events (a file in the intake bucket) is judged with the queue consumers: its
step is idempotent on Powertools' Idempotency as theirs are.

The child sees what Lambda would give it: the resource names the pipeline grants the
function (`env_name_for`), fake credentials and LAMBDA_TASK_ROOT (cxloop.startup's cold
start handling). An audit hook refuses any socket connection or name lookup, so building
the clients cannot reach AWS.

Run with `make bench` or `.venv/bin/python tests/benchmarks/cold_start.py [--runs 7]`;
`--compare-gc` adds each function measured with the cyclic GC on during its start-up (what
cxloop.startup turns off on Lambda), in the same rounds.
It always exits 0: benchmarks report, tests assert.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from infra.pipeline import PIPELINE, Function, dead_letters_name, env_name_for

REPO = Path(__file__).resolve().parents[2]

# The verdicts: a ratio to the baseline for most kinds, a margin over its floor for a consumer.
TARGET_RATIO = 1.35
CONSUMER_MARGIN = 0.15
REGION = "us-east-1"
ACCOUNT = "123456789012"
MARK = "COLD_START_MS"
# The suffix of a function measured with the collector on during its start-up (--compare-gc).
GC_ON = "[gc on]"

# First lines of every child: start the clock, then forbid the network.
PRELUDE = """\
import sys, time
_t0 = time.perf_counter()
def _no_network(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname"):
        raise RuntimeError(f"cold start tried the network: {event} {args!r}")
sys.addaudithook(_no_network)
"""
BASELINE = """\
import boto3
_t1 = time.perf_counter()
boto3.client("dynamodb")
"""
# __import__, not importlib.import_module: only the former shows in -X importtime.
FUNCTION = """\
module = __import__({module!r}, fromlist=["handler"])
_t1 = time.perf_counter()
init = next((getattr(module, n) for n in ("_app", "_step", "_deps", "_body") if hasattr(module, n)), None)
if init is not None:
    init()
"""
# The boto3 clients cxloop.adapters.aws creates lazily, on first use: the first request
# waits for them, so the start counts them.
CLIENTS = """\
_t2 = time.perf_counter()
if {services!r}:
    from cxloop.adapters.aws import client
    for service in {services!r}:
        client(service)
_t3 = time.perf_counter()
"""
# The library floors: what the Powertools utilities every function of a kind must use
# (docs/ARCHITECTURE.md, Rules every step keeps) cost with nothing of cxloop, started the way
# cxloop.startup starts a handler (collector off until built). A function cannot start faster
# than the floor of its kind, so these rows say how much of a function's ratio is its libraries
# and how much is cxloop.
FLOOR_COMMON = """\
import gc
gc.disable()
from aws_lambda_powertools import Logger, Metrics
from pydantic import BaseModel
logger = Logger(service="floor")
metrics = Metrics(namespace="floor", service="floor")
class Message(BaseModel):
    id: str
"""
FLOOR_CONSUMER = (
    FLOOR_COMMON
    + """\
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
_t1 = time.perf_counter()
import boto3
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig
IdempotencyConfig(event_key_jmespath="id")
DynamoDBPersistenceLayer(table_name="floor", boto3_client=boto3.client("dynamodb"))
gc.freeze(); gc.enable()
"""
)
FLOOR_API = (
    FLOOR_COMMON
    + """\
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
_t1 = time.perf_counter()
app = APIGatewayRestResolver(enable_validation=True)
@app.get("/messages/<message_id>")
def one(message_id: str) -> Message:
    return Message(id=message_id)
gc.freeze(); gc.enable()
"""
)
FLOORS = {
    "floor: Powertools consumer, no cxloop": (FLOOR_CONSUMER, []),
    "floor: Powertools REST API, no cxloop": (FLOOR_API, ["dynamodb"]),
}
FLOOR = "floor: "
CONSUMER_FLOOR = "floor: Powertools consumer, no cxloop"
REPORT = f"""\
print("{MARK}", (_t1 - _t0) * 1000, (_t2 - _t1) * 1000, (_t3 - _t2) * 1000, (_t3 - _t0) * 1000)
"""


@dataclass(frozen=True)
class Target:
    name: str
    code: str
    env: dict[str, str]


@dataclass
class Sample:
    import_ms: float
    build_ms: float
    clients_ms: float
    total_ms: float


def base_env() -> dict[str, str]:
    """A Lambda-like environment with nothing of the caller's AWS setup in it."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    return keep | {
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "AKIABENCHMARKFAKE000",
        "AWS_SECRET_ACCESS_KEY": "benchmark-fake-secret",
        "AWS_SESSION_TOKEN": "benchmark-fake-token",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "LAMBDA_TASK_ROOT": str(REPO),
    }


def function_env(function: Function) -> dict[str, str]:
    """What the CDK app grants this function: its tables, queues and topics, by name."""
    env = {
        "AWS_LAMBDA_FUNCTION_NAME": f"cxloop-bench-{function.name}",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "CXLOOP_STAGE": "bench",
        "PUBLIC_BASE_URL": "https://cx.example.com",
        "SENDER_ADDRESS": "surveys@example.com",
        "POWERTOOLS_SERVICE_NAME": "cxloop",
        "POWERTOOLS_METRICS_NAMESPACE": "cxloop",
    }
    for table in function.tables:
        env[env_name_for("table", table)] = f"cxloop-bench-{table}"
    for queue in function.sends_to:
        env[env_name_for("queue", queue)] = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/cxloop-{queue}"
    for queue in function.dead_letters_to:
        dead_letters = dead_letters_name(queue)
        env[env_name_for("queue", dead_letters)] = (
            f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/cxloop-{dead_letters}"
        )
    for topic in function.publishes_to:
        env[env_name_for("topic", topic)] = f"arn:aws:sns:{REGION}:{ACCOUNT}:cxloop-{topic}"
    if function.reads_webhook_secret:
        env["WEBHOOK_SECRET_ARN"] = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:cxloop-webhook"
    if function.reads_suppression_key:
        secret = "cxloop-suppression"
        env["SUPPRESSION_KEY_SECRET_ARN"] = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{secret}"
    for bucket in {access.bucket for access in function.objects}:
        env[env_name_for("bucket", bucket)] = f"cxloop-bench-{bucket}"
    return env


def services_of(function: Function) -> list[str]:
    """The AWS services a function's first request talks to (the webhook secret included)."""
    wanted = {
        "dynamodb": bool(function.tables),
        "sqs": bool(function.sends_to),
        "sesv2": function.sends_email,
        "sns": function.sends_sms or bool(function.publishes_to),
        "secretsmanager": function.reads_webhook_secret,
    }
    return [service for service, used in wanted.items() if used]


def targets(*, compare_gc: bool = False) -> list[Target]:
    """The baseline and every function; with `compare_gc`, each function again with the cyclic
    GC left on during its start-up (cxloop.startup), measured in the same rounds."""
    common = base_env()
    no_clients = CLIENTS.format(services=[])
    found = [Target("baseline: boto3 + dynamodb client", PRELUDE + BASELINE + no_clients + REPORT, common)]
    floor_env = common | {"AWS_LAMBDA_FUNCTION_NAME": "bench-floor"}
    for name, (code, services) in FLOORS.items():
        found.append(Target(name, PRELUDE + code + CLIENTS.format(services=services) + REPORT, floor_env))
    for function in PIPELINE.functions:
        clients = CLIENTS.format(services=services_of(function))
        init = PRELUDE + FUNCTION.format(module=function.handler_module)
        env = common | function_env(function)
        found.append(Target(function.name, init + clients + REPORT, env))
        if compare_gc:
            gc_on = env | {"CXLOOP_STARTUP_GC": "on"}
            found.append(Target(f"{function.name} {GC_ON}", init + clients + REPORT, gc_on))
    return found


def run_once(target: Target, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *extra, "-c", target.code],
        cwd=REPO,
        env=target.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def measure(target: Target) -> Sample | str:
    """One cold start, or the reason it failed."""
    done = run_once(target)
    for line in done.stdout.splitlines():
        if line.startswith(MARK):
            return Sample(*(float(x) for x in line.split()[1:]))
    return (done.stderr.strip().splitlines() or [f"exit {done.returncode}, no figure"])[-1]


def benchmark(found: list[Target], runs: int) -> dict[str, list[Sample] | str]:
    """Interleaved runs (every target once per round) so drift hits all alike; round 0 warms up."""
    results: dict[str, list[Sample] | str] = {t.name: [] for t in found}
    for round_number in range(runs + 1):
        print(f"\r  round {round_number}/{runs}", end="", flush=True)
        for target in found:
            samples = results[target.name]
            if isinstance(samples, str):
                continue
            outcome = measure(target)
            if isinstance(outcome, str):
                results[target.name] = outcome
            elif round_number > 0:
                samples.append(outcome)
    print()
    return results


def kind_of(function: Function) -> str:
    """How a function is judged: by what starts it."""
    if function.routes:
        return "api"
    if function.queue_triggers or function.object_triggers:
        return "consumer"
    return "stream" if function.stream_triggers else "scheduled"


def verdict(kind: str, ratio: float, consumer_floor: float) -> tuple[bool, str]:
    """Within its kind's target, and the target as printed."""
    if kind == "consumer":
        limit = consumer_floor + CONSUMER_MARGIN
        return round(ratio, 2) <= round(limit, 2), f"<= floor+{CONSUMER_MARGIN} = {limit:.2f}x"
    return round(ratio, 2) <= TARGET_RATIO, f"<= {TARGET_RATIO}x"


def median_total(samples: list[Sample]) -> float:
    return statistics.median(s.total_ms for s in samples)


def print_table(results: dict[str, list[Sample] | str]) -> list[str]:
    """The table; answers the names of the functions over their kind's target."""
    baseline_name = next(iter(results))
    baseline = results[baseline_name]
    assert isinstance(baseline, list), f"the baseline failed: {baseline}"
    base_ms = median_total(baseline)
    floor = results[CONSUMER_FLOOR]
    assert isinstance(floor, list), f"the consumer floor failed: {floor}"
    consumer_floor = median_total(floor) / base_ms
    kinds = {function.name: kind_of(function) for function in PIPELINE.functions}
    header = f"{'function':<38}{'kind':<10}{'import':>7}{'build':>7}{'clients':>8}{'min':>7}{'median':>7}"
    header += f"{'ratio':>7}  verdict"
    print(header)
    print("-" * (len(header) + 24))
    over = []
    for name, samples in results.items():
        kind = kinds.get(name.removesuffix(f" {GC_ON}"), "")
        if isinstance(samples, str):
            print(f"{name:<38}{kind:<10}FAILED: {samples}")
            over.append(name)
            continue
        ratio = median_total(samples) / base_ms
        # The GC-on, floor and baseline rows are comparisons, not the product: no verdict.
        judged = name in kinds
        within, target = verdict(kind, ratio, consumer_floor)
        if judged and not within:
            over.append(name)
        shown = (f"{'ok' if within else 'OVER'} ({target})") if judged else ""
        print(
            f"{name:<38}{kind:<10}{statistics.median(s.import_ms for s in samples):>7.0f}"
            f"{statistics.median(s.build_ms for s in samples):>7.0f}"
            f"{statistics.median(s.clients_ms for s in samples):>8.0f}"
            f"{min(s.total_ms for s in samples):>7.0f}{median_total(samples):>7.0f}{ratio:>6.2f}x  {shown}"
        )
    print(
        "ms. import: the handler module; build: _app()/_step()/_deps(); clients: the boto3 clients\n"
        "its first request creates; min/median: all three, the start; ratio: median/baseline median.\n"
        f"Targets by kind: api, scheduled and stream <= {TARGET_RATIO}x; consumer <= the consumer floor\n"
        f"(here {consumer_floor:.2f}x) + {CONSUMER_MARGIN}x."
    )
    return over


IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


@dataclass(frozen=True)
class Imported:
    name: str
    depth: int
    own_ms: float
    cumulative_ms: float


def import_tree(target: Target, runs: int = 3) -> list[Imported]:
    """`python -X importtime` of one cold start, in import order; each figure the least of `runs`."""
    trees = []
    for _ in range(runs):
        rows = []
        for line in run_once(target, "-X", "importtime").stderr.splitlines():
            found = IMPORT_LINE.match(line)
            if found:
                own, cumulative, indent, name = found.groups()
                rows.append(Imported(name, len(indent) // 2, int(own) / 1000, int(cumulative) / 1000))
        trees.append(rows)
    least: dict[str, tuple[float, float]] = {}
    for rows in trees:
        for row in rows:
            own, cumulative = least.get(row.name, (row.own_ms, row.cumulative_ms))
            least[row.name] = (min(own, row.own_ms), min(cumulative, row.cumulative_ms))
    return [Imported(r.name, r.depth, *least[r.name]) for r in trees[0]]


def package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:3] if parts[0] in ("aws_lambda_powertools", "cxloop") else parts[:1])


def import_offenders(target: Target, baseline: Target, module: str, top: int = 10) -> None:
    """Which of the handler's imports cost what, and what it loads that the baseline does not."""
    tree = import_tree(target)
    print(f"\n-X importtime of {target.name} (least of 3 runs, ms)")
    print("  the handler's own imports (cumulative; the first module to import a package pays for it):")
    children: list[Imported] = []
    for row in tree:
        if row.depth == 1:
            children.append(row)
        elif row.depth == 0 and row.name != module:
            children = []
        elif row.name == module:
            break
    for row in sorted(children, key=lambda r: -r.cumulative_ms)[:top]:
        print(f"    {row.cumulative_ms:7.1f}  {row.name}")
    after = [r for r in tree[tree.index(next(r for r in tree if r.name == module)) + 1 :] if r.depth == 0]
    for row in sorted(after, key=lambda r: -r.cumulative_ms)[:3]:
        print(f"    {row.cumulative_ms:7.1f}  {row.name}  (imported while building _app/_step/_deps)")
    in_baseline = {r.name for r in import_tree(baseline)}
    extra: dict[str, float] = {}
    for row in tree:
        if row.name not in in_baseline:
            extra[package_of(row.name)] = extra.get(package_of(row.name), 0.0) + row.own_ms
    print(f"  loaded beyond the baseline: {sum(extra.values()):.0f} ms of own import time, by package:")
    for package, own_ms in sorted(extra.items(), key=lambda item: -item[1])[:top]:
        print(f"    {own_ms:7.1f}  {package}")


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--runs", type=int, default=7)
    options.add_argument(
        "--compare-gc", action="store_true", help="also measure each function with the GC on during start-up"
    )
    args = options.parse_args()
    found = targets(compare_gc=args.compare_gc)
    functions = len(PIPELINE.functions)
    print(f"== cold start: {functions} functions vs baseline, {args.runs} runs each (+1 warm-up) ==")
    results = benchmark(found, args.runs)
    over = print_table(results)
    timed = {n: median_total(r) for n, r in results.items() if isinstance(r, list)}
    slowest = max((n for n in timed if n in {f.name for f in PIPELINE.functions}), key=timed.__getitem__)
    by_name = {t.name: t for t in found}
    import_offenders(by_name[slowest], found[0], PIPELINE.function(slowest).handler_module)
    if over:
        print(f"\nOVER THEIR KIND'S TARGET: {', '.join(over)}")
    else:
        print("\nevery function within its kind's target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
