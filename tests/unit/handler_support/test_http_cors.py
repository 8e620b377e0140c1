"""CORS on the staff API's answers (cxloop.http): the dashboard's origin, and only it, is echoed
back with Vary: Origin, on successes and on the contract's errors alike, so a cross-origin
dashboard reads a 403 as a 403 and not as a CORS failure."""

from __future__ import annotations

from typing import Any

import pytest

from cxloop.domain.kernel.errors import Forbidden
from cxloop.http import allowed_origins_from, make_resolver
from tests.helpers import load_event

DASHBOARD = "https://d111111abcdef8.cloudfront.net"


def resolve(origins: tuple[str, ...], path: str, origin: str | None) -> dict[str, Any]:
    app = make_resolver(origins=origins)

    @app.get("/v1/tickets")
    def tickets() -> dict[str, Any]:
        return {"items": []}

    @app.get("/v1/tickets/<ticket_id>")
    def ticket(ticket_id: str) -> dict[str, Any]:
        raise Forbidden(f"not yours: {ticket_id}")

    event = load_event("apigw/tickets_list")
    event.update(path=path, resource=path)
    event["headers"] = {**(event.get("headers") or {}), **({"Origin": origin} if origin else {})}
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    return app.resolve(event, None)  # type: ignore[arg-type]  # no context needed here


def headers_of(answer: dict[str, Any]) -> dict[str, str]:
    merged = {k: ",".join(v) for k, v in (answer.get("multiValueHeaders") or {}).items()}
    return {**merged, **(answer.get("headers") or {})}


@pytest.mark.parametrize("path", ["/v1/tickets", "/v1/tickets/T-1"])
def test_the_dashboards_origin_is_echoed_on_answers_and_errors(path: str) -> None:
    answer = resolve((DASHBOARD,), path, DASHBOARD)
    headers = headers_of(answer)
    assert answer["statusCode"] == (200 if path == "/v1/tickets" else 403)
    assert headers["Access-Control-Allow-Origin"] == DASHBOARD
    assert headers["Vary"] == "Origin"
    assert "Authorization" in headers["Access-Control-Allow-Headers"]


def test_another_origin_gets_no_cors_headers() -> None:
    headers = headers_of(resolve((DASHBOARD,), "/v1/tickets", "https://evil.example"))
    assert not any(name.lower().startswith("access-control-") for name in headers)


def test_without_configured_origins_there_is_no_cors_at_all() -> None:
    headers = headers_of(resolve((), "/v1/tickets", DASHBOARD))
    assert "Access-Control-Allow-Origin" not in headers


def test_the_configured_origins_are_read_and_a_wildcard_is_refused() -> None:
    assert allowed_origins_from({}) == ()
    assert allowed_origins_from({"CXLOOP_ALLOWED_ORIGINS": f"{DASHBOARD}/, http://127.0.0.1:8000"}) == (
        DASHBOARD,
        "http://127.0.0.1:8000",
    )
    for wrong in ("*", "https://*.cloudfront.net", "https://x.example/path", "d1.cloudfront.net"):
        with pytest.raises(ValueError, match="CXLOOP_ALLOWED_ORIGINS"):
            allowed_origins_from({"CXLOOP_ALLOWED_ORIGINS": wrong})
