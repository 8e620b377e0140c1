"""The contact policy at work against moto: send_survey asks it before every survey, keeps
each decision with its reason on the customer's contact record, parks postponed and
grouped surveys there, and release_contacts sends them once when they are due."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from cxloop.domain.contact.policy import RECOMMENDED
from functions.release_contacts import handler as release_contacts
from tests.conftest import LocalAws
from tests.helpers import sample_ticket
from tests.integration.support import NOW, Ports, as_sqs, claim, emails, invoke, one, resolve, signed_post

# NOW is 09:30 UTC: 04:30 in Quito, inside the recommended 21:00-08:00 quiet hours.
MORNING_IN_QUITO = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
THREE_IN_QUITO = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def publish_policy(ports: Ports, **changes: Any) -> None:
    policy = RECOMMENDED.model_copy(update=changes).model_dump(mode="json")
    ports.config().publish("contact_policy", policy, expected_version=0, by="t", at=NOW, note=None)


def dispatched(ports: Ports, event_id: str = "claim-1", at: datetime = NOW) -> dict[str, Any]:
    body = claim(event_id=event_id)
    app = ports.capture_app(clock=lambda: at)
    answer = resolve(app, signed_post(body, timestamp=int(at.timestamp())), "capture_event")
    assert answer["statusCode"] == 202, answer
    return dict(one(ports.aws.drain("dispatch")))


def send(ports: Ports, message: dict[str, Any], at: datetime) -> dict[str, Any]:
    run = ports.consumer("send_survey", ports.send_step(clock=lambda: at))
    return run(as_sqs(message))


def release(ports: Ports, at: datetime) -> int:
    deps = release_contacts.Deps(contacts=ports.contacts(), dispatch=ports.queue("dispatch"))
    return int(release_contacts.run({"time": at.isoformat()}, deps)["released"])


def test_a_night_survey_waits_for_the_morning_and_is_sent_once(ports: Ports) -> None:
    publish_policy(ports)
    send(ports, dispatched(ports), NOW)
    assert emails() == []
    record = ports.contacts().load("C-1042")
    (decision,) = record.decisions
    assert (decision.action, decision.reason, decision.due_at) == (
        "postpone",
        "postponed_quiet_hours",
        MORNING_IN_QUITO,
    )
    assert [p.due_at for p in record.pending] == [MORNING_IN_QUITO]
    assert decision.policy_version == 1  # the published one, not the default

    assert release(ports, MORNING_IN_QUITO - timedelta(minutes=1)) == 0
    assert release(ports, MORNING_IN_QUITO) == 1
    assert release(ports, MORNING_IN_QUITO + timedelta(minutes=5)) == 0
    released = one(ports.aws.drain("dispatch"))
    assert json.loads(released["Body"])["release"] == MORNING_IN_QUITO.isoformat()
    for _ in range(2):  # a redelivered release is the same step: one email
        send(ports, released, MORNING_IN_QUITO)
    assert one(emails()).destinations["ToAddresses"] == ["ana@example.com"]
    after = ports.contacts().load("C-1042")
    assert [d.reason for d in after.decisions] == ["postponed_quiet_hours", "send"]
    assert after.pending == () and len(after.memory.sent) == 1


def test_events_within_the_window_become_one_survey_about_the_journey(ports: Ports) -> None:
    publish_policy(ports, quiet_start=None, quiet_end=None, group_window_minutes=60)
    send(ports, dispatched(ports, "claim-1"), NOW)
    send(ports, dispatched(ports, "claim-2", NOW + timedelta(minutes=20)), NOW + timedelta(minutes=20))
    record = ports.contacts().load("C-1042")
    assert [d.reason for d in record.decisions] == ["group_opened", "grouped"]
    assert release(ports, NOW + timedelta(minutes=61)) == 1
    message = json.loads(one(ports.aws.drain("dispatch"))["Body"])
    assert len(message["journey"]) == 2 and message["event"]["event_id"] == "claim-2"
    send(
        ports,
        {"MessageId": "m", "ReceiptHandle": "r", "Body": json.dumps(message)},
        NOW + timedelta(minutes=61),
    )
    one(emails())


def test_a_gap_postpones_a_second_survey_and_an_open_complaint_blocks_one(ports: Ports) -> None:
    publish_policy(ports, quiet_start=None, quiet_end=None)
    send(ports, dispatched(ports, "claim-1"), NOW)
    send(ports, dispatched(ports, "claim-2", NOW + timedelta(hours=1)), NOW + timedelta(hours=1))
    assert [d.reason for d in ports.contacts().load("C-1042").decisions] == ["send", "postponed_min_gap"]
    ports.tickets().add(sample_ticket(ticket_id="CX-OPEN", status="assigned", ticket_type="complaint"))
    send(ports, dispatched(ports, "claim-3", NOW + timedelta(hours=2)), NOW + timedelta(hours=2))
    last = ports.contacts().load("C-1042").decisions[-1]
    assert (last.action, last.reason, last.detail) == (
        "block",
        "blocked_open_complaint",
        "open complaint CX-OPEN",
    )
    assert len(emails()) == 1


def test_without_a_published_policy_a_survey_at_three_in_the_morning_waits_for_eight(ports: Ports) -> None:
    send(ports, dispatched(ports, at=THREE_IN_QUITO), THREE_IN_QUITO)
    assert emails() == []
    record = ports.contacts().load("C-1042")
    (decision,) = record.decisions
    assert (decision.action, decision.reason, decision.due_at, decision.policy_version) == (
        "postpone",
        "postponed_quiet_hours",
        MORNING_IN_QUITO,
        "default",
    )
    assert release(ports, MORNING_IN_QUITO) == 1
    send(ports, one(ports.aws.drain("dispatch")), MORNING_IN_QUITO)
    one(emails())
    after = ports.contacts().load("C-1042").decisions
    assert [(d.reason, d.policy_version) for d in after] == [
        ("postponed_quiet_hours", "default"),
        ("send", "default"),
    ]


def test_a_published_policy_replaces_the_default_whole(ports: Ports) -> None:
    # It names only a cap: no quiet hours and no gap, not the default's.
    assert ports.publish_contact_policy({"cap_messages": 10}) == 1
    send(ports, dispatched(ports, "claim-1", THREE_IN_QUITO), THREE_IN_QUITO)
    send(ports, dispatched(ports, "claim-2", THREE_IN_QUITO + timedelta(minutes=5)), THREE_IN_QUITO)
    assert len(emails()) == 2
    decisions = ports.contacts().load("C-1042").decisions
    assert [(d.reason, d.policy_version) for d in decisions] == [("send", 1), ("send", 1)]


def test_the_real_release_handler(lambda_env: LocalAws, ports: Ports) -> None:
    publish_policy(ports)
    send(ports, dispatched(ports), NOW)
    assert invoke("release_contacts", {"time": MORNING_IN_QUITO.isoformat()}) == {"released": 1}
