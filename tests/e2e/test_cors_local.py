"""The local gateway as API Gateway behaves for a cross-origin dashboard, when
CXLOOP_ALLOWED_ORIGINS names its origin: staff routes answer the CORS preflight without a
token, the functions' answers and the gateway's own errors carry the origin, and another
origin gets none of it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import Client, Served, start_runtime

pytestmark = pytest.mark.e2e

DASHBOARD = "https://d111111abcdef8.cloudfront.net"
ELSEWHERE = "https://evil.example"


@pytest.fixture(scope="module")
def cross_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CXLOOP_ALLOWED_ORIGINS", DASHBOARD)
        served: Served = start_runtime(tmp_path_factory.mktemp("cors"))
    try:
        yield Client(served.base_url, served.log_file)
    finally:
        served.stop()


def preflight(client: Client, path: str, origin: str, method: str = "GET") -> dict[str, str]:
    answer = client.http.options(
        client.url(path),
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization",
        },
        timeout=10,
    )
    assert answer.status_code == 204, answer.text
    return dict(answer.headers)


def test_a_preflight_from_the_dashboard_is_answered_without_a_token(cross_origin: Client) -> None:
    headers = preflight(cross_origin, "/v1/tickets/T-123/actions", DASHBOARD, "POST")
    assert headers["Access-Control-Allow-Origin"] == DASHBOARD
    assert "Authorization" in headers["Access-Control-Allow-Headers"].split(",")
    assert "POST" in headers["Access-Control-Allow-Methods"].split(",")
    assert headers["Vary"] == "Origin"


def test_a_preflight_from_another_origin_is_not_allowed(cross_origin: Client) -> None:
    headers = preflight(cross_origin, "/v1/metrics", ELSEWHERE)
    assert "Access-Control-Allow-Origin" not in headers


def test_public_routes_answer_no_preflight(cross_origin: Client) -> None:
    answer = cross_origin.http.options(
        cross_origin.url("/v1/events"), headers={"Origin": DASHBOARD}, timeout=10
    )
    # No OPTIONS method there, as on AWS: the gateway's error (which, like API Gateway's
    # gateway responses, names the origin) and no methods or headers allowed.
    assert answer.status_code == 405
    # RFC 9110: a 405 names the methods the path does serve.
    assert answer.headers["Allow"] == "POST"
    assert answer.json()["error"]["code"] == "method_not_allowed"
    assert "Access-Control-Allow-Methods" not in answer.headers
    assert "Access-Control-Allow-Headers" not in answer.headers


def test_the_functions_answer_carries_the_dashboards_origin_only(cross_origin: Client) -> None:
    token = cross_origin.staff_token
    mine = cross_origin.http.get(
        cross_origin.url("/v1/metrics"),
        headers={"Authorization": f"Bearer {token}", "Origin": DASHBOARD},
        timeout=10,
    )
    assert mine.status_code == 200, mine.text
    assert mine.headers["Access-Control-Allow-Origin"] == DASHBOARD
    assert mine.headers["Vary"] == "Origin"
    theirs = cross_origin.http.get(
        cross_origin.url("/v1/metrics"),
        headers={"Authorization": f"Bearer {token}", "Origin": ELSEWHERE},
        timeout=10,
    )
    assert theirs.status_code == 200
    assert "Access-Control-Allow-Origin" not in theirs.headers


def test_the_gateways_401_carries_the_origin_so_the_page_can_say_sign_in_again(cross_origin: Client) -> None:
    refused = cross_origin.http.get(
        cross_origin.url("/v1/tickets"), headers={"Origin": DASHBOARD}, timeout=10
    )
    assert refused.status_code == 401
    assert refused.headers["Access-Control-Allow-Origin"] == DASHBOARD
    elsewhere = cross_origin.http.get(
        cross_origin.url("/v1/tickets"), headers={"Origin": ELSEWHERE}, timeout=10
    )
    assert "Access-Control-Allow-Origin" not in elsewhere.headers
