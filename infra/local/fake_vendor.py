"""What the local recorded fakes of the helpdesk vendors share (infra/local/fake_zendesk.py,
infra/local/fake_servicenow.py, infra/local/fake_salesforce.py): the on-demand rate limit of
their APIs, Basic authentication, JSON in and out, and the POST of a signed webhook/callback
to cxloop. Each vendor's wire formats (error bodies, Retry-After, signatures, date formats)
stay in its own fake.
"""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Mapping
from typing import Any

import requests
from werkzeug.wrappers import Request, Response


class Throttle:
    """A fake's on-demand rate limit: after `control` {"requests": n, "retry_after": s} the next
    n API calls are refused. It holds no lock: a fake calls it under the lock its API holds."""

    def __init__(self) -> None:
        self.requests = 0
        self.retry_after = 0
        # What a refused call answers, for a fake that lets the caller choose it (Salesforce's).
        self.status = 429

    def control(self, asked: Mapping[str, Any]) -> dict[str, int]:
        """Apply a POST .../_throttle body; answers {"requests", "retry_after"} now in force."""
        self.requests = int(asked.get("requests", 1))
        self.retry_after = int(asked.get("retry_after", 1))
        return {"requests": self.requests, "retry_after": self.retry_after}

    def refuses_next(self) -> bool:
        """Whether the API call being answered is over the limit (and counts it if so)."""
        if self.requests <= 0:
            return False
        self.requests -= 1
        return True


def basic_auth_matches(request: Request, expected: str) -> bool:
    """Whether the request's Basic Authorization header holds `expected` ("user:password")."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(credentials, validate=True)
    except ValueError:
        return False
    return hmac.compare_digest(decoded, expected.encode())


def json_response(status: int, document: object) -> Response:
    return Response(json.dumps(document, ensure_ascii=False), status=status, mimetype="application/json")


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; {} for an empty, malformed or non-object body."""
    try:
        document = json.loads(request.get_data() or b"{}")
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def post_callback(url: str, body: bytes, headers: Mapping[str, str], *, timeout_s: float) -> dict[str, Any]:
    """POST a vendor's signed JSON body to cxloop's /v1/connectors/{name}/events; answers what
    cxloop answered: {"status", "body"} (body None when it was not JSON)."""
    answer = requests.post(
        url, data=body, headers={"Content-Type": "application/json", **headers}, timeout=timeout_s
    )
    try:
        document = answer.json()
    except ValueError:
        document = None
    return {"status": answer.status_code, "body": document}
