"""Every bad input of the contract, over HTTP: the right 4xx, and nothing left behind.

"Nothing left behind" is checked the way an integrator could: the same event,
sent correctly afterwards, is still new (202, not 200), and no message went out.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable

import pytest

from infra.local.auth import mint_token
from infra.local.defaults import STAFF_TOKEN_SECRET, WEBHOOK_SECRET
from infra.local.erp import signed_headers
from tests.e2e.conftest import Client, wait_for
from tests.e2e.test_loop import body_of, unique_event
from tests.e2e.test_qr_codes import metrics_of

pytestmark = pytest.mark.e2e

Breaker = Callable[[bytes], tuple[bytes, dict[str, str]]]


def _unsigned(body: bytes) -> tuple[bytes, dict[str, str]]:
    return body, {"Content-Type": "application/json"}


def _wrong_secret(body: bytes) -> tuple[bytes, dict[str, str]]:
    return body, signed_headers(body, "not-the-secret")


def _stale(body: bytes) -> tuple[bytes, dict[str, str]]:
    return body, signed_headers(body, WEBHOOK_SECRET, timestamp=int(time.time()) - 301)


def _tampered(body: bytes) -> tuple[bytes, dict[str, str]]:
    return body.replace(b"claim.reported", b"claim.rejected"), signed_headers(body, WEBHOOK_SECRET)


@pytest.mark.parametrize("breaker", [_unsigned, _wrong_secret, _stale, _tampered], ids=lambda f: f.__name__)
def test_bad_signature_is_401_and_stores_nothing(client: Client, breaker: Breaker) -> None:
    event = unique_event()
    body, headers = breaker(body_of(event))
    refused = client.post_event(body, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"
    assert client.post_event(body_of(event)).status_code == 202


def _signed(body: bytes) -> dict[str, str]:
    return signed_headers(body, WEBHOOK_SECRET)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e.pop("event_id"), "event_id"),
        (lambda e: e["customer"].pop("id"), "customer.id"),
        (lambda e: e["touchpoint"].pop("id"), "touchpoint.id"),
        (lambda e: e.update(occurred_at="yesterday"), "occurred_at"),
        (lambda e: e.update(occurred_at="2026-11-20T10:15:00"), "occurred_at"),
        (lambda e: e["customer"].update(email="not-an-email"), "customer.email"),
        (lambda e: e["customer"].update(phone="0991234567"), "customer.phone"),
        (lambda e: e["customer"].update(email=None, phone=None), "customer"),
        (lambda e: e["customer"].update(timezone="Mars/Olympus"), "customer.timezone"),
        (lambda e: e.update(customer="C-1042"), "customer"),
        (lambda e: e.update(attributes=["not", "an", "object"]), "attributes"),
    ],
)
def test_invalid_event_is_400_naming_the_field(
    client: Client, mutate: Callable[..., object], field: str
) -> None:
    event = unique_event()
    broken = json.loads(json.dumps(event))
    mutate(broken)
    body = body_of(broken)
    refused = client.post_event(body, headers=_signed(body))
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "validation_error"
    assert field in {d["field"] for d in error["details"]}
    assert client.post_event(body_of(event)).status_code == 202


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2, 3]", b"", "\u00e9".encode("latin-1")])
def test_malformed_body_is_400(client: Client, body: bytes) -> None:
    refused = client.post_event(body, headers=_signed(body))
    assert refused.status_code == 400
    assert refused.json()["error"]["details"][0]["field"] == "body"


def test_body_over_256_kb_is_413_and_stores_nothing(client: Client) -> None:
    event = unique_event()
    huge = dict(event, attributes={"notes": "x" * (256 * 1024)})
    body = body_of(huge)
    refused = client.post_event(body, headers=_signed(body))
    assert refused.status_code == 413
    assert refused.json()["error"]["code"] == "payload_too_large"
    assert client.post_event(body_of(event)).status_code == 202


def _survey_url(client: Client, touchpoint: str | None = None) -> str:
    event = unique_event()
    if touchpoint:
        event["touchpoint"]["id"] = touchpoint
    assert client.post_event(body_of(event)).status_code == 202
    return str(client.message_to(event["customer"]["email"])["survey_url"])


def test_unknown_or_malformed_token_gets_a_friendly_404_page(client: Client) -> None:
    for token in ("A" * 43, "short", "%3Cscript%3Ealert(1)%3C"):
        page = client.http.get(client.url(f"/s/{token}"), timeout=10)
        assert page.status_code == 404
        assert "text/html" in page.headers["Content-Type"]
        assert "Traceback" not in page.text and "encuesta" in page.text.lower()
        assert "<script>" not in page.text
    posted = client.http.post(client.url(f"/s/{'B' * 43}"), data={"nps": "5"}, timeout=10)
    assert posted.status_code == 404


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"nps": "11"}, "answers.nps"),
        ({"nps": "5", "csat": "0"}, "answers.csat"),
        ({"nps": "-1"}, "answers.nps"),
        ({"nps": "5", "ces": "8"}, "answers.ces"),
        ({"nps": "ten"}, "answers.nps"),
        ({"csat": "3"}, "answers.nps"),
    ],
)
def test_out_of_range_answers_are_400_and_record_nothing(
    client: Client, answers: dict[str, str], field: str
) -> None:
    url = _survey_url(client)
    refused = client.http.post(url, json={"answers": answers}, timeout=10)
    assert refused.status_code == 400
    assert field in {d["field"] for d in refused.json()["error"]["details"]}
    as_form = client.http.post(url, data=answers, timeout=10)
    assert as_form.status_code == 400 and "text/html" in as_form.headers["Content-Type"]
    assert client.http.post(url, json={"answers": {"nps": 8}}, timeout=10).status_code == 201


def test_second_submission_is_409_and_records_once(client: Client) -> None:
    touchpoint = f"quito-norte/desk-{uuid.uuid4().hex[:8]}"
    url = _survey_url(client, touchpoint)
    assert client.http.post(url, data={"nps": "9"}, timeout=10).status_code == 200
    again = client.http.post(url, data={"nps": "0", "comment": "changed my mind"}, timeout=10)
    assert again.status_code == 409
    as_json = client.http.post(url, json={"answers": {"nps": 0}}, timeout=10)
    assert as_json.status_code == 409
    assert as_json.json()["error"]["code"] == "already_answered"
    assert client.http.get(url, timeout=10).status_code == 409
    # Each repeat before scoring hands the response on again; scoring counts it once. A second
    # customer's answer at the same desk, counted after them, shows the first counted once.
    marker = _survey_url(client, touchpoint)
    assert client.http.post(marker, json={"answers": {"nps": 0}}, timeout=10).status_code == 201
    counted = wait_for(lambda: (m := metrics_of(client, touchpoint))["nps"]["detractors"] == 1 and m)
    assert (counted["responses"], counted["nps"]["promoters"]) == (2, 1)
    late = client.http.post(url, json={"answers": {"nps": 0}}, timeout=10)
    assert late.status_code == 409 and late.json()["error"]["code"] == "already_answered"


def test_markup_in_comment_is_stored_as_text_and_never_rendered(client: Client) -> None:
    url = _survey_url(client)
    comment = '<script>alert("x")</script><b>slow</b>'
    rerendered = client.http.post(url, data={"nps": "99", "comment": comment}, timeout=10)
    assert rerendered.status_code == 400
    assert "<script>alert" not in rerendered.text
    assert "&lt;script&gt;alert" in rerendered.text
    assert client.http.post(url, data={"nps": "1", "comment": comment}, timeout=10).status_code == 200
    alert = _wait_alert_for_comment(client, comment)
    assert alert["comment"] == comment


def _wait_alert_for_comment(client: Client, comment: str) -> dict[str, object]:
    return wait_for(
        lambda: next(
            (
                t
                for t in client.staff_get("/v1/tickets?limit=200").json()["items"]
                if t.get("comment") == comment
            ),
            None,
        )
    )


def test_staff_api_refuses_missing_forged_and_expired_tokens(client: Client) -> None:
    assert client.http.get(client.url("/v1/tickets"), timeout=10).status_code == 401
    forged = mint_token("a-different-secret-of-enough-length-32b", role="executive")
    expired = mint_token(STAFF_TOKEN_SECRET, role="executive", ttl_s=-10)
    for token in (forged, expired, "not.a.jwt"):
        answer = client.staff_get("/v1/tickets", token=token)
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "unauthorized"
    assert client.staff_get("/v1/tickets/CX-DOESNOTEXIST").status_code == 404
    bad_limit = client.staff_get("/v1/tickets?limit=0")
    assert bad_limit.status_code == 400
    assert bad_limit.json()["error"]["details"][0]["field"] == "limit"
