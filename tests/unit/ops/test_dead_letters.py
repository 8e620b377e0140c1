"""What `cxloop ops dlq show` prints of a message: ids and types, never the customer."""

from __future__ import annotations

import json

from infra.ops.dead_letters import described
from infra.ops.queues import QueueState, queue_output_name, status_table
from tests.helpers import load_event


def test_a_dispatch_message_shows_its_ids_and_type_and_nothing_of_the_customer() -> None:
    event = load_event("erp/claim_reported")
    body = {"interaction_id": "i-42", "event_id": event["event_id"], **event}
    shown = described(
        {
            "MessageId": "m-1",
            "Body": json.dumps(body),
            "Attributes": {"SentTimestamp": "1764000000000", "ApproximateReceiveCount": "5"},
        }
    )
    assert shown == {
        "message_id": "m-1",
        "sent_at": "2025-11-24T16:00:00+00:00",
        "receive_count": 5,
        "fields": {
            "interaction_id": "i-42",
            "event_id": "claim-2026-000123",
            "source": "erp-claims",
            "event_type": "claim.reported",
        },
    }
    text = json.dumps(shown, ensure_ascii=False)
    for personal in ("Ana", "ana@example.com", "+593991234567", "AUTO-77812", "C-1042"):
        assert personal not in text


def test_a_body_that_is_not_json_shows_its_message_only() -> None:
    shown = described({"MessageId": "m-2", "Body": "not json {"})
    assert shown == {"message_id": "m-2", "sent_at": None, "receive_count": 0, "fields": {}}


def test_the_status_table_aligns_its_figures_and_says_when_an_age_is_unknown() -> None:
    table = status_table(
        [QueueState("dispatch", 3, 1, 90.0, 0), QueueState("alerts", 0, 0, None, 12)]
    ).splitlines()
    assert table[0].split() == ["queue", "depth", "in", "flight", "oldest", "dead", "letters"]
    assert table[1].split() == ["dispatch", "3", "1", "90", "s", "0"]
    assert table[2].split() == ["alerts", "0", "0", "-", "12"]
    assert len({len(line) for line in table}) == 1


def test_output_names_follow_the_stack_naming() -> None:
    assert queue_output_name("dispatch") == "DispatchQueueUrl"
    assert queue_output_name("dispatch", dead_letter=True) == "DispatchDeadLetterQueueUrl"
