"""Acting as an ERP: sign and POST events exactly as the webhook contract asks (README.md):
the body's HMAC-SHA256 with a timestamp, in two headers."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import requests

from cxloop.domain.kernel.signature import sign

TIMEOUT_S = 10


def signed_headers(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    stamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "X-Cx-Timestamp": str(stamp),
        "X-Cx-Signature": sign(secret, stamp, body),
    }


def event_body(event: Mapping[str, Any]) -> bytes:
    """An event as an ERP sends it: UTF-8 JSON, names and comments unescaped."""
    return json.dumps(event, ensure_ascii=False).encode()


def post_event(
    base_url: str, body: bytes, secret: str, session: requests.Session | None = None
) -> requests.Response:
    """POST /v1/events, signed with `secret`; `session` reuses a connection (one per thread)."""
    http = session or requests.Session()
    return http.post(
        f"{base_url.rstrip('/')}/v1/events",
        data=body,
        headers=signed_headers(body, secret),
        timeout=TIMEOUT_S,
    )
