"""ServiceNow's Table API (the `incident` table) as a Helpdesk (cxloop.domain.integrations.
helpdesk_ports), with basic authentication as the connector's integration user; stdlib HTTP,
as the Zendesk adapter (cxloop.adapters.helpdesks)."""

from __future__ import annotations

import base64
import urllib.parse
from typing import Any

from cxloop.adapters.vendor_http import answer_of, json_request, usual_reading
from cxloop.domain.integrations import servicenow
from cxloop.domain.integrations.cases import CaseDraft, CaseUpdate
from cxloop.domain.integrations.helpdesk_ports import HelpdeskRefused

TABLE = "/api/now/table/incident"
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
        request = json_request(
            self.base_url + path, method=method, authorization=self._authorization, body=body
        )
        operation = f"servicenow {method} {path.split('?', 1)[0]}"
        # A 403 is the incident's data policy or the user's ACLs: a refusal, as any other 4xx.
        return answer_of(request, operation, usual_reading(DEFAULT_RETRY_AFTER_S))
