"""Scheduled functions locally, as EventBridge runs them on AWS: every `rate_minutes`,
the handler gets a scheduled event stamped with the time it was due.

`fire` runs one now (or "as of" a given time, which is how the demo and the tests show
what the SLA watcher does days later without waiting days).
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from infra.local.context import LocalLambdaContext, invoke
from infra.local.gateway import Handler, load_handler
from infra.pipeline import Function, Pipeline

log = logging.getLogger("cxloop.local.scheduler")


def scheduled_event(function: Function, at: datetime, region: str) -> dict[str, Any]:
    """The event an EventBridge schedule rule delivers."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:000000000000:rule/cxloop-{function.name}"],
        "detail": {},
    }


class Scheduler:
    def __init__(self, pipeline: Pipeline, *, region: str) -> None:
        self.region = region
        self.functions = {f.name: f for f in pipeline.functions if f.schedules}
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._every, args=(f,), name=f"schedule-{f.name}", daemon=True)
            for f in self.functions.values()
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=5)

    def fire(self, name: str, at: datetime | None = None) -> Any:
        """Run the scheduled function once, as of `at` (now by default); answers its result."""
        function = self.functions[name]
        # One run at a time per function, as a reserved concurrency of 1 would on AWS.
        with self._lock:
            handler = self._handlers.setdefault(name, load_handler(function))
            context = LocalLambdaContext(function.name, function.timeout_s, function.memory_mb)
            return invoke(handler, scheduled_event(function, at or datetime.now(UTC), self.region), context)

    def _every(self, function: Function) -> None:
        period_s = min(s.rate_minutes for s in function.schedules) * 60
        while not self._stop.wait(period_s):
            try:
                self.fire(function.name)
            except Exception:
                log.exception("scheduled %s failed; it runs again next period", function.name)
