"""The `cxloop` command: serve, token, demo, send-event.

cxloop serve [--host 127.0.0.1] [--port 8000] [--data-dir DIR]   run the whole loop locally; with
    --data-dir its state is restored at start and saved there every few seconds and at stop
cxloop token --role ROLE [--scope all] [--user ID]   mint a local staff token (last line)
cxloop send-event FILE [--url URL]   sign and POST an ERP event, as an integrator would
cxloop demo [--events 200]   start the runtime, play an insurer's day, print the summary
cxloop config push NAME FILE [--url URL] [--token T]   validate a YAML/CSV file and publish it
cxloop config show NAME [--url URL] [--token T]   print the current version of a document
cxloop analytics QUERY [--url URL] [--from DATE --to DATE] [--format table|csv|json]   run a saved
    lake query with DuckDB over the local runtime's lake files; `cxloop analytics --list` lists them
cxloop report --scope branch:quito-norte --period 2026-11 [--lang es] [--format html|pdf] [--url URL]
    [--out FILE]   fetch the periodic report (HTML page or PDF) from the running runtime
    (GET /v1/reports/metrics) and write it
cxloop backfill customer-keys (--stack NAME [--region R] | --url URL)   add the erasure index key to
    items stored before it existed, on a deployed stack or the local runtime (once, after upgrading)
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from infra.local import defaults
from infra.local.auth import DEFAULT_TTL_S, ROLES, mint_token
from infra.local.defaults import staff_secret, webhook_secret
from infra.ops.command import add_ops


def serve(args: argparse.Namespace) -> int:
    from infra.local.datadir import STATE_FILE  # noqa: PLC0415
    from infra.local.runtime import LocalRuntime, Options  # noqa: PLC0415 - moto is slow to import

    runtime = LocalRuntime(
        Options(
            host=args.host,
            port=args.port,
            webhook_secret=webhook_secret(),
            staff_secret=staff_secret(),
            log_file=Path(args.log_file) if args.log_file else None,
            log_level=args.log_level,
            pollers_per_queue=args.pollers_per_queue,
            fault_share=args.faults,
            faults_above_retries=args.faults_above_retries,
            extra_env=_function_env(args),
            data_dir=Path(args.data_dir) if args.data_dir else None,
        )
    )
    # Ctrl-C and SIGTERM only ask to stop; the main thread then shuts down in order,
    # whenever the signal lands (even during start-up).
    stopped = threading.Event()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda *_: stopped.set())
    restored = bool(args.data_dir) and (Path(args.data_dir) / STATE_FILE).exists()
    base_url = runtime.start()
    print(f"cxloop local runtime ready at {base_url}", flush=True)
    print(f"  webhook:  POST {base_url}/v1/events  (CXLOOP_WEBHOOK_SECRET={webhook_secret()})")
    print(f"  outbox:   GET  {base_url}/_local/outbox    alerts: GET {base_url}/_local/alerts")
    print(
        "  staff:    GET  /v1/tickets with 'Authorization: Bearer $(cxloop token --role executive | tail -1)'"
    )
    print(f"  logs:     {args.log_file or 'standard output'}")
    print(f"  data:     {_data_line(args.data_dir, restored)}")
    print("Press Ctrl-C to stop.", flush=True)
    stopped.wait()
    print("stopping...", flush=True)
    runtime.stop()
    print("stopped.", flush=True)
    return 0


def _data_line(data_dir: str | None, restored: bool) -> str:
    from infra.local.persistence import SAVE_EVERY_S  # noqa: PLC0415

    if not data_dir:
        return "in memory only (--data-dir DIR keeps it between runs)"
    how = "restored from" if restored else "new, kept in"
    return f"{how} {data_dir} (saved every {SAVE_EVERY_S:g} s and at Ctrl-C)"


def token(args: argparse.Namespace) -> int:
    minted = mint_token(staff_secret(), role=args.role, scope=args.scope, user=args.user, ttl_s=args.ttl)
    print(
        f"# local staff token: role={args.role} scope={args.scope} valid {args.ttl // 3600} h",
        file=sys.stderr,
    )
    print(minted)
    return 0


def send_event(args: argparse.Namespace) -> int:
    from infra.local.erp import post_event  # noqa: PLC0415

    answer = post_event(args.url, Path(args.file).read_bytes(), webhook_secret())
    try:
        shown: object = answer.json()
    except ValueError:
        shown = answer.text
    print(answer.status_code, shown)
    return 0 if answer.status_code < 300 else 1


def openapi(args: argparse.Namespace) -> int:
    from infra.openapi import write_document  # noqa: PLC0415

    print(f"wrote {write_document()}")
    return 0


def config(args: argparse.Namespace) -> int:
    from infra.local import configfiles  # noqa: PLC0415

    # Locally an executive token is minted; against AWS pass a Cognito ID token with --token.
    bearer = args.token or mint_token(staff_secret(), role="executive", user="cxloop-cli")
    try:
        if args.action == "push":
            status, body = configfiles.push(
                args.url, args.name, Path(args.file), token=bearer, note=args.note
            )
        else:
            status, body = configfiles.show(args.url, args.name, token=bearer)
    except configfiles.DataFileError as exc:
        print(f"refused, nothing was sent:\n{exc}", file=sys.stderr)
        return 2
    print(configfiles.describe(status, body))
    return 0 if status == 200 else 1


def demo(args: argparse.Namespace) -> int:
    from infra.local.demo.runner import run_demo  # noqa: PLC0415

    return run_demo(events=args.events, seed=args.seed, keep_serving=args.keep_serving)


def analytics(args: argparse.Namespace) -> int:
    from infra.local.analytics import analytics as run_saved_query  # noqa: PLC0415 - DuckDB is a dev tool

    if args.list or not args.query:
        return run_saved_query(None, url=args.url, from_date=None, to_date=None, style=args.format)
    return run_saved_query(
        args.query, url=args.url, from_date=args.from_date, to_date=args.to_date, style=args.format
    )


REPORT_TYPES = {"html": "text/html", "pdf": "application/pdf"}


def report(args: argparse.Namespace) -> int:
    """The same page (or PDF) publish_reports stores, through the same role-scoped route."""
    import requests  # noqa: PLC0415

    bearer = args.token or mint_token(staff_secret(), role="executive", user="cxloop-cli")
    query = {"scope": args.scope, "period": args.period, "format": args.format}
    if args.lang:
        query["lang"] = args.lang
    answer = requests.get(
        f"{args.url.rstrip('/')}/v1/reports/metrics",
        params=query,
        # API Gateway returns bytes, not base64 text, only to a request that accepts the binary type.
        headers={"Authorization": f"Bearer {bearer}", "Accept": REPORT_TYPES[args.format]},
        timeout=60,
    )
    if answer.status_code != 200:
        print(f"refused ({answer.status_code}): {answer.text}", file=sys.stderr)
        return 1
    place = args.scope.replace(":", "-").replace("/", "-")
    target = Path(args.out or f"report-{place}-{args.period}.{args.format}")
    # The bytes as they came: the page is UTF-8 already, the PDF is binary.
    target.write_bytes(answer.content)
    print(f"wrote {target}")
    return 0


def backfill(args: argparse.Namespace) -> int:
    from infra.backfill import backfill as key_items  # noqa: PLC0415 - boto3 and models load on demand
    from infra.backfill import local_target, stack_target  # noqa: PLC0415

    try:
        target = stack_target(args.stack, args.region) if args.stack else local_target(args.url)
        added = key_items(target)
    except Exception as exc:
        print(f"backfill failed: {exc}", file=sys.stderr)
        return 1
    print(f"done: {sum(added.values())} item(s) keyed; running it again keys nothing more")
    return 0


def _at_least_one(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def _share(text: str) -> float:
    try:
        share = float(text)
    except ValueError:
        share = -1
    if not 0 <= share <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share between 0 and 1")
    return share


def _date(text: str) -> str:
    from infra.local.analytics import check_date  # noqa: PLC0415

    try:
        return check_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from exc


def add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser("serve", help="run the whole system locally (moto + gateway + pollers)")
    run.add_argument("--host", default=defaults.DEFAULT_HOST)
    run.add_argument("--port", type=int, default=defaults.DEFAULT_PORT, help="0 picks a free port")
    run.add_argument(
        "--log-file", default=".cxloop/functions.log", help="where function logs go ('' = stdout)"
    )
    run.add_argument(
        "--data-dir",
        default=None,
        metavar="DIR",
        help="keep the state there: restored at start, saved every few seconds and at stop "
        "(default: in memory only, as the tests run it)",
    )
    run.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    run.add_argument(
        "--pollers-per-queue",
        type=_at_least_one,
        default=defaults.POLLERS_PER_QUEUE,
        help=f"batches each queue's function works on at once (default {defaults.POLLERS_PER_QUEUE})",
    )
    run.add_argument(
        "--faults",
        type=_share,
        default=0.0,
        help="the share of AWS requests the local stand-in throttles, fails or drops (0 to 1; default 0)",
    )
    run.add_argument(
        "--faults-above-retries",
        action="store_true",
        help="one attempt per AWS call in the functions, so every fault reaches the code",
    )
    run.add_argument(
        "--chat-alerts",
        type=_chat_filter,
        default=None,
        metavar="FILTER",
        help="alerts for a chat channel too (AWS Chatbot's topic): a JSON filter on the alerts' "
        "attributes such as '{\"severity\": [\"critical\"]}', or '{}' for every alert",
    )
    run.add_argument(
        "--unconfirmed-sends",
        choices=["assume_sent", "resend"],
        default="assume_sent",
        help="a send whose answer was lost (connection closed, read timeout): taken as sent "
        "(default; errs towards a message never delivered) or sent again (towards a duplicate)",
    )
    run.set_defaults(func=serve)


def _function_env(args: argparse.Namespace) -> dict[str, str]:
    env = {"CXLOOP_UNCONFIRMED_SENDS": args.unconfirmed_sends}
    if args.chat_alerts:
        env["CXLOOP_CHAT_ALERT_FILTER"] = args.chat_alerts
    return env


def _chat_filter(text: str) -> str:
    """The filter push_alert will read, checked now so a typo fails at start, not at the first alert."""
    from cxloop.domain.casework.chat_alerts import ChatFilter  # noqa: PLC0415

    try:
        found = json.loads(text)
        ChatFilter(found)
    except (ValueError, TypeError, AttributeError) as problem:
        raise argparse.ArgumentTypeError(f"not a chat alert filter: {problem}") from problem
    return json.dumps(found, sort_keys=True)


def add_backfill(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = commands.add_parser(
        "backfill", help="one-off: add the erasure index key to items stored before it existed"
    )
    keys.add_argument("what", choices=["customer-keys"])
    where = keys.add_mutually_exclusive_group()
    where.add_argument("--stack", default=None, help="a deployed cxloop stack (AWS credentials as usual)")
    where.add_argument("--url", default=f"http://{defaults.DEFAULT_HOST}:{defaults.DEFAULT_PORT}")
    keys.add_argument("--region", default=None, help="with --stack; default: your AWS configuration's")
    keys.set_defaults(func=backfill)
    add_ops(commands)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="cxloop", description="cxloop: close the customer-experience loop.")
    commands = root.add_subparsers(dest="command", required=True)

    add_serve(commands)

    mint = commands.add_parser("token", help="print a local staff bearer token (last line of output)")
    mint.add_argument("--role", required=True, choices=ROLES)
    mint.add_argument("--scope", default="all", help="all, country:EC, region:..., branch:quito-norte")
    mint.add_argument("--user", default=None, help="the user id (sub claim)")
    mint.add_argument("--ttl", type=int, default=DEFAULT_TTL_S, help="seconds the token stays valid")
    mint.set_defaults(func=token)

    send = commands.add_parser("send-event", help="sign and POST an ERP event JSON file")
    send.add_argument("file")
    send.add_argument("--url", default=f"http://{defaults.DEFAULT_HOST}:{defaults.DEFAULT_PORT}")
    send.set_defaults(func=send_event)

    docs = commands.add_parser(
        "openapi", help="regenerate functions/api_docs/openapi.json from the resolvers"
    )
    docs.set_defaults(func=openapi)

    settings = commands.add_parser("config", help="publish or show the organisation, SLAs and rules")
    settings.add_argument("action", choices=["push", "show"])
    settings.add_argument("name", help="organisation, sla, ticket_rules, classification or assignment")
    settings.add_argument("file", nargs="?", help="the YAML (or, for the organisation, CSV) file to push")
    settings.add_argument("--url", default=f"http://{defaults.DEFAULT_HOST}:{defaults.DEFAULT_PORT}")
    settings.add_argument("--token", default=None, help="bearer token (default: a local executive token)")
    settings.add_argument("--note", default=None, help="why, for the audit trail")
    settings.set_defaults(func=config)

    lake = commands.add_parser("analytics", help="run a saved data-lake query locally with DuckDB")
    lake.add_argument("query", nargs="?", help="the saved query's name (see --list)")
    lake.add_argument("--list", action="store_true", help="list the saved queries")
    lake.add_argument("--url", default=f"http://{defaults.DEFAULT_HOST}:{defaults.DEFAULT_PORT}")
    lake.add_argument("--from", dest="from_date", type=_date, default=None, help="first UTC date, included")
    lake.add_argument("--to", dest="to_date", type=_date, default=None, help="last UTC date, included")
    lake.add_argument("--format", default="table", choices=["table", "csv", "json"])
    lake.set_defaults(func=analytics)

    page = commands.add_parser("report", help="write the periodic report (HTML or PDF) of a scope and period")
    page.add_argument(
        "--scope", required=True, help="all, country:EC, region:..., branch:quito-norte, touchpoint:..."
    )
    page.add_argument("--period", required=True, help="a month (2026-11) or a quarter (2026-Q4)")
    page.add_argument("--lang", default=None, choices=["es", "en"], help="default: English for the CLI")
    page.add_argument("--format", default="html", choices=sorted(REPORT_TYPES), help="the page or the PDF")
    page.add_argument("--url", default=f"http://{defaults.DEFAULT_HOST}:{defaults.DEFAULT_PORT}")
    page.add_argument("--token", default=None, help="bearer token (default: a local executive token)")
    page.add_argument(
        "--out", default=None, help="the file to write (default report-<scope>-<period>.html or .pdf)"
    )
    page.set_defaults(func=report)

    add_backfill(commands)

    play = commands.add_parser("demo", help="run the loop end to end with a simulated insurer")
    play.add_argument("--events", type=int, default=200)
    play.add_argument("--seed", type=int, default=7)
    play.add_argument(
        "--keep-serving",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="serve until Ctrl-C after the story (default: when run from a terminal)",
    )
    play.set_defaults(func=demo)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
