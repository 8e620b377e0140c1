"""The Zendesk adapter over real HTTP against the local Zendesk (infra/local/fake_zendesk.py):
it creates, finds by external_id and updates tickets, and turns the answers it cannot use into
the domain's errors: 429 -> RateLimited with Retry-After, 401 -> HelpdeskRefused, nobody
listening -> Unavailable."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from cxloop.adapters.helpdesks import ZendeskTickets
from cxloop.domain.integrations.cases import CaseDraft, CaseUpdate
from cxloop.domain.integrations.helpdesk_ports import HelpdeskRefused, RateLimited
from cxloop.domain.kernel.errors import Unavailable
from infra.local.fake_zendesk import ZENDESK_PATH, FakeZendesk, ZendeskAccount
from infra.local.runtime import free_port
from tests.fake_vendors import served

ACCOUNT = ZendeskAccount("agent@example.com", "token-1", "signing-1", "http://127.0.0.1:9/unused")
DRAFT = CaseDraft(
    external_id="CX-ADAPTER01",
    subject="[CX-ADAPTER01] claim at Claims desk: NPS 2",
    description="cxloop case CX-ADAPTER01",
    priority="high",
    tags=("cxloop", "claim"),
    due_at=datetime(2026, 12, 8, 17, 0, tzinfo=UTC),
    link="https://cx.example.com/v1/tickets/CX-ADAPTER01",
)


@pytest.fixture
def zendesk() -> Iterator[tuple[FakeZendesk, str]]:
    fake = FakeZendesk(ACCOUNT)
    with served(fake) as base_url:
        yield fake, f"{base_url}{ZENDESK_PATH}"


def test_create_find_and_update(zendesk: tuple[FakeZendesk, str]) -> None:
    fake, url = zendesk
    tickets = ZendeskTickets(url, email=ACCOUNT.email, api_token=ACCOUNT.api_token)
    assert tickets.find_case("CX-ADAPTER01") is None
    case_id = tickets.create_case(DRAFT)
    assert tickets.find_case("CX-ADAPTER01") == case_id
    tickets.update_case(case_id, CaseUpdate(status="solved", comment="done in cxloop"))
    stored = fake.tickets[int(case_id)]
    assert (stored["status"], stored["priority"], stored["comments"][-1]["body"]) == (
        "solved",
        "high",
        "done in cxloop",
    )
    assert stored["comments"][-1]["public"] is False


def test_refusals_become_the_domains_errors(zendesk: tuple[FakeZendesk, str]) -> None:
    _, url = zendesk
    tickets = ZendeskTickets(url, email=ACCOUNT.email, api_token=ACCOUNT.api_token)
    requests.post(f"{url}/_throttle", json={"requests": 1, "retry_after": 37}, timeout=5).raise_for_status()
    with pytest.raises(RateLimited) as limited:
        tickets.find_case("CX-ADAPTER01")
    assert limited.value.retry_after_s == 37
    with pytest.raises(HelpdeskRefused):
        ZendeskTickets(url, email=ACCOUNT.email, api_token="wrong").find_case("CX-ADAPTER01")
    with pytest.raises(Unavailable):
        ZendeskTickets(f"http://127.0.0.1:{free_port()}", email="a", api_token="b").find_case("CX-1")
