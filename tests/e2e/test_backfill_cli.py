"""`cxloop backfill customer-keys --url` against `cxloop serve`: an interaction stored before the
erasure index existed (its key removed here) is keyed by the command, once."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest

from cxloop.domain.kernel.events import interaction_id_for
from tests.e2e.conftest import REPO, Client, wait_for
from tests.helpers import load_event

pytestmark = pytest.mark.e2e


def run_backfill(client: Client) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "infra.local.cli", "backfill", "customer-keys", "--url", client.base_url]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)


def test_the_backfill_keys_an_old_interaction_of_the_running_runtime(client: Client) -> None:
    event = load_event("erp/claim_reported")
    tag = uuid.uuid4().hex[:10]
    event["event_id"] = f"backfill-{tag}"
    event["customer"] |= {"id": f"B-{tag}", "email": f"backfill-{tag}@example.com"}
    assert client.post_event(json.dumps(event).encode()).status_code == 202
    key = {"interaction_id": {"S": interaction_id_for(event.get("source", "default"), event["event_id"])}}
    db = client.aws("dynamodb")
    wait_for(lambda: db.get_item(TableName="interactions", Key=key).get("Item"))
    # As if stored by a release before the index: the document without its key.
    db.update_item(TableName="interactions", Key=key, UpdateExpression="REMOVE customer_key")

    first = run_backfill(client)
    assert first.returncode == 0, first.stderr
    assert "interactions: 1 item(s) keyed" in first.stdout
    assert db.get_item(TableName="interactions", Key=key)["Item"]["customer_key"] == {"S": f"B-{tag}"}

    again = run_backfill(client)
    assert again.returncode == 0, again.stderr
    assert "done: 0 item(s) keyed" in again.stdout


def test_the_backfill_says_why_when_no_runtime_answers() -> None:
    command = [
        sys.executable,
        "-m",
        "infra.local.cli",
        "backfill",
        "customer-keys",
        "--url",
        "http://127.0.0.1:9",
    ]
    failed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert failed.returncode == 1
    assert failed.stderr.startswith("backfill failed: ")
