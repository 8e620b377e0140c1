"""One JSON call to a helpdesk's or CRM's REST API, over stdlib HTTP (a call at a time needs
no client library in the layer), with the answers every connector reads alike: 429 is the
tool's rate limit (RateLimited, after its Retry-After), 5xx is worth retrying (Unavailable, so
SQS retries the step), and any other 4xx is a refusal retrying will not change.

Used by Zendesk's and ServiceNow's adapters (cxloop.adapters.helpdesks,
cxloop.adapters.servicenow) as is, and by Salesforce's (cxloop.adapters.salesforce_cases)
with its own reading of a few more statuses.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from cxloop.domain.integrations.helpdesk_ports import HelpdeskRefused, RateLimited
from cxloop.domain.kernel.errors import Unavailable

TIMEOUT_S = 8
TOO_MANY_REQUESTS = 429
Translate = Callable[[urllib.error.HTTPError, str], Exception]


def json_request(
    url: str, *, method: str, authorization: str, body: dict[str, Any] | None = None
) -> urllib.request.Request:
    return urllib.request.Request(  # noqa: S310 - the connector's https instance URL
        url,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={
            "Authorization": authorization,
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )


def answer_of(request: urllib.request.Request, operation: str, translate: Translate) -> dict[str, Any]:
    """The JSON object answered ({} for an empty answer, as a 204); an HTTP error as `translate`
    reads it; no answer at all (refused, timed out) is Unavailable."""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:  # noqa: S310 - as above
            data = answer.read()
    except urllib.error.HTTPError as error:
        raise translate(error, operation) from error
    except (urllib.error.URLError, TimeoutError) as error:
        raise Unavailable(f"{operation} unreachable: {type(error).__name__}") from error
    document = json.loads(data) if data else {}
    return document if isinstance(document, dict) else {}


def usual_reading(default_wait_s: int) -> Translate:
    """429 -> RateLimited (its Retry-After, else `default_wait_s`); 5xx -> Unavailable; other
    4xx -> HelpdeskRefused."""

    def translate(error: urllib.error.HTTPError, operation: str) -> Exception:
        if error.code == TOO_MANY_REQUESTS:
            return RateLimited(retry_after_s(error.headers.get("Retry-After"), default_wait_s))
        if error.code >= 500:
            return Unavailable(f"{operation} answered {error.code}")
        return HelpdeskRefused(f"{operation} answered {error.code}")

    return translate


def retry_after_s(value: str | None, default_s: int) -> int:
    """Retry-After in seconds (the HTTP-date form is not used by these tools), else the default."""
    try:
        return max(0, int(str(value).strip()))
    except ValueError:
        return default_s
