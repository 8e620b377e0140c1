"""What the local runtime "sent": messages and alerts read back from moto's
in-process backends and stamped with the time they were first seen.

moto keeps SES v2 sends (HTML part only), SMS published through SNS and topic
notifications, but no timestamps; a watcher thread stamps each new entry within
a few milliseconds, which is precise enough for the answer-to-alert figures.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from typing import Any

import requests
from moto.backends import get_backend

from infra.local.defaults import ACCOUNT_ID

# Email links carry 43-character tokens, SMS and WhatsApp links 22 (cxloop.domain.kernel.tokens).
_SURVEY_URL = re.compile(r"https?://[^\s\"'<>]+/s/(?:[A-Za-z0-9_-]{43}|[A-Za-z0-9_-]{22})(?![A-Za-z0-9_-])")
POLL_INTERVAL_S = 0.005


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Recorder:
    def __init__(self, region: str) -> None:
        self.region = region
        self.outbox: list[dict[str, Any]] = []
        self.alerts: list[dict[str, Any]] = []
        self._seen_email = 0
        self._seen_sms: set[str] = set()
        self._seen_alerts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="recorder", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def snapshot(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        self.collect()
        with self._lock:
            return list(self.outbox), list(self.alerts)

    def state(self) -> dict[str, Any]:
        """What it recorded and how far it read, for a save (infra/local/persistence.py)."""
        with self._lock:
            return {
                "outbox": list(self.outbox),
                "alerts": list(self.alerts),
                "seen_email": self._seen_email,
                "seen_sms": sorted(self._seen_sms),
                "seen_alerts": dict(self._seen_alerts),
            }

    def restore(self, state: dict[str, Any]) -> None:
        """Back to a saved state, with the backends it was saved with, before it starts."""
        with self._lock:
            self.outbox = list(state["outbox"])
            self.alerts = list(state["alerts"])
            self._seen_email = int(state["seen_email"])
            self._seen_sms = set(state["seen_sms"])
            self._seen_alerts = dict(state["seen_alerts"])

    def _watch(self) -> None:
        while not self._stop.wait(POLL_INTERVAL_S):
            self.collect()

    def collect(self) -> None:
        with self._lock:
            self._collect_email()
            self._collect_sms()
            self._collect_alerts()

    def _collect_email(self) -> None:
        sent = get_backend("ses")[ACCOUNT_ID][self.region].sent_messages
        for message in sent[self._seen_email :]:
            body = getattr(message, "body", "") or getattr(message, "raw_data", "")
            to = (getattr(message, "destinations", None) or {}).get("ToAddresses", [])
            self.outbox.append(_entry("email", ", ".join(to), getattr(message, "subject", None), body))
        self._seen_email = len(sent)

    def _collect_sms(self) -> None:
        sms = get_backend("sns")[ACCOUNT_ID][self.region].sms_messages
        for message_id, (phone, text) in list(sms.items()):
            if message_id not in self._seen_sms:
                self._seen_sms.add(message_id)
                self.outbox.append(_entry("sms", phone, None, text))

    def _collect_alerts(self) -> None:
        for arn, topic in list(get_backend("sns")[ACCOUNT_ID][self.region].topics.items()):
            notifications = topic.sent_notifications
            for message_id, message, subject, attributes, _group in notifications[
                self._seen_alerts.get(arn, 0) :
            ]:
                self.alerts.append(
                    {
                        "topic": arn,
                        "message_id": message_id,
                        "subject": subject,
                        "message": message,
                        "attributes": {
                            k: v.get("Value", v.get("StringValue")) for k, v in (attributes or {}).items()
                        },
                        "published_at": now_iso(),
                    }
                )
            self._seen_alerts[arn] = len(notifications)


class RemoteRecorder:
    """The recorder of an AWS stand-in running in another process, read over HTTP."""

    def __init__(self, endpoint: str) -> None:
        self.url = f"{endpoint}/_cxloop/recorded"

    def snapshot(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        recorded = requests.get(self.url, timeout=10).json()
        return list(recorded["outbox"]), list(recorded["alerts"])


def _entry(channel: str, to: str, subject: str | None, body: str) -> dict[str, Any]:
    found = _SURVEY_URL.search(body or "")
    return {
        "channel": channel,
        "to": to,
        "subject": subject,
        "body": body,
        "survey_url": found.group(0) if found else None,
        "sent_at": now_iso(),
    }
