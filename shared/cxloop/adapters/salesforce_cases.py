"""Salesforce's REST API as a Helpdesk (cxloop.domain.integrations.helpdesk_ports): Cases
upserted on cxloop's external-id field, statuses patched, comments as CaseComments
(cxloop.domain.integrations.salesforce says what is sent).

Authentication is OAuth 2.0's client-credentials flow against the org's My Domain (the
connector's instance_url): POST /services/oauth2/token with the connected app's client_id and
client_secret answers an access token and the instance_url API calls go to. The token is kept
per connected app for the life of the process (a Lambda's warm container, the local runtime),
and fetched again once when the API answers 401 (the session expired or was revoked).

Over the org's limits Salesforce answers 429 or 503 with Retry-After, or 403 with errorCode
REQUEST_LIMIT_EXCEEDED (the rolling 24-hour API limit, without Retry-After): all RateLimited,
so the change waits in the queue (cxloop.domain.integrations.sync_cases).
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from cxloop.adapters.vendor_http import answer_of, json_request, retry_after_s
from cxloop.domain.integrations import salesforce
from cxloop.domain.integrations.cases import CaseDraft, CaseUpdate
from cxloop.domain.integrations.connectors import Connector
from cxloop.domain.integrations.helpdesk_ports import HelpdeskRefused, RateLimited
from cxloop.domain.kernel.errors import Unavailable

UNAUTHORIZED, FORBIDDEN, NOT_FOUND, TOO_MANY_REQUESTS, UNAVAILABLE = 401, 403, 404, 429, 503
# Without a Retry-After (a 403 over the daily API limit), wait the longest SQS can hold a message.
DEFAULT_RETRY_AFTER_S = 900


@dataclass(frozen=True)
class _Session:
    access_token: str
    instance_url: str


# Tokens by (My Domain URL, client_id): one per connected app, shared by every adapter made
# for it in this process (sync_cases builds one per message).
_sessions: dict[tuple[str, str], _Session] = {}
_sessions_lock = threading.Lock()


class SalesforceCases:
    def __init__(
        self,
        base_url: str,
        *,
        client_id: str,
        client_secret: str,
        external_id_field: str = salesforce.EXTERNAL_ID_FIELD,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self._key = external_id_field

    @classmethod
    def for_connector(cls, connector: Connector, secret: dict[str, str]) -> SalesforceCases:
        if not secret.get("client_id") or not secret.get("client_secret"):
            raise Unavailable(f"the secret of connector {connector.name} lacks client_id or client_secret")
        return cls(
            connector.base_url,
            client_id=secret["client_id"],
            client_secret=secret["client_secret"],
            external_id_field=salesforce.external_id_field(connector),
        )

    def find_case(self, external_id: str) -> str | None:
        path = salesforce.case_path(self._key, urllib.parse.quote(external_id, safe="")) + "?fields=Id"
        try:
            found = self._api("GET", path)
        except _Missing:
            return None
        return str(found["Id"])

    def create_case(self, draft: CaseDraft) -> str:
        # An upsert: a retry after a lost answer updates the Case it created (200) instead of
        # making another (201).
        path = salesforce.case_path(self._key, urllib.parse.quote(draft.external_id, safe=""))
        upserted = self._api("PATCH", path, salesforce.case_fields(draft))
        return str(upserted["id"])

    def update_case(self, case_id: str, update: CaseUpdate) -> None:
        # The note first: a Case closed by this update shows why it was closed.
        comment = salesforce.comment_fields(case_id, update)
        if comment is not None:
            self._api("POST", f"/services/data/{salesforce.API_VERSION}/sobjects/CaseComment", comment)
        status = salesforce.status_fields(update)
        if status is not None:
            self._api("PATCH", salesforce.case_path("Id", urllib.parse.quote(case_id, safe="")), status)

    def _api(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """A REST call with the connected app's token, fetched again once if it has expired.
        _Missing only for a lookup (GET): a write to a record that is not there is refused."""
        try:
            session = self._session(fresh=False)
            try:
                return self._call(method, session.instance_url + path, body, session.access_token)
            except _Expired:
                session = self._session(fresh=True)
                return self._call(method, session.instance_url + path, body, session.access_token)
        except _Expired as again:
            raise HelpdeskRefused(f"salesforce {method} refused a fresh token") from again
        except _Missing as missing:
            if method == "GET":
                raise
            raise HelpdeskRefused(f"salesforce {method}: no such record or field") from missing

    def _session(self, *, fresh: bool) -> _Session:
        key = (self.base_url, self._client_id)
        with _sessions_lock:
            if not fresh and key in _sessions:
                return _sessions[key]
        session = self._token()
        with _sessions_lock:
            _sessions[key] = session
        return session

    def _token(self) -> _Session:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }
        request = urllib.request.Request(  # noqa: S310 - the connector's https My Domain URL
            f"{self.base_url}/services/oauth2/token",
            data=urllib.parse.urlencode(form).encode(),
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        )
        granted = answer_of(request, "salesforce POST /services/oauth2/token", _translated)
        if not granted.get("access_token") or not granted.get("instance_url"):
            raise HelpdeskRefused("salesforce's token endpoint answered no access_token or instance_url")
        return _Session(str(granted["access_token"]), str(granted["instance_url"]).rstrip("/"))

    def _call(self, method: str, url: str, body: dict[str, Any] | None, token: str) -> dict[str, Any]:
        # The URL's base is the instance_url Salesforce's token answer named.
        request = json_request(url, method=method, authorization=f"Bearer {token}", body=body)
        return answer_of(request, f"salesforce {method} {urllib.parse.urlsplit(url).path}", _translated)


class _Expired(Exception):
    """401: the access token expired or was revoked."""


class _Missing(Exception):
    """404: no record with that id."""


def _translated(error: urllib.error.HTTPError, operation: str) -> Exception:
    """401 -> fetch a token again; 404 -> missing; 429, 503 with Retry-After and 403
    REQUEST_LIMIT_EXCEEDED -> RateLimited; other 5xx -> Unavailable; other 4xx -> refused."""
    retry_after = error.headers.get("Retry-After")
    codes = _error_codes(error)
    if error.code == UNAUTHORIZED and "/oauth2/" not in operation:
        return _Expired(operation)
    if error.code == NOT_FOUND and "NOT_FOUND" in codes:
        return _Missing(operation)
    if error.code == TOO_MANY_REQUESTS or (error.code == UNAVAILABLE and retry_after):
        return RateLimited(retry_after_s(retry_after, DEFAULT_RETRY_AFTER_S))
    if error.code == FORBIDDEN and "REQUEST_LIMIT_EXCEEDED" in codes:
        return RateLimited(DEFAULT_RETRY_AFTER_S)
    if error.code >= 500:
        return Unavailable(f"{operation} answered {error.code}")
    return HelpdeskRefused(f"{operation} answered {error.code} {sorted(codes)}")


def _error_codes(error: urllib.error.HTTPError) -> set[str]:
    """Salesforce's error body: [{"message", "errorCode"}], or OAuth's {"error", ...}."""
    try:
        document = json.loads(error.read() or b"null")
    except ValueError:
        return set()
    items = document if isinstance(document, list) else [document]
    return {str(i.get("errorCode") or i.get("error")) for i in items if isinstance(i, dict)}
