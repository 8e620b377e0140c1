"""The Salesforce adapter over real HTTP against the local Salesforce
(infra/local/fake_salesforce.py): it gets a token with the client-credentials flow and keeps
it, fetches a new one once when a session expired, upserts a Case on cxloop's external id
(once, however often it is retried), closes it with an internal comment, and turns the answers
it cannot use into the domain's errors: 429 and 503 with Retry-After and 403
REQUEST_LIMIT_EXCEEDED -> RateLimited, wrong credentials -> HelpdeskRefused, nobody listening
-> Unavailable."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from cxloop.adapters.salesforce_cases import DEFAULT_RETRY_AFTER_S, SalesforceCases
from cxloop.domain.integrations.cases import CaseDraft, CaseUpdate
from cxloop.domain.integrations.connectors import Connector
from cxloop.domain.integrations.helpdesk_ports import HelpdeskRefused, RateLimited
from cxloop.domain.kernel.errors import Unavailable
from infra.local.fake_salesforce import SALESFORCE_PATH, FakeSalesforce, SalesforceOrg
from infra.local.runtime import free_port
from tests.fake_vendors import served

ORG = SalesforceOrg("consumer-key", "consumer-secret", "signing-1", "http://127.0.0.1:9/unused")
CONNECTOR = Connector.model_validate(
    {
        "name": "salesforce",
        "vendor": "salesforce",
        "instance_url": "https://acme.my.salesforce.com",
        "secret": "cxloop/connectors/salesforce",
        "teams": ["quito-sur-claims"],
    }
)
DRAFT = CaseDraft(
    external_id="CX-ADAPTER01",
    subject="[CX-ADAPTER01] claim at Claims desk: NPS 2",
    description="cxloop case CX-ADAPTER01",
    priority="High",
    tags=("cxloop", "claim"),
    due_at=datetime(2026, 12, 8, 17, 0, tzinfo=UTC),
    link="https://cx.example.com/v1/tickets/CX-ADAPTER01",
)


@pytest.fixture
def salesforce() -> Iterator[tuple[FakeSalesforce, str]]:
    fake = FakeSalesforce(ORG)
    with served(fake) as base_url:
        yield fake, f"{base_url}{SALESFORCE_PATH}"


def cases_for(url: str, secret: str = ORG.client_secret) -> SalesforceCases:
    return SalesforceCases(url, client_id=ORG.client_id, client_secret=secret)


def test_upsert_find_and_close_with_one_token(salesforce: tuple[FakeSalesforce, str]) -> None:
    fake, url = salesforce
    cases = cases_for(url)
    assert cases.find_case("CX-ADAPTER01") is None
    case_id = cases.create_case(DRAFT)
    # A retry of the create (its answer lost) updates the same Case.
    assert cases_for(url).create_case(DRAFT) == case_id
    assert cases.find_case("CX-ADAPTER01") == case_id
    cases.update_case(case_id, CaseUpdate(status="solved", comment="done in cxloop"))
    stored = fake.cases[case_id]
    assert len(fake.cases) == 1
    assert (stored["Status"], stored["IsClosed"], stored["Priority"], stored["Origin"]) == (
        "Closed",
        True,
        "High",
        "Web",
    )
    assert [(c["CommentBody"], c["IsPublished"]) for c in stored["comments"]] == [("done in cxloop", False)]
    tokens = [c for c in fake.calls if c["path"].endswith("/oauth2/token")]
    assert len(tokens) == 1  # kept across adapters for one connected app


def test_an_expired_session_gets_a_new_token_once(salesforce: tuple[FakeSalesforce, str]) -> None:
    fake, url = salesforce
    cases = cases_for(url)
    case_id = cases.create_case(DRAFT)
    requests.post(f"{url}/_expire_sessions", timeout=5).raise_for_status()
    cases.update_case(case_id, CaseUpdate(comment="after the session expired"))
    statuses = [(c["method"], c["status"]) for c in fake.calls]
    assert statuses[-3:] == [("POST", 401), ("POST", 200), ("POST", 201)]
    assert fake.cases[case_id]["comments"][-1]["CommentBody"] == "after the session expired"


@pytest.mark.parametrize(
    ("status", "waited"), [(429, 37), (503, 37), (403, DEFAULT_RETRY_AFTER_S)], ids=["429", "503", "403"]
)
def test_over_the_orgs_limits_is_rate_limited(
    salesforce: tuple[FakeSalesforce, str], status: int, waited: int
) -> None:
    _, url = salesforce
    cases = cases_for(url)
    assert cases.find_case("CX-ADAPTER01") is None  # a token first
    throttle = {"requests": 1, "retry_after": 37, "status": status}
    requests.post(f"{url}/_throttle", json=throttle, timeout=5).raise_for_status()
    with pytest.raises(RateLimited) as limited:
        cases.create_case(DRAFT)
    assert limited.value.retry_after_s == waited


def test_refusals_become_the_domains_errors(salesforce: tuple[FakeSalesforce, str]) -> None:
    _, url = salesforce
    with pytest.raises(HelpdeskRefused):
        cases_for(url, secret="wrong").find_case("CX-ADAPTER01")
    cases = cases_for(url)
    with pytest.raises(HelpdeskRefused):
        cases.update_case("500000000000099AAA", CaseUpdate(status="solved"))
    with pytest.raises(HelpdeskRefused):
        cases.create_case(DRAFT.model_copy(update={"priority": "Urgent"}))
    with pytest.raises(Unavailable):
        cases_for(f"http://127.0.0.1:{free_port()}").find_case("CX-1")
    with pytest.raises(Unavailable):
        SalesforceCases.for_connector(CONNECTOR, {"client_id": "only"})


def test_cases_are_keyed_on_the_field_the_connector_names() -> None:
    org = SalesforceOrg(
        ORG.client_id, ORG.client_secret, "signing-1", "http://127.0.0.1:9/unused", "Cx_Key__c"
    )
    fake = FakeSalesforce(org)

    with served(fake) as base_url:
        url = f"{base_url}{SALESFORCE_PATH}"
        connector = CONNECTOR.model_copy(update={"instance_url": url, "external_id_field": "Cx_Key__c"})
        secret = {"client_id": ORG.client_id, "client_secret": ORG.client_secret}
        cases = SalesforceCases.for_connector(connector, secret)
        case_id = cases.create_case(DRAFT)
        assert cases.find_case(DRAFT.external_id) == case_id
        assert fake.cases[case_id]["Cx_Key__c"] == DRAFT.external_id
