"""ServiceNow's Table API (the `incident` table) as a Helpdesk (cxloop.domain.integrations.
helpdesk_ports), with basic authentication as the connector's integration user; stdlib HTTP,
as the Zendesk adapter (cxloop.adapters.helpdesks)."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from cxloop.domain.integrations import servicenow
from cxloop.domain.integrations.cases import CaseDraft, CaseUpdate
from cxloop.domain.integrations.helpdesk_ports import HelpdeskRefused, RateLimited
from cxloop.domain.kernel.errors import Unavailable

TABLE = "/api/now/table/incident"
TIMEOUT_S = 8
TOO_MANY_REQUESTS = 429
# A ServiceNow rate-limit rule counts requests per hour: without Retry-After, wait a minute.
DEFAULT_RETRY_AFTER_S = 60


class ServiceNowIncidents:
    def __init__(self, base_url: str, *, username: str, password: str) -> None:
        self.base_url = base_url.rstrip("/")
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self._authorization = f"Basic {token}"

    def find_case(self, external_id: str) -> str | None:
        # An encoded query's "^" joins conditions: a key holding one would widen the lookup.
        if "^" in external_id:
            raise HelpdeskRefused("a correlation id cannot hold '^'")
        query = urllib.parse.urlencode(
            {
                "sysparm_query": f"correlation_id={external_id}",
                "sysparm_limit": "1",
                "sysparm_fields": "sys_id,number",
            }
        )
        found = self._call("GET", f"{TABLE}?{query}")
        records = found.get("result") or []
        return str(records[0]["sys_id"]) if records else None

    def create_case(self, draft: CaseDraft) -> str:
        created = self._call("POST", TABLE, servicenow.incident_fields(draft))
        return str(created["result"]["sys_id"])

    def update_case(self, case_id: str, update: CaseUpdate) -> None:
        path = f"{TABLE}/{urllib.parse.quote(case_id, safe='')}"
        self._call("PATCH", path, servicenow.update_fields(update))

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - the URL is the connector's https instance URL
            self.base_url + path,
            data=data,
            method=method,
            headers={
                "Authorization": self._authorization,
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:  # noqa: S310 - as above
                return dict(json.loads(answer.read() or b"{}"))
        except urllib.error.HTTPError as error:
            raise _translated(error, f"servicenow {method} {path.split('?', 1)[0]}") from error
        except (urllib.error.URLError, TimeoutError) as error:
            raise Unavailable(f"servicenow {method} unreachable: {type(error).__name__}") from error


def _translated(error: urllib.error.HTTPError, operation: str) -> Exception:
    """429 -> RateLimited (its Retry-After); 5xx -> Unavailable (retried); other 4xx -> refused
    (a 403 is the incident's data policy or the user's ACLs: retrying will not help)."""
    if error.code == TOO_MANY_REQUESTS:
        return RateLimited(_seconds(error.headers.get("Retry-After")))
    if error.code >= 500:
        return Unavailable(f"{operation} answered {error.code}")
    return HelpdeskRefused(f"{operation} answered {error.code}")


def _seconds(value: str | None) -> int:
    try:
        return max(0, int(str(value).strip()))
    except ValueError:
        return DEFAULT_RETRY_AFTER_S
