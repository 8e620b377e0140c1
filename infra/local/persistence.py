"""`cxloop serve --data-dir DIR`: the AWS stand-in's state kept on disk.

Everything the functions store lives in moto's in-process backends (DynamoDB tables and
their streams, SQS queues with their in-flight messages, SNS topics, S3 buckets, SES sends),
plus the recorder's outbox and alerts and what the runtime keeps with the stand-in (its
pollers' positions, the channel fake's sends: KEPT_PATH). The stand-in pickles all of it, as
one consistent whole, to DIR/aws-state.pickle every SAVE_EVERY_S seconds (when a request may
have changed something) and when it stops cleanly, and loads it before it answers its
first request.

Consistent: a save waits for the requests under way to finish and holds new ones back
(RequestGate) while it pickles (0.13 to 0.25 s with the demo's 4.5 MB on a loaded 2-core
machine; the file is written after the gate opens again). SQS long polls would hold a save
back for their whole wait, so the stand-in splits each into short receives, each passing
the gate on its own, waiting between them outside it (split_long_polls).

Atomic: the pickle is written to a temporary file and renamed over the last one, so a kill
at any moment leaves the previous save or the new one, never half of one.

Messages in flight when the runtime stopped become visible again at once on restore: the
process that received them is gone, as SQS would redeliver them after their visibility
timeout. Their receive counts stay, so the dead-letter queue still counts them.

One stand-in at a time holds a data directory (an exclusive lock on DIR/lock): a second
`cxloop serve` on it waits a little, then refuses to start.

The file is a pickle: load only a data directory this runtime wrote.
"""

from __future__ import annotations

import io
import json
import logging
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import moto
import requests
from moto.backends import get_backend

from infra.local.datadir import STATE_FILE, DataDirError, hold
from infra.local.defaults import ACCOUNT_ID, REGION
from infra.local.recorder import Recorder

log = logging.getLogger("cxloop.local.persistence")

# How often a running stand-in saves: what a kill -9 can lose at most (README, "Keeping data").
SAVE_EVERY_S = 2.0
FORMAT = 1
# The services the runtime provisions and the functions call (infra/local/resources.py).
SERVICES = ("dynamodb", "dynamodbstreams", "sqs", "sns", "ses", "sesv2", "s3", "firehose", "iam")
KEPT_PATH = "/_cxloop/kept/"
RECEIVE_TARGET = "AmazonSQS.ReceiveMessage"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_LOCK_TYPES = {type(threading.Lock()): threading.Lock, type(threading.RLock()): threading.RLock}


class RequestGate:
    """Requests pass side by side; a save waits for those under way and holds new ones back."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._active = 0
        self._closed = False
        # Requests that may have changed something: an idle runtime is not saved again.
        self.changes = 0

    def note_change(self) -> None:
        with self._changed:
            self.changes += 1

    @contextmanager
    def passing(self) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: not self._closed)
            self._active += 1
        try:
            yield
        finally:
            with self._changed:
                self._active -= 1
                self._changed.notify_all()

    @contextmanager
    def closed(self) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: not self._closed)
            self._closed = True
            self._changed.wait_for(lambda: self._active == 0)
        try:
            yield
        finally:
            with self._changed:
                self._closed = False
                self._changed.notify_all()


def gated(app: WsgiApp, gate: RequestGate) -> WsgiApp:
    def through_gate(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with gate.passing():
            body = list(app(environ, start_response))
            if not _changes_nothing(environ, body):
                gate.note_change()
            return body

    return through_gate


# The operations of the JSON protocols that only read (DynamoDB, its streams, SQS, Firehose).
_READS = ("Get", "List", "Describe", "Query", "Scan", "BatchGet")


def _changes_nothing(environ: dict[str, Any], body: list[bytes]) -> bool:
    """Surely a read (REST reads are GETs); anything else counts as a change."""
    if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
        return True
    operation = str(environ.get("HTTP_X_AMZ_TARGET", "")).rsplit(".", 1)[-1]
    if operation == "ReceiveMessage":
        return not any(b'"Messages"' in part for part in body)
    return bool(operation) and operation.startswith(_READS)


def split_long_polls(app: WsgiApp) -> WsgiApp:
    """An SQS ReceiveMessage that may wait (WaitTimeSeconds > 0), as receives that do not,
    waiting between them for the queue to get a message (as moto itself waits), so no request
    holds the gate while it waits. Only boto3's JSON protocol: the runtime speaks no other."""

    def receive(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("HTTP_X_AMZ_TARGET") != RECEIVE_TARGET:
            return app(environ, start_response)
        request = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)) or b"{}")
        wait_s = float(request.get("WaitTimeSeconds") or 0)
        deadline = time.monotonic() + wait_s
        short = json.dumps({**request, "WaitTimeSeconds": 0}).encode()
        answered: list[tuple[str, list[tuple[str, str]]]] = []
        while True:
            body = b"".join(app(_with_body(environ, short), lambda s, h, *_: answered.append((s, h))))
            left = deadline - time.monotonic()
            if left <= 0 or not answered[-1][0].startswith("200") or b'"Messages"' in body:
                break
            _wait_for_message(str(request.get("QueueUrl", "")), min(left, 1.0))
        start_response(*answered[-1])
        return [body]

    return receive


def _with_body(environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    return {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}


def _wait_for_message(queue_url: str, timeout_s: float) -> None:
    # Any: moto types the timeout as int; its Condition waits fractions of a second as well.
    queue: Any = get_backend("sqs")[ACCOUNT_ID][REGION].queues.get(queue_url.rstrip("/").rsplit("/", 1)[-1])
    if queue is None:
        time.sleep(timeout_s)
    else:
        queue.wait_for_messages(timeout_s)


class _Pickler(pickle.Pickler):
    """Locks and conditions hold no state worth keeping: a fresh one each on load."""

    def reducer_override(self, obj: Any) -> Any:
        fresh = _LOCK_TYPES.get(type(obj))
        if fresh is not None:
            return (fresh, ())
        if isinstance(obj, threading.Condition):
            return (threading.Condition, ())
        return NotImplemented


class Keeper:
    """The stand-in's state and the file it is kept in."""

    def __init__(self, data_dir: Path, recorder: Recorder, gate: RequestGate) -> None:
        self.data_dir = data_dir
        self.path = data_dir / STATE_FILE
        self.recorder = recorder
        self.gate = gate
        # What the runtime keeps with the stand-in (KEPT_PATH), by name.
        self.kept: dict[str, Any] = {}
        self._saved_changes = -1
        self._stop = threading.Event()
        self._saver = threading.Thread(target=self._save_periodically, name="saver", daemon=True)

    def hold(self) -> None:
        """Take the directory for this process's lifetime (infra/local/datadir.py)."""
        self._lock_file = hold(self.data_dir)

    def restore(self) -> bool:
        """Load the last save, if there is one; answers whether there was."""
        if not self.path.exists():
            return False
        try:
            with self.path.open("rb") as saved:
                state = pickle.load(saved)  # noqa: S301 - the file this stand-in wrote (module docstring)
        except Exception as exc:
            raise DataDirError(f"{self.path} cannot be read ({exc}); move it away to start afresh") from exc
        if state.get("format") != FORMAT or state.get("moto") != moto.__version__:
            raise DataDirError(
                f"{self.path} was saved by another version (moto {state.get('moto')}, this is "
                f"{moto.__version__}); move it away to start afresh"
            )
        for service, (accounts, extras) in state["backends"].items():
            live = cast(Any, get_backend)(service)
            for account, regions in accounts.items():
                for region, backend in regions.items():
                    dict.__setitem__(live[account], region, backend)
            for name, value in extras.items():
                setattr(live, name, value)
        self.recorder.restore(state["recorder"])
        self.kept = state["kept"]
        _make_in_flight_visible()
        return True

    def save(self) -> float:
        """Write the whole state, consistent and atomically; answers the seconds it took."""
        started = time.monotonic()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        with self.gate.closed():
            changes = self.gate.changes
            self.recorder.collect()
            state = {
                "format": FORMAT,
                "moto": moto.__version__,
                "backends": _backends(),
                "recorder": self.recorder.state(),
                "kept": self.kept,
            }
            _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(state)
        temporary = self.path.with_suffix(".tmp")
        with temporary.open("wb") as file:
            file.write(buffer.getvalue())
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)
        self._saved_changes = changes
        return time.monotonic() - started

    def start(self) -> None:
        self._saver.start()

    def stop(self) -> None:
        """Stop saving periodically, and save one last time."""
        self._stop.set()
        self._saver.join(timeout=30)
        self.save()

    def _save_periodically(self) -> None:
        while not self._stop.wait(SAVE_EVERY_S):
            if self.gate.changes == self._saved_changes:
                continue
            try:
                self.save()
            except Exception:
                log.exception("saving the local AWS state failed; trying again in %s s", SAVE_EVERY_S)

    def serve_kept(self, app: WsgiApp) -> WsgiApp:
        """GET KEPT_PATH + name answers what was kept under that name (null if nothing);
        PUT replaces it. Under the gate, so a save has it as of the same moment as the rest."""

        def kept(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            path = str(environ.get("PATH_INFO", ""))
            if not path.startswith(KEPT_PATH):
                return app(environ, start_response)
            name = path[len(KEPT_PATH) :]
            if environ.get("REQUEST_METHOD") == "PUT":
                raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
                with self.gate.passing():
                    self.kept[name] = json.loads(raw or b"null")
                    self.gate.note_change()
            body = json.dumps(self.kept.get(name)).encode()
            headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            start_response("200 OK", headers)
            return [body]

        return kept


# A BackendDict's own attributes; any other is state a service keeps beside its backends
# (S3's bucket_accounts: which account holds which bucket name).
_BACKEND_DICT_ATTRIBUTES = {"backend", "service_name", "_use_boto3_regions", "_additional_regions", "_id"}


def _backends() -> dict[str, tuple[dict[str, dict[str, Any]], dict[str, Any]]]:
    """Each service's backends by account and region, and what it keeps beside them (one
    pickle: objects the services share stay shared)."""
    found = {}
    for service in SERVICES:
        live = cast(Any, get_backend)(service)  # the stubs type it per literal name
        accounts = {account: dict(regions) for account, regions in list(live.items())}
        extras = {k: v for k, v in vars(live).items() if k not in _BACKEND_DICT_ATTRIBUTES}
        found[service] = (accounts, extras)
    return found


def _make_in_flight_visible() -> None:
    for queue in list(get_backend("sqs")[ACCOUNT_ID][REGION].queues.values()):
        for message in list(queue._messages):
            message.visible_at = 0.0
        queue.pending_messages.clear()


class RemoteKept:
    """What the runtime keeps with a stand-in that has a data directory (KEPT_PATH)."""

    def __init__(self, endpoint: str) -> None:
        self.url = f"{endpoint}{KEPT_PATH}"

    def get(self, name: str) -> Any:
        return requests.get(f"{self.url}{name}", timeout=10).json()

    def put(self, name: str, value: Any) -> None:
        requests.put(f"{self.url}{name}", data=json.dumps(value), timeout=10).raise_for_status()
