"""The local stand-in for AWS, in its own process: moto server plus the recorder of
what was sent. Run by the local runtime as `python -m infra.local.aws_process`.

A separate process so moto's work runs on another core than the handlers': in one
process they share one GIL and a burst of answers queues up behind moto.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from moto.backends import get_backend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from infra.local.datadir import DataDirError
from infra.local.defaults import ACCOUNT_ID, REGION
from infra.local.faults import with_faults
from infra.local.persistence import Keeper, RequestGate, gated, split_long_polls
from infra.local.recorder import Recorder
from infra.local.request_counts import with_request_counts

RECORDED_PATH = "/_cxloop/recorded"
# Each queue's oldest message, for `cxloop ops status` (infra/ops/targets.py): SQS's own
# attributes do not say it, and AWS reads it from CloudWatch, which moto does not feed.
QUEUES_PATH = "/_cxloop/queues"
TRANSACT_TARGET = "DynamoDB_20120810.TransactWriteItems"
TOKEN_LIFETIME_S = 600
PARENT_CHECK_S = 0.5
# The X-Amz-Target prefixes of DynamoDB's and DynamoDB Streams' JSON APIs.
DYNAMODB_TARGETS = ("DynamoDB_", "DynamoDBStreams_")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Dispatcher(DomainDispatcherApplication):
    """moto's dispatcher, remembering which backend serves which host. moto works it out again
    for every request, listing its own package's directory, and under one lock that every
    request shares: with the host's answer kept, a burst of answers no longer queues there."""

    def __init__(self) -> None:
        super().__init__(create_backend_app)
        self._backend_of: dict[str | None, Any] = {}

    def get_backend_for_host(self, host: str | None) -> Any:
        # Called under the dispatcher's lock, so the dict needs none of its own.
        if host not in self._backend_of:
            self._backend_of[host] = super().get_backend_for_host(host)
        return self._backend_of[host]


def one_dynamodb_request_at_a_time(app: WsgiApp) -> WsgiApp:
    """DynamoDB applies an update and a transaction atomically; moto does neither under
    concurrent requests: an ADD reads, adds and writes back, and a transaction deep-copies the
    tables it touches and, if a condition fails, puts that copy back over whatever other
    requests wrote meanwhile. Two score_response batches counting answers at once lost counts.
    So the stand-in answers one DynamoDB request at a time (the others, SQS's long polls
    among them, still run side by side); moto holds the GIL for its work anyway."""
    lock = threading.Lock()

    def serialized(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith(DYNAMODB_TARGETS):
            return app(environ, start_response)
        with lock:
            return list(app(environ, start_response))

    return serialized


def transaction_tokens(app: WsgiApp) -> WsgiApp:
    """DynamoDB answers a TransactWriteItems repeated with the same ClientRequestToken within
    ten minutes as the first call's success, and refuses the token with other items; moto
    ignores the token, so the stand-in keeps them. The adapters rely on it when the SDK
    retries a transaction whose answer was lost (cxloop.adapters.dynamo.transact)."""
    seen: dict[str, tuple[float, str, bytes]] = {}
    lock = threading.Lock()

    def remembered(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("HTTP_X_AMZ_TARGET") != TRANSACT_TARGET:
            return app(environ, start_response)
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(raw)
        request = json.loads(raw or b"{}")
        token = request.pop("ClientRequestToken", None)
        if not token:
            return app(environ, start_response)
        items = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()
        with lock:
            now = time.monotonic()
            for old in [t for t, (at, _, _) in seen.items() if now - at > TOKEN_LIFETIME_S]:
                del seen[old]
            known = seen.get(token)
        if known is not None:
            return _repeat(known, items, start_response)
        answered: list[tuple[str, list[tuple[str, str]]]] = []
        body = b"".join(app(environ, lambda status, headers, *_: answered.append((status, headers))))
        status, headers = answered[0]
        if status.startswith("200"):
            with lock:
                seen[token] = (time.monotonic(), items, body)
        start_response(status, headers)
        return [body]

    return remembered


def _repeat(known: tuple[float, str, bytes], items: str, start_response: Callable[..., Any]) -> list[bytes]:
    _, first_items, body = known
    if first_items != items:
        body = json.dumps(
            {
                "__type": "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
                "message": "the ClientRequestToken was used with other items",
            }
        ).encode()
        status = "400 Bad Request"
    else:
        status = "200 OK"
    start_response(
        status, [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))]
    )
    return [body]


def with_recorder(moto: WsgiApp, recorder: Recorder) -> WsgiApp:
    """moto's WSGI app, plus one path answering what the recorder saw."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == RECORDED_PATH:
            outbox, alerts = recorder.snapshot()
            found: object = {"outbox": outbox, "alerts": alerts}
        elif path == QUEUES_PATH:
            found = oldest_messages()
        else:
            return moto(environ, start_response)
        body = json.dumps(found, ensure_ascii=False).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return app


def oldest_messages() -> dict[str, int | None]:
    """Each queue's oldest message (waiting or in flight), as its sent time in epoch ms."""
    queues = get_backend("sqs")[ACCOUNT_ID][REGION].queues
    return {name: _oldest(queue._messages) for name, queue in list(queues.items())}


def _oldest(messages: list[Any]) -> int | None:
    sent: list[int] = [m.sent_timestamp for m in list(messages) if m.sent_timestamp is not None]
    return min(sent, default=None)


def exit_with_parent(shut_down: Callable[[], None]) -> None:
    """A runtime killed outright (kill -9) cannot stop us: stop (and save) when it is gone,
    rather than linger holding the port and the data directory."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    shut_down()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local.aws_process")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, default=None, help="keep the state there (persistence.py)")
    args = parser.parse_args(argv)
    # One line per request (werkzeug's access log) costs the stand-in an eighth of its time
    # and nobody reads it: warnings and errors still show.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    recorder = Recorder(REGION)
    moto_app: WsgiApp = transaction_tokens(one_dynamodb_request_at_a_time(Dispatcher()))
    keeper = None
    if args.data_dir is not None:
        gate = RequestGate()
        keeper = Keeper(args.data_dir, recorder, gate)
        try:
            keeper.hold()
            keeper.restore()
        except DataDirError as exc:
            print(f"cannot use --data-dir: {exc}", flush=True)
            return 2
        moto_app = keeper.serve_kept(split_long_polls(gated(moto_app, gate)))
    app = with_request_counts(with_faults(with_recorder(moto_app, recorder)))
    server = make_server("127.0.0.1", args.port, app, threaded=True, request_handler=MotoRequestHandler)
    recorder.start()
    if keeper is not None:
        keeper.start()
    # Ctrl-C in a terminal reaches the whole process group, us included: the runtime stops its
    # pollers first and then us, with SIGTERM, so the last save (persistence.py) sees their work.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The parent stops us with SIGTERM; shut down from another thread, as serve_forever requires.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    threading.Thread(target=exit_with_parent, args=(server.shutdown,), name="parent", daemon=True).start()
    print(f"ready on {args.port}", flush=True)
    server.serve_forever()
    recorder.stop()
    if keeper is not None:
        keeper.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
