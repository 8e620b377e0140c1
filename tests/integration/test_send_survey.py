"""send_survey (consumes `dispatch`) against moto: SES v2 email or SNS SMS, one survey
per interaction whatever SQS redelivers, the token stored only as its hash."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from cxloop.domain.contact.manners import ContactState
from cxloop.domain.kernel.events import interaction_id_for
from cxloop.domain.kernel.tokens import token_hash
from infra.local.defaults import SENDER_ADDRESS
from tests.conftest import LocalAws
from tests.helpers import event_bytes, load_event
from tests.integration.support import (
    BASE_URL,
    NOW,
    Ports,
    as_sqs,
    claim,
    emails,
    invoke,
    one,
    redelivered,
    resolve,
    scan,
    signed_post,
    text_messages,
    token_in,
)

# Not about the contact policy: the company published a permissive one (no quiet hours, no
# gap), so surveys go out at once whatever the hour (tests/integration/conftest.py).
pytestmark = pytest.mark.usefixtures("permissive_contact_policy")


def dispatched(ports: Ports, body: bytes) -> dict[str, Any]:
    """The message capture_event queued for this ERP event."""
    answer = resolve(ports.capture_app(), signed_post(body, timestamp=int(NOW.timestamp())), "capture_event")
    assert answer["statusCode"] == 202, answer
    return dict(one(ports.aws.drain("dispatch")))


def test_an_email_survey_is_sent_once_across_redelivery(ports: Ports) -> None:
    message = dispatched(ports, claim())
    send = ports.consumer("send_survey", ports.send_step())

    assert send(as_sqs(message)) == {"batchItemFailures": []}
    assert send(as_sqs(redelivered(message))) == {"batchItemFailures": []}

    email = one(emails())
    assert email.source == SENDER_ADDRESS
    assert email.destinations["ToAddresses"] == ["ana@example.com"]
    assert email.subject == "¿Cómo fue su experiencia en Claims desk?"
    assert f'href="{BASE_URL}/s/' in email.body and "Hola Ana:" in email.body
    assert text_messages() == []
    one(scan(ports.aws, "invitations"))


def test_the_same_interaction_dispatched_twice_is_still_one_survey(ports: Ports) -> None:
    # Not the same SQS message: idempotency is on interaction_id, never the message id.
    message = dispatched(ports, claim())
    send = ports.consumer("send_survey", ports.send_step())
    send(as_sqs(message))
    send(as_sqs(dict(message, MessageId="another-sqs-message-id")))
    one(emails())


def test_the_invitation_is_keyed_by_the_token_hash_never_the_token(ports: Ports) -> None:
    ports.consumer("send_survey", ports.send_step())(as_sqs(dispatched(ports, claim())))
    token = token_in(one(emails()).body)

    item = one(scan(ports.aws, "invitations"))
    assert item["token_hash"]["S"] == token_hash(token)
    assert token not in json.dumps(item)
    assert item["status"]["S"] == "sent"
    invitation = ports.invitations().get(token_hash(token))
    assert invitation is not None
    assert invitation.interaction_id == interaction_id_for("erp-claims", "claim-2026-000123")
    assert invitation.channel == "email" and invitation.expires_at == NOW + timedelta(days=14)
    # Kept past expiry for a grace period, so a late click gets the friendly page.
    assert int(item["expires_at"]["N"]) > int((NOW + timedelta(days=14)).timestamp())


def test_an_sms_customer_gets_one_text_with_the_link(ports: Ports) -> None:
    message = dispatched(ports, event_bytes("erp/branch_visit_sms"))
    send = ports.consumer("send_survey", ports.send_step())
    send(as_sqs(message))
    send(as_sqs(redelivered(message)))

    phone, text = one(text_messages())
    assert phone == "+12025550143"
    assert text.startswith("cxloop: how was your experience at Madrid Centro branch?")
    token = token_in(text)
    assert f"{BASE_URL}/s/{token}" in text
    assert emails() == []
    assert one(scan(ports.aws, "invitations"))["token_hash"]["S"] == token_hash(token)


def test_whatsapp_preference_goes_by_sms_for_now(ports: Ports) -> None:
    document = load_event("erp/claim_reported")
    document["customer"]["preferred_channel"] = "whatsapp"
    ports.consumer("send_survey", ports.send_step())(as_sqs(dispatched(ports, json.dumps(document).encode())))
    assert one(text_messages())[0] == "+593991234567"
    assert emails() == []


def test_a_malformed_record_fails_alone_and_the_rest_of_the_batch_is_sent(ports: Ports) -> None:
    good = dispatched(ports, claim())
    batch = load_event("sqs/batch_one_malformed")
    batch["Records"][0] = as_sqs(good)["Records"][0]
    malformed_id = batch["Records"][1]["messageId"]

    answer = ports.consumer("send_survey", ports.send_step())(batch)

    assert answer == {"batchItemFailures": [{"itemIdentifier": malformed_id}]}
    assert one(emails()).destinations["ToAddresses"] == ["ana@example.com"]
    one(scan(ports.aws, "invitations"))


def test_a_record_that_is_json_but_no_interaction_fails_alone(ports: Ports) -> None:
    good = dispatched(ports, event_bytes("erp/branch_visit_sms"))
    missing_key = dict(good, MessageId="no-key", Body='{"event": {}}')
    invalid = dict(good, MessageId="invalid", Body='{"interaction_id": "i-1", "event": {"event_id": 1}}')

    answer = ports.consumer("send_survey", ports.send_step())(as_sqs(missing_key, good, invalid))

    failed = {f["itemIdentifier"] for f in answer["batchItemFailures"]}
    assert failed == {"no-key", "invalid"}
    one(text_messages())


# --- the real Lambda handler -------------------------------------------------------------


def test_handler_sends_one_email_per_interaction_across_redelivery(lambda_env: LocalAws) -> None:
    assert invoke("capture_event", signed_post(claim()))["statusCode"] == 202
    message = one(lambda_env.drain("dispatch"))

    assert invoke("send_survey", as_sqs(message)) == {"batchItemFailures": []}
    assert invoke("send_survey", as_sqs(redelivered(message))) == {"batchItemFailures": []}

    email = one(emails())
    token = token_in(email.body)
    assert f"{BASE_URL}/s/{token}" in email.body
    assert one(scan(lambda_env, "invitations"))["token_hash"]["S"] == token_hash(token)
    # The send log's one record of the send (cxloop.domain.kernel.sends), no Powertools record;
    # the redelivery found the decision on the contact record and did nothing again.
    ids = [item["id"]["S"] for item in scan(lambda_env, "idempotency")]
    assert ids == [f"sent#survey#{json.loads(message['Body'])['interaction_id']}#"]
    state = ContactState.model_validate_json(one(scan(lambda_env, "contacts"))["doc"]["S"])
    assert [d.action for d in state.decisions] == ["send"] and len(state.memory.sent) == 1


def test_handler_reports_exactly_the_malformed_record(lambda_env: LocalAws) -> None:
    invoke("capture_event", signed_post(event_bytes("erp/branch_visit_sms")))
    good = one(lambda_env.drain("dispatch"))
    batch = load_event("sqs/batch_one_malformed")
    batch["Records"][0] = as_sqs(good)["Records"][0]

    answer = invoke("send_survey", batch)

    assert answer == {"batchItemFailures": [{"itemIdentifier": batch["Records"][1]["messageId"]}]}
    assert [phone for phone, _ in text_messages()] == ["+12025550143"]
