"""The local runtime as users run it: `cxloop serve` in a subprocess, spoken to over HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from infra.local.analytics import lake_location
from infra.local.auth import mint_token
from infra.local.defaults import FAKE_KEY, REGION, STAFF_TOKEN_SECRET, WEBHOOK_SECRET
from infra.local.erp import signed_headers
from infra.local.served import Served, start_served
from tests.helpers import PERMISSIVE_CONTACT_POLICY

REPO = Path(__file__).resolve().parents[2]


def start_runtime(
    tmp: Path,
    contact_policy: dict[str, Any] | None = PERMISSIVE_CONTACT_POLICY,
    extra_args: tuple[str, ...] = (),
) -> Served:
    """`cxloop serve` run from the repository, its function logs in `tmp`, for a company whose
    analyst published `contact_policy` before any event: by default the permissive one, so
    surveys go out at once whatever the hour the tests run (tests.helpers says why); None
    leaves the default manners (quiet hours in the customer's zone)."""
    served = start_served(tmp / "fn.log", cwd=REPO, timeout_s=120, extra_args=extra_args)
    if contact_policy is not None:
        try:
            publish_contact_policy(served.base_url, contact_policy)
        except BaseException:
            served.stop()
            raise
    return served


def publish_contact_policy(base_url: str, document: dict[str, Any]) -> int:
    """PUT /v1/config/contact_policy as an executive, the way an analyst publishes it; its version."""
    token = mint_token(STAFF_TOKEN_SECRET, role="executive", user="e2e-analyst")
    answer = requests.put(
        f"{base_url}/v1/config/contact_policy",
        json={"document": document, "note": "the tests' company: surveys at once"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return int(answer.json()["version"])


@pytest.fixture(scope="session")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = start_runtime(tmp_path_factory.mktemp("runtime"))
    yield served
    served.stop()


class Client:
    """An ERP, a customer's phone and a staff member's browser, all over real HTTP."""

    def __init__(self, base_url: str, log_file: Path) -> None:
        self.base_url = base_url
        self.log_file = log_file
        self.http = requests.Session()
        self.staff_token = mint_token(STAFF_TOKEN_SECRET, role="executive", user="e2e-exec")

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def post_event(self, body: bytes, headers: dict[str, str] | None = None) -> requests.Response:
        sent = headers if headers is not None else signed_headers(body, WEBHOOK_SECRET)
        return self.http.post(self.url("/v1/events"), data=body, headers=sent, timeout=10)

    def outbox(self) -> list[dict[str, Any]]:
        return list(self.http.get(self.url("/_local/outbox"), timeout=10).json())

    def alerts(self) -> list[dict[str, Any]]:
        return list(self.http.get(self.url("/_local/alerts"), timeout=10).json())

    def staff_get(self, path: str, token: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token or self.staff_token}"}
        return self.http.get(self.url(path), headers=headers, timeout=10)

    def aws(self, service: str) -> Any:
        """A boto3 client of the runtime's own moto (GET /_local/aws says where it is)."""
        endpoint, _ = lake_location(self.base_url)
        # Any: the stubs type client() per literal service name, and this one is a parameter.
        session: Any = boto3.session.Session(
            aws_access_key_id=FAKE_KEY, aws_secret_access_key=FAKE_KEY, region_name=REGION
        )
        return session.client(service, endpoint_url=endpoint)

    def message_to(self, recipient: str, timeout_s: float = 10) -> dict[str, Any]:
        return wait_for(lambda: next((m for m in self.outbox() if m["to"] == recipient), None), timeout_s)


def wait_for(probe: Callable[[], Any], timeout_s: float = 10, interval_s: float = 0.05) -> Any:
    """Poll until `probe` answers something truthy; fail the test on timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(interval_s)
    pytest.fail(f"nothing arrived within {timeout_s} s")


@pytest.fixture
def client(runtime: Served) -> Client:
    return Client(runtime.base_url, runtime.log_file)
