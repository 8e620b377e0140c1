"""Bucket pollers: S3 event notifications for the local runtime.

moto's S3 sends no notifications to Lambda, so a BucketPoller lists the versions under its
trigger's prefix and invokes the function once for each object version created since it
started, with the event S3 would send (ObjectCreated:Put, the key URL-encoded, the version
and ETag). Like S3's asynchronous invocation of Lambda: a failed invocation is retried twice,
`retry_delay_s` apart (about a minute, then two, on AWS), then given up and recorded in
`dead_letters` (the on-failure queue on AWS gets the same).
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from botocore.exceptions import BotoCoreError, ClientError

from infra.local.context import LocalLambdaContext, invoke
from infra.local.defaults import REGION
from infra.local.gateway import Handler, load_handler
from infra.local.persistence import RemoteKept
from infra.pipeline import Function, ObjectCreated

log = logging.getLogger("cxloop.local.buckets")
IDLE_WAIT_S = 0.5
# Lambda's asynchronous invocation: the first attempt and two retries.
ATTEMPTS = 3


def s3_event(bucket: str, version: dict[str, Any], region: str = REGION) -> dict[str, Any]:
    """The notification S3 sends for one created object version (event version 2.1)."""
    modified = version.get("LastModified") or datetime.now(UTC)
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": modified.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": {
                        "key": quote_plus(version["Key"], safe="/"),
                        "size": version.get("Size", 0),
                        "eTag": str(version.get("ETag", "")).strip('"'),
                        "versionId": version.get("VersionId") or "",
                        "sequencer": f"{int(modified.timestamp() * 1e6):016X}",
                    },
                },
            }
        ]
    }


def _identity(version: dict[str, Any]) -> tuple[str, str]:
    return version["Key"], version.get("VersionId") or str(version.get("ETag"))


class BucketPoller:
    def __init__(
        self,
        function: Function,
        trigger: ObjectCreated,
        *,
        bucket: str,
        s3: Any,
        retry_delay_s: float = 1,
        handler: Handler | None = None,
        kept: RemoteKept | None = None,
    ) -> None:
        self.function = function
        self.trigger = trigger
        self.bucket = bucket
        # With a data directory, the versions delivered, kept with the stand-in's state: a
        # restart delivers only those created since (and any it had not delivered yet).
        self.kept = kept
        self._kept_name = f"bucket-{bucket}-{trigger.prefix}"
        self._delivered: list[list[str]] = []
        self.s3 = s3
        self.retry_delay_s = retry_delay_s
        self.handler = handler or load_handler(function)
        self.invocations = 0
        self.dead_letters: list[dict[str, Any]] = []
        self._seen: set[tuple[str, str]] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"bucket-{bucket}", daemon=True)

    def start(self) -> None:
        if self.kept:
            self._delivered = list(self.kept.get(self._kept_name) or [])
            self._seen = {(key, version) for key, version in self._delivered}
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self) -> None:
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                handled = self.poll_once()
            except (BotoCoreError, ClientError):
                if not self._stop.is_set():
                    log.exception("listing %s/%s failed; retrying", self.bucket, self.trigger.prefix)
                handled = 0
            if not handled:
                self._stop.wait(IDLE_WAIT_S)

    def poll_once(self) -> int:
        """Invoke the function for each version created since the last poll; answers how many."""
        created = self._new_versions()
        for version in created:
            self._deliver(version)
            if self.kept:
                self._delivered.append(list(_identity(version)))
                self.kept.put(self._kept_name, self._delivered)
        return len(created)

    def _new_versions(self) -> list[dict[str, Any]]:
        pages = self.s3.get_paginator("list_object_versions").paginate(
            Bucket=self.bucket, Prefix=self.trigger.prefix
        )
        found = []
        for page in pages:
            for version in page.get("Versions", []):
                identity = _identity(version)
                if identity not in self._seen:
                    self._seen.add(identity)
                    found.append(version)
        # Oldest first, as the objects were created.
        return sorted(found, key=lambda v: v.get("LastModified") or datetime.now(UTC))

    def _deliver(self, version: dict[str, Any]) -> None:
        event = s3_event(self.bucket, version)
        for attempt in range(1, ATTEMPTS + 1):
            if self._invoke(event):
                return
            if attempt < ATTEMPTS and self._stop.wait(self.retry_delay_s):
                return
        log.error("%s gave up on %s after %d attempts", self.function.name, version["Key"], ATTEMPTS)
        self.dead_letters.append({"bucket": self.bucket, "key": version["Key"], "attempts": ATTEMPTS})

    def _invoke(self, event: dict[str, Any]) -> bool:
        context = LocalLambdaContext(self.function.name, self.function.timeout_s, self.function.memory_mb)
        self.invocations += 1
        try:
            invoke(self.handler, event, context)
        except Exception as exc:
            log.warning("%s failed: %s", self.function.name, str(exc)[:500])
            return False
        return True
