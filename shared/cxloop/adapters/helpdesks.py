"""The helpdesks and CRMs cases are kept in, over their REST APIs (stdlib HTTP: one JSON call
at a time needs no client library in the layer). Zendesk here; ServiceNow's incidents in
cxloop.adapters.servicenow and Salesforce's cases in cxloop.adapters.salesforce_cases, all
behind the Helpdesk port (cxloop.domain.integrations.helpdesk_ports).

Each connector's credentials are a JSON secret in Secrets Manager, named by the connectors
document (cxloop.domain.integrations.connectors); read through Powertools' cache, so a
rotated token lands within SECRET_CACHE_S.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from cxloop.adapters.salesforce_cases import SalesforceCases
from cxloop.adapters.servicenow import ServiceNowIncidents
from cxloop.domain.integrations import zendesk
from cxloop.domain.integrations.cases import CaseDraft, CaseUpdate
from cxloop.domain.integrations.connectors import Connector
from cxloop.domain.integrations.helpdesk_ports import Helpdesk, HelpdeskRefused, RateLimited
from cxloop.domain.kernel.errors import Unavailable

SECRET_CACHE_S = 300
TIMEOUT_S = 8
TOO_MANY_REQUESTS = 429
# Zendesk's documented wait when a 429 comes without Retry-After.
DEFAULT_RETRY_AFTER_S = 60


def connector_secret(connector: Connector) -> dict[str, str]:
    """The connector's secret; Unavailable (503, or an SQS retry) when it cannot be read."""
    from aws_lambda_powertools.utilities.parameters import get_secret  # noqa: PLC0415
    from aws_lambda_powertools.utilities.parameters.exceptions import (  # noqa: PLC0415
        GetParameterError,
        TransformParameterError,
    )

    try:
        document = get_secret(connector.secret, transform="json", max_age=SECRET_CACHE_S)
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
            raise _translated(error, method, path) from error
        except (urllib.error.URLError, TimeoutError) as error:
            raise Unavailable(f"zendesk {method} unreachable: {type(error).__name__}") from error


def _translated(error: urllib.error.HTTPError, method: str, path: str) -> Exception:
    """429 -> RateLimited (its Retry-After); 5xx -> Unavailable (retried); other 4xx -> refused."""
    operation = f"zendesk {method} {path.split('?', 1)[0]}"
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
