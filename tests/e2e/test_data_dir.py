"""`cxloop serve --data-dir DIR` keeps its data between runs (infra/local/persistence.py):
a restart between an answer and its ticket loses nothing, and a kill -9 of the runtime and
its AWS stand-in keeps what the last periodic save held."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from infra.local.datadir import STATE_FILE
from infra.local.defaults import WEBHOOK_SECRET
from infra.local.erp import signed_headers
from infra.local.resources import LAKE_BUCKET
from infra.local.served import Served
from tests.e2e.conftest import Client, start_runtime, wait_for
from tests.helpers import load_event

pytestmark = pytest.mark.e2e


def _detractor_event() -> tuple[dict[str, Any], bytes]:
    event = load_event("erp/claim_reported")
    tag = uuid.uuid4().hex[:10]
    event["event_id"] = f"{event['event_id']}-{tag}"
    event["customer"]["id"] = f"C-{tag}"
    event["customer"]["email"] = f"c-{tag}@example.com"
    return event, json.dumps(event, ensure_ascii=False).encode("utf-8")


def _invite(client: Client, correlation_id: str) -> tuple[dict[str, Any], str]:
    event, body = _detractor_event()
    headers = signed_headers(body, WEBHOOK_SECRET) | {"X-Correlation-Id": correlation_id}
    assert client.post_event(body, headers=headers).status_code == 202
    url = client.message_to(event["customer"]["email"], timeout_s=20)["survey_url"]
    # The path: the link names the port of the run that sent it, and each run here has its own.
    return event, urlsplit(url).path


def _invitations(client: Client, event: dict[str, Any]) -> list[str]:
    """The survey links in the outbox to the event's customer."""
    sent = [m for m in client.outbox() if m["to"] == event["customer"]["email"]]
    return [urlsplit(m["survey_url"]).path for m in sent if m["survey_url"]]


def _tickets_of(client: Client, correlation_id: str) -> list[dict[str, Any]]:
    listed = client.staff_get("/v1/tickets?limit=200").json()["items"]
    return [t for t in listed if t["correlation_id"] == correlation_id]


def _metrics(client: Client) -> dict[str, Any]:
    today = datetime.now(UTC).date().isoformat()
    answer = client.staff_get(f"/v1/metrics?scope=all&from={today}&to={today}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _contact_policy_version(client: Client) -> int:
    shown = client.staff_get("/v1/config/contact_policy")
    assert shown.status_code == 200, shown.text
    return int(shown.json()["version"])


def test_a_restart_between_an_answer_and_its_ticket_then_a_kill_lose_nothing_saved(tmp_path: Path) -> None:
    """One runtime's life over three runs (each start costs seconds): a clean stop between an
    answer and its ticket, then a kill -9 after a periodic save."""
    keep = ("--data-dir", str(tmp_path / "data"))
    served = start_runtime(tmp_path, extra_args=keep)
    try:
        answered = _answer_a_survey(Client(served.base_url, served.log_file))
    finally:
        # At once, as Ctrl-C would: the answer's ticket is still on its way through the queues.
        code, output = served.stop()
    assert code == 0, output

    # No contact policy published this time: the one from before the restart is still in force.
    served = start_runtime(tmp_path, contact_policy=None, extra_args=keep)
    try:
        # The lines after "ready at" come as the runtime prints them.
        assert wait_for(lambda: f"restored from {tmp_path / 'data'}" in served.output(), timeout_s=10)
        client = Client(served.base_url, served.log_file)
        ticket_id = _ticket_made_once(client, *answered)
        # The responses stream goes on where it got to: the one answer is in the lake once,
        # not again from the stream's start.
        assert wait_for(lambda: _lake_rows(client)) == 1
        invited = _invite(client, f"erp-{uuid.uuid4()}")
        saved_at = _saved_at(tmp_path / "data")
        # The next periodic save after the invitation; then no clean stop at all.
        wait_for(lambda: _saved_at(tmp_path / "data") > saved_at, timeout_s=20)
    finally:
        _kill_outright(served)
        served.stop()

    served = start_runtime(tmp_path, contact_policy=None, extra_args=keep)
    try:
        client = Client(served.base_url, served.log_file)
        event, survey_url = invited
        assert _invitations(client, event) == [survey_url]
        page = client.http.get(client.url(survey_url), timeout=10)
        assert page.status_code == 200 and 'name="nps"' in page.text
        assert client.staff_get(f"/v1/tickets/{ticket_id}").status_code == 200
        assert _contact_policy_version(client) == 1
        assert _lake_rows(client) == 1
    finally:
        served.stop()


def _answer_a_survey(client: Client) -> tuple[str, dict[str, Any], str]:
    """A detractor's answer; its correlation id, event and survey link."""
    correlation_id = f"erp-{uuid.uuid4()}"
    event, survey_url = _invite(client, correlation_id)
    form = {"nps": "1", "csat": "1", "comment": "Nadie me llamó", "callback": "yes"}
    assert client.http.post(client.url(survey_url), data=form, timeout=10).status_code == 200
    return correlation_id, event, survey_url


def _ticket_made_once(client: Client, correlation_id: str, event: dict[str, Any], survey_url: str) -> str:
    """After the restart: the answer's ticket, alert and counts, each once; its ticket's id."""
    ticket = wait_for(lambda: _tickets_of(client, correlation_id), timeout_s=30)[0]
    assert ticket["comment"] == "Nadie me llamó" and ticket["score"]["callback_requested"] is True
    wait_for(lambda: _alerts_of(client, ticket["ticket_id"]))
    counted = wait_for(lambda: (m := _metrics(client))["responses"] == 1 and m)
    assert counted["nps"]["detractors"] == 1
    # The link already used stays used, and the invitation is in the outbox once (beside
    # the case notice the ticket sent after the restart).
    assert client.http.get(client.url(survey_url), timeout=10).status_code == 409
    assert _invitations(client, event) == [survey_url]
    assert _contact_policy_version(client) == 1
    assert len(_tickets_of(client, correlation_id)) == 1
    assert len(_alerts_of(client, ticket["ticket_id"])) == 1
    return str(ticket["ticket_id"])


def _lake_rows(client: Client) -> int:
    """The rows in the lake's responses dataset (partitioned ones: responses/dt=...)."""
    s3 = client.aws("s3")
    listed = s3.list_objects_v2(Bucket=LAKE_BUCKET, Prefix="responses/dt=").get("Contents", [])
    bodies = [s3.get_object(Bucket=LAKE_BUCKET, Key=o["Key"])["Body"].read() for o in listed]
    return sum(len(body.splitlines()) for body in bodies)


def _alerts_of(client: Client, ticket_id: str) -> list[dict[str, Any]]:
    return [a for a in client.alerts() if a["attributes"]["ticket_id"] == ticket_id]


def _saved_at(data: Path) -> int:
    saved = data / STATE_FILE
    return saved.stat().st_mtime_ns if saved.exists() else 0


def _kill_outright(served: Served) -> None:
    """kill -9 the runtime and its AWS stand-in (its child process), as a crash would."""
    children = subprocess.run(
        ["pgrep", "-P", str(served.process.pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    for pid in [*children, str(served.process.pid)]:
        os.kill(int(pid), signal.SIGKILL)
    served.process.wait()
