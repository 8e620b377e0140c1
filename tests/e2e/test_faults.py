"""The loop while AWS misbehaves: the local stand-in throttles, fails or drops a tenth of the
functions' AWS requests (infra/local/faults.py, below the SDK's retries, as AWS does). Nothing
is lost, no state is doubled, and no function log line carries a customer's personal data or
survey link. The full-scale figures come from tests/benchmarks/faults.py."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from infra.local.analytics import lake_location
from infra.local.auth import mint_token
from infra.local.defaults import STAFF_TOKEN_SECRET, WEBHOOK_SECRET
from infra.local.erp import signed_headers
from infra.local.faults import set_faults, stop_faults
from infra.ops.queues import redrive_when_quiet
from infra.ops.targets import LocalTarget
from tests.e2e.conftest import Client, start_runtime, wait_for
from tests.helpers import load_event

pytestmark = pytest.mark.e2e

CUSTOMERS = 12
# Every other customer is a detractor who writes a comment a log must never show.
DETRACTOR_COMMENT = "Me atendió mal la señora del mostrador {tag}"
SHARE = 0.1
PERMISSIVE_POLICY = {"quiet_start": None, "quiet_end": None, "min_gap_hours": 0, "cap_messages": 100}


@pytest.fixture(scope="module")
def faulted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Client, str]]:
    served = start_runtime(tmp_path_factory.mktemp("faulted"))
    client = Client(served.base_url, served.log_file)
    endpoint, _ = lake_location(served.base_url)
    executive = mint_token(STAFF_TOKEN_SECRET, role="executive", scope="all", user="ops-test")
    published = client.http.put(
        client.url("/v1/config/contact_policy"),
        json={"document": PERMISSIVE_POLICY, "note": "this test is about faults, not manners"},
        headers={"Authorization": f"Bearer {executive}"},
        timeout=10,
    )
    assert published.status_code in (200, 201), published.text
    yield client, endpoint
    served.stop()


def customer_event(n: int) -> dict[str, Any]:
    event = load_event("erp/claim_reported")
    tag = uuid.uuid4().hex[:8]
    event["event_id"] = f"fault-{tag}"
    event["customer"] |= {
        "id": f"F-{tag}",
        "name": f"Rosa Faulted{tag}",
        "email": f"rosa.{tag}@example.com",
        "phone": f"+59399{n:07d}",
    }
    return event


def answer(client: Client, survey_url: str, detractor: bool, tag: str) -> None:
    form = (
        {"nps": "2", "csat": "1", "ces": "2", "comment": DETRACTOR_COMMENT.format(tag=tag)}
        if detractor
        else {"nps": "10", "csat": "5", "ces": "7"}
    )
    page = client.http.post(survey_url, data=form, timeout=30)
    assert page.status_code == 200, page.text[:300]


def test_a_tenth_of_aws_requests_faulted_loses_nothing_and_doubles_no_state(
    faulted: tuple[Client, str],
) -> None:
    """As an operator lives it: the faults come and go, and what failed its retries waits in a
    dead-letter queue until `cxloop ops dlq redrive` moves it back."""
    client, endpoint = faulted
    events = [customer_event(n) for n in range(CUSTOMERS)]
    emails = {e["customer"]["email"] for e in events}
    injected: Counter[str] = Counter()
    with faults(endpoint, injected):
        for event in events:
            _post_until_taken(client, event)
        _settle(lambda: {m["to"] for m in client.outbox()} >= emails)
    redrive_all(client)
    links = {email: client.message_to(email, timeout_s=60) for email in emails}

    detractor_ids = {e["customer"]["id"] for n, e in enumerate(events) if n % 2 == 0}
    with faults(endpoint, injected):
        for n, event in enumerate(events):
            tag = event["event_id"].removeprefix("fault-")
            answer(client, links[event["customer"]["email"]]["survey_url"], detractor=n % 2 == 0, tag=tag)
        _settle(lambda: _tickets_of(client, detractor_ids) is not None)
    redrive_all(client)
    tickets = wait_for(lambda: _tickets_of(client, detractor_ids), timeout_s=90)
    wait_for(lambda: _alerted(client, tickets) or None, timeout_s=90)

    assert sum(injected.values()) > 0, "the run was meant to be faulted"
    # Nothing lost: every customer surveyed, every detractor ticketed (above) and alerted.
    assert {m["to"] for m in client.outbox()} >= emails
    # No state doubled: one ticket per detractor's response.
    assert Counter(t["response_id"] for t in tickets) == Counter({t["response_id"]: 1 for t in tickets})
    _assert_no_personal_data_in(client.log_file, events, links)


@contextmanager
def faults(endpoint: str, injected: Counter[str]) -> Iterator[None]:
    """Fault a share of the stand-in's requests while the block runs; count what it injected."""
    set_faults(endpoint, SHARE, seed=11)
    try:
        yield
    finally:
        injected.update(stop_faults(endpoint))


def _post_until_taken(client: Client, event: dict[str, Any]) -> None:
    """As an ERP does: a 503 keeps the event, and the retry dispatches it."""
    body = json.dumps(event, ensure_ascii=False).encode()
    wait_for(
        lambda: (
            client.post_event(body, signed_headers(body, WEBHOOK_SECRET)).status_code in (200, 202) or None
        ),
        timeout_s=30,
    )


def _settle(done: Callable[[], bool], timeout_s: float = 45) -> None:
    """Wait until done() or the timeout, without failing: what is not done by then is in a
    dead-letter queue or on its way there."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not done():
        time.sleep(0.2)


def redrive_all(client: Client) -> None:
    redrive_when_quiet(LocalTarget(client.base_url), progress=print)


def _tickets_of(client: Client, customer_ids: set[str]) -> list[dict[str, Any]] | None:
    """The detractors' tickets once each has one (or more: the test then says so)."""
    answered = client.staff_get("/v1/tickets?limit=200")
    if answered.status_code != 200:
        return None
    ours = [t for t in answered.json()["items"] if t["customer"]["id"] in customer_ids]
    return ours if {t["customer"]["id"] for t in ours} == customer_ids else None


def _alerted(client: Client, tickets: list[dict[str, Any]]) -> bool:
    alerted = {a["attributes"]["ticket_id"] for a in client.alerts()}
    return all(t["ticket_id"] in alerted for t in tickets)


def _assert_no_personal_data_in(log_file: Path, events: list[dict[str, Any]], links: dict[str, Any]) -> None:
    logs = log_file.read_text(encoding="utf-8")
    assert "correlation_id" in logs
    for event in events:
        customer = event["customer"]
        for personal in (customer["name"], customer["email"], customer["phone"]):
            assert personal not in logs
        tag = event["event_id"].removeprefix("fault-")
        assert DETRACTOR_COMMENT.format(tag=tag) not in logs
    for message in links.values():
        token = re.search(r"/s/([A-Za-z0-9_-]+)", message["survey_url"])
        assert token and token.group(1) not in logs
