"""Opt-out links against moto through the real handlers: every survey carries one, GET
only asks, POST (the button or RFC 8058 one-click) opts the customer out, and the next
survey is blocked with blocked_opt_out."""

from __future__ import annotations

import json

import pytest

from cxloop.domain.kernel.tokens import new_token, token_hash
from tests.conftest import LocalAws
from tests.helpers import event_bytes
from tests.integration.support import (
    BASE_URL,
    as_sqs,
    claim,
    emails,
    invoke,
    one,
    opt_out_request,
    opt_out_token_in,
    scan,
    signed_post,
    text_messages,
)

# Not about the contact policy: the company published a permissive one (no quiet hours, no
# gap), so surveys go out at once whatever the hour (tests/integration/conftest.py).
pytestmark = pytest.mark.usefixtures("permissive_contact_policy")


def survey_sent(aws: LocalAws, event_id: str = "claim-1") -> None:
    assert invoke("capture_event", signed_post(claim(event_id=event_id)))["statusCode"] == 202
    assert invoke("send_survey", as_sqs(one(aws.drain("dispatch")))) == {"batchItemFailures": []}


def contact_item(aws: LocalAws) -> dict[str, object]:
    return dict(one(scan(aws, "contacts")))


def test_get_only_asks_and_post_opts_out_so_the_next_survey_is_blocked(lambda_env: LocalAws) -> None:
    survey_sent(lambda_env)
    email = one(emails())
    token = opt_out_token_in(email.body)
    assert f"{BASE_URL}/u/{token}" in email.body
    stored = one(scan(lambda_env, "optouts"))
    assert stored["link_hash"]["S"] == token_hash(token)
    assert stored["customer_key"]["S"] == "C-1042"
    assert token not in json.dumps(stored) and "ana@example.com" not in json.dumps(stored)

    before = contact_item(lambda_env)
    for _ in range(2):  # a mail scanner, then the person
        page = invoke("unsubscribe_page", opt_out_request(token))
        assert page["statusCode"] == 200 and "¿Dejar de recibir encuestas?" in page["body"]
        assert '<form method="post">' in page["body"]
    assert contact_item(lambda_env) == before

    done = invoke("unsubscribe_page", opt_out_request(token, "POST", body=""))
    assert done["statusCode"] == 200 and "No le enviaremos más encuestas" in done["body"]
    record = json.loads(str(contact_item(lambda_env)["doc"]["S"]))  # type: ignore[index]
    assert record["memory"]["opted_out"] is True
    assert record["decisions"][-1]["action"] == "opt_out"
    assert record["decisions"][-1]["reason"] == "opted_out_page"

    survey_sent(lambda_env, "claim-2")
    assert len(emails()) == 1
    record = json.loads(str(contact_item(lambda_env)["doc"]["S"]))  # type: ignore[index]
    assert record["decisions"][-1]["reason"] == "blocked_opt_out"


def test_a_mail_providers_one_click_post_opts_out_and_says_how(lambda_env: LocalAws) -> None:
    survey_sent(lambda_env)
    token = opt_out_token_in(one(emails()).body)
    one_click = opt_out_request(token, "POST", body="List-Unsubscribe=One-Click")
    for _ in range(2):  # providers may retry: recorded once
        assert invoke("unsubscribe_page", one_click)["statusCode"] == 200
    record = json.loads(str(contact_item(lambda_env)["doc"]["S"]))  # type: ignore[index]
    assert [d["reason"] for d in record["decisions"] if d["action"] == "opt_out"] == ["opted_out_one_click"]


def test_an_sms_survey_carries_stop_and_its_link(lambda_env: LocalAws) -> None:
    assert invoke("capture_event", signed_post(event_bytes("erp/branch_visit_sms")))["statusCode"] == 202
    assert invoke("send_survey", as_sqs(one(lambda_env.drain("dispatch")))) == {"batchItemFailures": []}
    _, text = one(text_messages())
    token = opt_out_token_in(text)
    assert f" STOP: {BASE_URL}/u/{token}" in text
    assert invoke("unsubscribe_page", opt_out_request(token))["statusCode"] == 200


def test_unknown_and_junk_tokens_get_a_friendly_page_and_change_nothing(lambda_env: LocalAws) -> None:
    for token in (new_token(), "junk"):
        for method in ("GET", "POST"):
            page = invoke("unsubscribe_page", opt_out_request(token, method, body=""))
            assert page["statusCode"] == 404 and "<h1>" in page["body"]
    assert scan(lambda_env, "contacts") == []
