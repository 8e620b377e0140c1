"""record_suppression (consumes `suppressions`) against moto: SES bounce and complaint
events and SMS STOP replies, published to their topics as SES and End User Messaging do,
reach the queue as SNS envelopes and land on the suppression list keyed by an HMAC, once;
and send_survey and customers_api read the list back."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from cxloop.adapters.suppressions import DynamoSuppressionList, address_key
from cxloop.domain.contact.record_suppression import Channel, SuppressionEvent
from functions.customers_api import handler as customers_api
from functions.record_suppression import handler as record_suppression
from infra.local.defaults import SUPPRESSION_KEY
from tests.conftest import LocalAws
from tests.helpers import load_event
from tests.integration.support import (
    NOW,
    Ports,
    as_sqs,
    body_of,
    claim,
    invoke,
    one,
    redelivered,
    resolve,
    scan,
    signed_post,
)
from tests.integration.test_customers_api import staff_request

# Not about the contact policy: the company published a permissive one (no quiet hours, no
# gap), so surveys go out at once whatever the hour (tests/integration/conftest.py).
pytestmark = pytest.mark.usefixtures("permissive_contact_policy")

KEY = SUPPRESSION_KEY.encode()
ANA_EMAIL = "ana@example.com"
ANA_PHONE = "+593991234567"


def published(aws: LocalAws, topic: str, record: dict[str, Any]) -> dict[str, Any]:
    """Publish a record to the topic as SES (or End User Messaging) does; answer the message
    the `suppressions` queue received: an SNS envelope, raw delivery being off."""
    aws.clients["sns"].publish(TopicArn=aws.topic_arn(topic), Message=json.dumps(record))
    return dict(one(aws.drain("suppressions")))


def bounce_of(address: str, bounce_type: str = "Permanent") -> dict[str, Any]:
    record = load_event("ses/bounce_permanent")
    record["bounce"]["bounceType"] = bounce_type
    record["bounce"]["bouncedRecipients"][0]["emailAddress"] = address
    return record


def raw(body: str, message_id: str = "sqs-message-1") -> dict[str, Any]:
    """A queue message with any body (as someone sending to the queue by hand could)."""
    return {"MessageId": message_id, "Body": body}


def items(aws: LocalAws) -> dict[str, dict[str, Any]]:
    return {item["address_key"]["S"]: item for item in scan(aws, "suppressions")}


def record_all(*messages: dict[str, Any]) -> dict[str, Any]:
    return invoke("record_suppression", as_sqs(*messages, queue="suppressions"))


def test_a_permanent_bounce_is_stored_under_its_hmac_never_the_address(lambda_env: LocalAws) -> None:
    message = published(lambda_env, "email_events", bounce_of("Ana@Example.com"))
    assert json.loads(message["Body"])["Type"] == "Notification"

    assert record_all(message) == {"batchItemFailures": []}

    (key, item), *others = items(lambda_env).items()
    assert others == []
    assert key == address_key(KEY, "email", ANA_EMAIL)
    assert {
        name: value.get("S", value.get("N")) for name, value in item.items() if name != "notifications"
    } == {
        "address_key": key,
        "channel": "email",
        "reason": "bounce",
        "detail": "Permanent/General",
        "first_at": "2026-11-20T10:16:04.512000+00:00",
        "last_at": "2026-11-20T10:16:04.512000+00:00",
        "count": "1",
    }
    assert "example.com" not in json.dumps(item).lower()


def test_a_transient_bounce_stores_nothing(lambda_env: LocalAws) -> None:
    message = published(lambda_env, "email_events", bounce_of(ANA_EMAIL, "Transient"))
    assert record_all(message) == {"batchItemFailures": []}
    assert items(lambda_env) == {}


def test_a_complaint_is_stored_and_a_not_spam_report_is_not(lambda_env: LocalAws) -> None:
    complaint = load_event("ses/complaint")
    not_spam = json.loads(json.dumps(complaint))
    not_spam["complaint"]["complaintFeedbackType"] = "not-spam"
    not_spam["complaint"]["complainedRecipients"][0]["emailAddress"] = "otra@example.com"

    record_all(published(lambda_env, "email_events", complaint))
    record_all(published(lambda_env, "email_events", not_spam))

    (item,) = items(lambda_env).values()
    assert item["address_key"]["S"] == address_key(KEY, "email", "marie.dupont@example.com")
    assert (item["reason"]["S"], item["detail"]["S"]) == ("complaint", "abuse")


def test_an_sms_stop_reply_is_stored_for_the_sms_channel(lambda_env: LocalAws) -> None:
    reply = json.loads(load_event("ses/eum_sms_reply_stop")["Message"])
    record_all(published(lambda_env, "sms_replies", reply))

    (item,) = items(lambda_env).values()
    assert item["address_key"]["S"] == address_key(KEY, "sms", ANA_PHONE)
    assert (item["channel"]["S"], item["reason"]["S"], item["detail"]["S"]) == ("sms", "opt_out", "STOP")


def test_a_reply_that_is_not_an_opt_out_stores_nothing(lambda_env: LocalAws) -> None:
    reply = json.loads(load_event("ses/eum_sms_reply_stop")["Message"]) | {"messageBody": "Gracias"}
    record_all(published(lambda_env, "sms_replies", reply))
    assert items(lambda_env) == {}


@pytest.mark.parametrize(
    "body",
    [
        "not json at all",
        json.dumps(["a", "list"]),
        # Raw delivery turned on by mistake: the SES record without its envelope.
        json.dumps(load_event("ses/bounce_permanent")),
        # An envelope whose record lost its recipients.
        json.dumps(
            load_event("ses/sns_complaint")
            | {"Message": json.dumps({"eventType": "Complaint", "complaint": {}})}
        ),
        # A notification without its id cannot be recorded once.
        json.dumps({k: v for k, v in load_event("ses/sns_complaint").items() if k != "MessageId"}),
    ],
    ids=["not-json", "not-an-object", "raw-delivery", "no-recipients", "no-message-id"],
)
def test_an_invalid_notification_is_dropped_at_once_and_logged_without_personal_data(
    lambda_env: LocalAws, json_logs: Any, body: str
) -> None:
    assert record_all(raw(body)) == {"batchItemFailures": []}
    assert items(lambda_env) == {}
    (dropped,) = [line for line in json_logs() if line["message"] == "notification dropped"]
    assert dropped["level"] == "WARNING" and dropped["problem"]
    assert "example.com" not in json.dumps(dropped)


def test_a_redelivered_notification_counts_once_and_a_new_one_counts_again(lambda_env: LocalAws) -> None:
    first = published(lambda_env, "email_events", bounce_of(ANA_EMAIL))
    later = bounce_of(ANA_EMAIL)
    later["bounce"]["timestamp"] = "2026-12-01T08:00:00.000Z"
    later["bounce"]["bounceSubType"] = "NoEmail"
    second = published(lambda_env, "email_events", later)

    record_all(first)
    record_all(redelivered(first))
    (item,) = items(lambda_env).values()
    assert item["count"]["N"] == "1"

    record_all(second, redelivered(second))
    (item,) = items(lambda_env).values()
    assert item["count"]["N"] == "2"
    assert item["first_at"]["S"] == "2026-11-20T10:16:04.512000+00:00"
    assert item["last_at"]["S"] == "2026-12-01T08:00:00+00:00"
    assert item["detail"]["S"] == "Permanent/NoEmail"
    assert len(item["notifications"]["SS"]) == 2


def test_one_failing_record_fails_alone(ports: Ports) -> None:
    class FlakyList:
        def record(self, event: Any, *, notification_id: str) -> bool:
            if event.channel == "sms":
                raise RuntimeError("throttled")
            return True

    step = record_suppression.create_step(record_suppression.Deps(suppressions=FlakyList()))
    email = published(ports.aws, "email_events", bounce_of(ANA_EMAIL))
    sms = published(ports.aws, "sms_replies", json.loads(load_event("ses/eum_sms_reply_stop")["Message"]))
    assert step(email["Body"])["recorded"] == 1
    with pytest.raises(RuntimeError):
        step(sms["Body"])


# --- the contact policy and staff read the list ------------------------------------------


def suppression_list(ports: Ports) -> DynamoSuppressionList:
    return ports.suppressions()


def suppress(ports: Ports, channel: Channel, address: str, notification: str = "n-1") -> None:
    """An entry as record_suppression writes it: a permanent bounce (or STOP) on 2026-11-20."""
    event = SuppressionEvent(
        address, channel, "bounce", datetime(2026, 11, 20, tzinfo=UTC), "Permanent/General"
    )
    assert suppression_list(ports).record(event, notification_id=notification)


def survey_decision(ports: Ports, **customer: Any) -> dict[str, Any]:
    """One claim through capture_event and send_survey (with the suppression list)."""
    body = claim(customer=load_event("erp/claim_reported")["customer"] | customer)
    posted = resolve(ports.capture_app(), signed_post(body, timestamp=int(NOW.timestamp())), "capture_event")
    assert posted["statusCode"] == 202, posted
    step = ports.send_step()  # its contact records are read with the suppression list
    return dict(step(json.loads(one(ports.aws.drain("dispatch"))["Body"])))


def test_send_survey_reroutes_around_a_bounced_email_to_sms(ports: Ports) -> None:
    suppress(ports, "email", "ANA@example.com ")
    decision = survey_decision(ports, preferred_channel=None)
    assert decision == {"action": "send", "reason": "rerouted_fallback", "channel": "sms"}


def test_send_survey_blocks_a_customer_whose_only_address_bounced(ports: Ports) -> None:
    suppress(ports, "email", ANA_EMAIL)
    decision = survey_decision(ports, phone=None, preferred_channel=None)
    assert (decision["action"], decision["reason"]) == ("block", "blocked_suppressed")


def test_a_phone_suppressed_on_sms_does_not_touch_email(ports: Ports) -> None:
    suppress(ports, "sms", ANA_PHONE)
    decision = survey_decision(ports, preferred_channel="sms")
    assert decision == {"action": "send", "reason": "rerouted_preference", "channel": "email"}


def test_staff_see_which_channel_is_suppressed_and_why_but_not_the_address(ports: Ports) -> None:
    suppress(ports, "email", ANA_EMAIL)
    survey_decision(ports, preferred_channel=None)
    deps = customers_api.Deps(
        contacts=ports.contacts(),
        interactions=lambda start, end: [],
        interaction=ports.interactions().get,
        suppressions=suppression_list(ports).channels_of,
    )
    answer = resolve(
        customers_api.create_app(deps),
        staff_request("GET", "/v1/customers/C-1042/contact", "/v1/customers/{customer_id}/contact"),
        "customers_api",
    )
    assert answer["statusCode"] == 200, answer
    assert body_of(answer)["suppressed_channels"] == [
        {
            "channel": "email",
            "reason": "bounce",
            "since": "2026-11-20T00:00:00+00:00",
            "detail": "Permanent/General",
        }
    ]
    assert ANA_EMAIL not in answer["body"] and ANA_PHONE not in answer["body"]
