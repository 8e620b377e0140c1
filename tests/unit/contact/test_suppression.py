"""SES bounce and complaint records, and SMS STOP replies, read into suppressions.
Samples in events/ses/ follow the SES developer guide's event publishing examples and the
End User Messaging SMS two-way payload."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from cxloop.domain.contact.record_suppression import SuppressionEvent, from_ses, from_sms_reply, from_sns
from cxloop.domain.kernel.errors import InvalidInput
from tests.helpers import load_event

RECEIVED = datetime(2026, 11, 20, 10, 21, 45, 310000, tzinfo=UTC)  # the sample envelope's Timestamp


def test_a_permanent_bounce_suppresses_the_address_lower_cased() -> None:
    assert from_ses(load_event("ses/bounce_permanent")) == [
        SuppressionEvent(
            address="ana.perez@example.com",
            channel="email",
            reason="bounce",
            at=datetime(2026, 11, 20, 10, 16, 4, 512000, tzinfo=UTC),
            detail="Permanent/General",
        )
    ]


def test_a_transient_bounce_suppresses_nothing() -> None:
    assert from_ses(load_event("ses/bounce_transient")) == []


def test_an_undetermined_bounce_suppresses_nothing() -> None:
    record = load_event("ses/bounce_permanent")
    record["bounce"]["bounceType"] = "Undetermined"
    assert from_ses(record) == []


def test_a_feedback_notification_bounce_names_every_recipient_without_display_names() -> None:
    # Identity feedback notifications say notificationType where event publishing says eventType.
    events = from_ses(load_event("ses/feedback_bounce_two_recipients"))
    assert [event.address for event in events] == ["carlos.ruiz@example.org", "ventas@example.org"]
    assert {event.detail for event in events} == {"Permanent/NoEmail"}
    assert events[0].at == datetime(2026, 11, 22, 14, 5, 31, 114000, tzinfo=timezone(timedelta(hours=-5)))


def test_a_complaint_suppresses_with_its_feedback_type() -> None:
    assert from_ses(load_event("ses/complaint")) == [
        SuppressionEvent(
            "marie.dupont@example.com",
            "email",
            "complaint",
            datetime(2026, 11, 21, 8, 30, 12, tzinfo=UTC),
            "abuse",
        )
    ]


def test_a_not_spam_report_is_not_a_complaint_to_act_on() -> None:
    record = load_event("ses/complaint")
    record["complaint"]["complaintFeedbackType"] = "not-spam"
    assert from_ses(record) == []


def test_a_complaint_without_a_feedback_type_still_suppresses() -> None:
    # complaintFeedbackType is optional: not every provider sends an ARF report.
    record = load_event("ses/complaint")
    del record["complaint"]["complaintFeedbackType"]
    assert [event.reason for event in from_ses(record)] == ["complaint"]


def test_other_event_types_suppress_nothing() -> None:
    assert from_ses(load_event("ses/delivery")) == []


def test_the_sns_envelope_is_unwrapped() -> None:
    assert from_sns(load_event("ses/sns_complaint")) == from_ses(load_event("ses/complaint"))


def test_an_sms_stop_reply_suppresses_the_number_at_the_envelope_time() -> None:
    assert from_sns(load_event("ses/eum_sms_reply_stop")) == [
        SuppressionEvent("+593991234567", "sms", "opt_out", RECEIVED, "STOP")
    ]


@pytest.mark.parametrize("body", ["stop", "  Arret merci", "OPT-OUT", "unsubscribe please"])
def test_any_required_opt_out_keyword_at_the_start_counts(body: str) -> None:
    reply = {"originationNumber": "+5511987654321", "messageBody": body}
    assert [event.channel for event in from_sms_reply(reply, received_at=RECEIVED)] == ["sms"]


@pytest.mark.parametrize("body", ["Gracias, todo bien", "please stop calling me at work", "STOPPED", ""])
def test_other_replies_are_not_opt_outs(body: str) -> None:
    reply = {"originationNumber": "+5511987654321", "messageBody": body}
    assert from_sms_reply(reply, received_at=RECEIVED) == []


def test_a_bounce_without_recipients_is_refused() -> None:
    record = load_event("ses/bounce_permanent")
    record["bounce"]["bouncedRecipients"] = []
    with pytest.raises(InvalidInput, match="bouncedRecipients"):
        from_ses(record)


def test_a_bounce_without_a_time_zone_is_refused() -> None:
    record = load_event("ses/bounce_permanent")
    record["bounce"]["timestamp"] = "2026-11-20T10:16:04"
    with pytest.raises(InvalidInput, match="time zone"):
        from_ses(record)


@pytest.mark.parametrize(
    "envelope",
    [
        {"Type": "SubscriptionConfirmation", "Message": "You have chosen to subscribe"},
        {"Type": "Notification", "Message": "not json"},
        {"Type": "Notification", "Message": json.dumps(["a", "list"])},
    ],
)
def test_what_is_not_a_notification_record_is_refused(envelope: dict[str, str]) -> None:
    with pytest.raises(InvalidInput):
        from_sns(envelope)
