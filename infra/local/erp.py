"""Acting as an ERP: sign and POST events exactly as the contract asks (§3.1)."""

from __future__ import annotations

import time

import requests

from cxloop.domain.kernel.signature import sign


def signed_headers(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    stamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "X-Cx-Timestamp": str(stamp),
        "X-Cx-Signature": sign(secret, stamp, body),
    }


def post_event(
    base_url: str, body: bytes, secret: str, session: requests.Session | None = None
) -> tuple[int, object]:
    http = session or requests.Session()
    answer = http.post(
        f"{base_url.rstrip('/')}/v1/events", data=body, headers=signed_headers(body, secret), timeout=10
    )
    try:
        return answer.status_code, answer.json()
    except ValueError:
        return answer.status_code, answer.text
