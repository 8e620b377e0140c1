"""`cxloop ops --url` against `cxloop serve`, as an operator runs it: the queues' state, a look
into a dead-letter queue that shows ids and types but no personal data, and a redrive after
which the failed work is done."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest

from cxloop.domain.casework.push_alert import alert_request
from tests.e2e.conftest import REPO, Client, wait_for
from tests.helpers import sample_ticket

pytestmark = pytest.mark.e2e

COMMENT = "Nadie me llamó después del choque"


def ops(client: Client, *words: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "infra.local.cli", "ops", *words, "--url", client.base_url]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)


def dead_alert(client: Client) -> str:
    """An alert request that failed its retries: in the alerts dead-letter queue, as SQS leaves it."""
    ticket_id = f"CX-OPS{uuid.uuid4().hex[:8].upper()}"
    body = alert_request(sample_ticket(ticket_id=ticket_id, comment=COMMENT), "detractor")
    sqs = client.aws("sqs")
    dead = sqs.get_queue_url(QueueName="alerts-dlq")["QueueUrl"]
    sqs.send_message(
        QueueUrl=dead,
        MessageBody=json.dumps(body),
        MessageAttributes={"correlation_id": {"DataType": "String", "StringValue": f"ops-{ticket_id}"}},
    )
    return ticket_id


def row_of(table: str, queue: str) -> list[str]:
    return next(line.split() for line in table.splitlines() if line.split()[0] == queue)


def test_status_shows_every_queue_and_its_dead_letters(client: Client) -> None:
    dead_alert(client)
    shown = ops(client, "status")
    assert shown.returncode == 0, shown.stderr
    header, *rows = shown.stdout.splitlines()
    assert header.split()[0] == "queue" and "dead" in header
    assert {row.split()[0] for row in rows} >= {"dispatch", "responses", "tickets", "alerts", "notices"}
    assert int(row_of(shown.stdout, "alerts")[-1]) >= 1


def test_a_look_into_a_dead_letter_queue_names_the_work_not_the_customer(client: Client) -> None:
    ticket_id = dead_alert(client)
    shown = ops(client, "dlq", "show", "alerts", "--limit", "10")
    assert shown.returncode == 0, shown.stderr
    messages = [json.loads(line) for line in shown.stdout.splitlines()[1:]]
    ours = [m for m in messages if m["fields"].get("ticket.ticket_id") == ticket_id]
    assert ours and ours[0]["fields"]["kind"] == "detractor" and ours[0]["message_id"]
    customer = sample_ticket().customer
    for personal in (customer.name, customer.email, customer.phone, COMMENT):
        assert personal and personal not in shown.stdout


def test_a_redrive_moves_the_messages_back_and_the_work_gets_done(client: Client) -> None:
    ticket_id = dead_alert(client)
    moved = ops(client, "dlq", "redrive", "alerts")
    assert moved.returncode == 0, moved.stderr
    assert moved.stdout.splitlines()[-1].startswith("done: ")
    assert int(moved.stdout.splitlines()[-1].split()[1]) >= 1
    wait_for(lambda: [a for a in client.alerts() if ticket_id in json.dumps(a)], timeout_s=20)
    after = ops(client, "status")
    assert row_of(after.stdout, "alerts")[-1] == "0"


def test_an_unknown_queue_is_refused_with_the_names_of_the_real_ones(client: Client) -> None:
    refused = ops(client, "dlq", "redrive", "nope")
    assert refused.returncode == 1
    assert "no queue 'nope'" in refused.stderr and "dispatch" in refused.stderr
