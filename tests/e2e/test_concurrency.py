"""The local gateway runs one request at a time per function, like one Lambda execution
environment: concurrent staff actions each act on their own ticket, never a neighbour's."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.e2e.conftest import Client

pytestmark = pytest.mark.e2e


def test_concurrent_requests_to_one_function_never_share_an_event(client: Client) -> None:
    # Two routes of one function interleaved: a list (no path parameter, no body) and actions
    # (a path parameter and a validated body) on unknown ids.
    paths = [f"/v1/tickets/CX-NOSUCH{n:04d}/actions" if n % 2 else "/v1/tickets?limit=1" for n in range(400)]
    headers = {"Authorization": f"Bearer {client.staff_token}"}

    def call(path: str) -> tuple[str, int, str]:
        if path.endswith("/actions"):
            answer = requests.post(
                client.url(path), json={"action": "comment", "text": "x"}, headers=headers, timeout=30
            )
        else:
            answer = requests.get(client.url(path), headers=headers, timeout=30)
        return path, answer.status_code, answer.text

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(call, paths))
    # A shared resolver answers 502 (route arguments of another request) or mixes the ids up.
    for path, status, body in answers:
        if "NOSUCH" in path:
            assert status == 404 and f"no ticket {path.split('/')[3]}" in body, (path, status, body)
        else:
            assert status == 200 and '"items"' in body, (path, status, body)
