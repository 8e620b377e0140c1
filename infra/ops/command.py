"""`cxloop ops status`, `cxloop ops dlq show QUEUE`, `cxloop ops dlq redrive QUEUE`."""

from __future__ import annotations

import argparse
import json
import sys

from infra.local import defaults
from infra.ops.queues import Target, pair_named, status, status_table


def target_of(args: argparse.Namespace) -> Target:
    # Imported here: boto3 and the local tooling load only when the command runs.
    from infra.ops.targets import LocalTarget, StackTarget  # noqa: PLC0415

    if args.stack:
        import boto3  # noqa: PLC0415

        return StackTarget(args.stack, boto3.session.Session(region_name=args.region).client)
    return LocalTarget(args.url)


def run(args: argparse.Namespace) -> int:
    try:
        target = target_of(args)
        if args.action == "status":
            print(status_table(status(target)))
        elif args.action == "show":
            show(target, args.queue, args.limit)
        else:
            moved = target.redrive(
                pair_named(target, args.queue), progress=lambda line: print(line, flush=True)
            )
            print(f"done: {moved} message(s) moved back to {args.queue}")
    except Exception as exc:
        print(f"ops failed: {exc}", file=sys.stderr)
        return 1
    return 0


def show(target: Target, queue: str, limit: int) -> None:
    from infra.ops.dead_letters import peek  # noqa: PLC0415

    pair = pair_named(target, queue)
    shown = peek(target.sqs, pair, limit)
    print(f"{queue}: {len(shown)} dead-letter message(s) shown (ids and types only)")
    for message in shown:
        print(json.dumps(message, ensure_ascii=False))


def add_ops(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ops = commands.add_parser("ops", help="queues, dead-letter queues and redrive, on AWS or locally")
    actions = ops.add_subparsers(dest="ops_command", required=True)
    _where(
        actions.add_parser("status", help="each queue's depth, in flight, oldest age, dead letters"), "status"
    )
    dlq = actions.add_parser("dlq", help="look into or redrive one queue's dead-letter queue")
    dlq_actions = dlq.add_subparsers(dest="dlq_command", required=True)
    shown = dlq_actions.add_parser(
        "show", help="a few dead-letter messages: ids and types, never personal data"
    )
    shown.add_argument("queue", help="the pipeline queue, e.g. dispatch")
    shown.add_argument("--limit", type=int, default=5, choices=range(1, 11), metavar="1-10")
    _where(shown, "show")
    redrive = dlq_actions.add_parser("redrive", help="move every dead-letter message back to its queue")
    redrive.add_argument("queue", help="the pipeline queue, e.g. dispatch")
    _where(redrive, "redrive")


def _where(command: argparse.ArgumentParser, action: str) -> None:
    where = command.add_mutually_exclusive_group()
    where.add_argument("--stack", default=None, help="a deployed cxloop stack (AWS credentials as usual)")
    where.add_argument("--url", default=f"http://{defaults.DEFAULT_HOST}:{defaults.DEFAULT_PORT}")
    command.add_argument("--region", default=None, help="with --stack; default: your AWS configuration's")
    command.set_defaults(func=run, action=action)
