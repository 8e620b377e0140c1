"""The ServiceNow adapter over real HTTP against the local ServiceNow (infra/local/
fake_servicenow.py): it creates incidents keyed on correlation_id, finds them by that key,
patches work notes and states (resolving with a resolution code and notes), and turns the
answers it cannot use into the domain's errors: 429 -> RateLimited with Retry-After,
401 -> HelpdeskRefused, nobody listening -> Unavailable."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from cxloop.adapters.servicenow import ServiceNowIncidents
from cxloop.domain.integrations.cases import CaseDraft, CaseUpdate
from cxloop.domain.integrations.helpdesk_ports import HelpdeskRefused, RateLimited
from cxloop.domain.kernel.errors import Unavailable
from infra.local.fake_servicenow import SERVICENOW_PATH, FakeServiceNow, ServiceNowInstance
from infra.local.runtime import free_port
from tests.fake_vendors import served

INSTANCE = ServiceNowInstance("cxloop.integration", "pw-1", "signing-1", "http://127.0.0.1:9/unused")
DRAFT = CaseDraft(
    external_id="CX-ADAPTER01",
    subject="[CX-ADAPTER01] claim at Claims desk: NPS 2",
    description="cxloop case CX-ADAPTER01",
    priority="2",
    tags=("cxloop", "claim"),
    due_at=datetime(2026, 12, 8, 17, 0, tzinfo=UTC),
    link="https://cx.example.com/v1/tickets/CX-ADAPTER01",
)


@pytest.fixture
def servicenow() -> Iterator[tuple[FakeServiceNow, str]]:
    fake = FakeServiceNow(INSTANCE)
    with served(fake) as base_url:
        yield fake, f"{base_url}{SERVICENOW_PATH}"


def incidents(url: str) -> ServiceNowIncidents:
    return ServiceNowIncidents(url, username=INSTANCE.username, password=INSTANCE.password)


def test_create_find_comment_and_resolve(servicenow: tuple[FakeServiceNow, str]) -> None:
    fake, url = servicenow
    desk = incidents(url)
    assert desk.find_case("CX-ADAPTER01") is None
    sys_id = desk.create_case(DRAFT)
    assert desk.find_case("CX-ADAPTER01") == sys_id
    stored = fake.incidents[sys_id]
    assert (stored["priority"], stored["impact"], stored["urgency"]) == ("2", "1", "2")
    assert (stored["due_date"], stored["correlation_display"]) == ("2026-12-08 17:00:00", "cxloop")

    desk.update_case(sys_id, CaseUpdate(comment="Cliente contactado"))
    desk.update_case(sys_id, CaseUpdate(status="solved", comment="done in cxloop"))
    assert (stored["state"], stored["close_code"], stored["close_notes"]) == (
        "6",
        "Solution provided",
        "done in cxloop",
    )
    assert [n["value"] for n in stored["work_notes"]] == ["Cliente contactado", "done in cxloop"]
    desk.update_case(sys_id, CaseUpdate(status="open", comment="reopened"))
    assert stored["state"] == "2"
    # Every lookup was the exact correlation_id query, one record at most.
    lookups = [c["query"] for c in fake.calls if c["method"] == "GET"]
    assert all("sysparm_query=correlation_id%3DCX-ADAPTER01" in q and "sysparm_limit=1" in q for q in lookups)


def test_refusals_become_the_domains_errors(servicenow: tuple[FakeServiceNow, str]) -> None:
    _, url = servicenow
    requests.post(f"{url}/_throttle", json={"requests": 1, "retry_after": 37}, timeout=5).raise_for_status()
    with pytest.raises(RateLimited) as limited:
        incidents(url).find_case("CX-ADAPTER01")
    assert limited.value.retry_after_s == 37
    with pytest.raises(HelpdeskRefused):
        ServiceNowIncidents(url, username=INSTANCE.username, password="wrong").find_case("CX-ADAPTER01")
    with pytest.raises(HelpdeskRefused):
        incidents(url).find_case("CX-1^ORcorrelation_idISNOTEMPTY")
    with pytest.raises(Unavailable):
        ServiceNowIncidents(f"http://127.0.0.1:{free_port()}", username="a", password="b").find_case("CX-1")
