"""The helpdesks and CRMs cases are kept in, over their REST APIs (stdlib HTTP: one JSON call
at a time needs no client library in the layer). Zendesk here; ServiceNow's incidents in
cxloop.adapters.servicenow and Salesforce's cases in cxloop.adapters.salesforce_cases, all
behind the Helpdesk port (cxloop.domain.integrations.helpdesk_ports).

Each connector's credentials are a JSON secret in Secrets Manager, named by the connectors
document (cxloop.domain.integrations.connectors); read through Powertools' cache
(cxloop.adapters.secrets), so a rotated token lands within SECRET_CACHE_S.
"""

from __future__ import annotations

import base64
import urllib.parse
from typing import Any

from cxloop.adapters.salesforce_cases import SalesforceCases
from cxloop.adapters.secrets import secret_value
from cxloop.adapters.servicenow import ServiceNowIncidents
from cxloop.adapters.vendor_http import answer_of, json_request, usual_reading
from cxloop.domain.integrations import zendesk
from cxloop.domain.integrations.cases import CaseDraft, CaseUpdate
from cxloop.domain.integrations.connectors import Connector
from cxloop.domain.integrations.helpdesk_ports import Helpdesk, HelpdeskRefused
from cxloop.domain.kernel.errors import Unavailable

SECRET_CACHE_S = 300
# Zendesk's documented wait when a 429 comes without Retry-After.
DEFAULT_RETRY_AFTER_S = 60


def connector_secret(connector: Connector) -> dict[str, str]:
    """The connector's secret; Unavailable (503, or an SQS retry) when it cannot be read."""
    from aws_lambda_powertools.utilities.parameters.exceptions import (  # noqa: PLC0415
        GetParameterError,
        TransformParameterError,
    )

    try:
        document = secret_value(connector.secret, transform="json", max_age=SECRET_CACHE_S)
    except (GetParameterError, TransformParameterError) as exc:
        raise Unavailable(f"the secret of connector {connector.name} cannot be read") from exc
    if not isinstance(document, dict):
        raise Unavailable(f"the secret of connector {connector.name} is not a JSON object")
    return {str(k): str(v) for k, v in document.items()}


def signing_secrets(connector: Connector) -> tuple[str, ...]:
    """The current signing secret, and the previous one while a rotation settles."""
    secret = connector_secret(connector)
    return tuple(s for s in (secret.get("signing_secret"), secret.get("previous_signing_secret")) if s)


def helpdesk_for(connector: Connector) -> Helpdesk:
    if connector.vendor == "zendesk":
        secret = connector_secret(connector)
        if not secret.get("email") or not secret.get("api_token"):
            raise Unavailable(f"the secret of connector {connector.name} lacks email or api_token")
        return ZendeskTickets(connector.base_url, email=secret["email"], api_token=secret["api_token"])
    if connector.vendor == "servicenow":
        secret = connector_secret(connector)
        if not secret.get("username") or not secret.get("password"):
            raise Unavailable(f"the secret of connector {connector.name} lacks username or password")
        return ServiceNowIncidents(
            connector.base_url, username=secret["username"], password=secret["password"]
        )
    if connector.vendor == "salesforce":
        return SalesforceCases.for_connector(connector, connector_secret(connector))
    raise HelpdeskRefused(f"the {connector.vendor} connector is not available yet")


class ZendeskTickets:
    """Zendesk's Tickets API with an API token (basic auth as `{email}/token:{token}`)."""

    def __init__(self, base_url: str, *, email: str, api_token: str) -> None:
        self.base_url = base_url.rstrip("/")
        token = base64.b64encode(f"{email}/token:{api_token}".encode()).decode()
        self._authorization = f"Basic {token}"

    def find_case(self, external_id: str) -> str | None:
        query = urllib.parse.urlencode({"external_id": external_id})
        found = self._call("GET", f"/api/v2/tickets.json?{query}")
        tickets = found.get("tickets") or []
        return str(tickets[0]["id"]) if tickets else None

    def create_case(self, draft: CaseDraft) -> str:
        created = self._call("POST", "/api/v2/tickets.json", {"ticket": zendesk.ticket_fields(draft)})
        return str(created["ticket"]["id"])

    def update_case(self, case_id: str, update: CaseUpdate) -> None:
        path = f"/api/v2/tickets/{urllib.parse.quote(case_id, safe='')}.json"
        self._call("PUT", path, {"ticket": zendesk.update_fields(update)})

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        request = json_request(
            self.base_url + path, method=method, authorization=self._authorization, body=body
        )
        operation = f"zendesk {method} {path.split('?', 1)[0]}"
        return answer_of(request, operation, usual_reading(DEFAULT_RETRY_AFTER_S))
