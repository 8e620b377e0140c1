"""A recorded fake of the Salesforce REST API for the local runtime and the tests, served by
the gateway under /_local/salesforce (infra/local/gateway.py), as the local Zendesk is
(infra/local/fake_zendesk.py).

It speaks the documented API the Salesforce connector uses (cxloop.adapters.salesforce_cases):
- `POST /services/oauth2/token` (form: grant_type=client_credentials, client_id,
  client_secret) -> {"access_token", "instance_url", "token_type": "Bearer", ...}; 400
  {"error": "invalid_client"} for other credentials;
- a Bearer token on every `/services/data/v60.0/...` call, 401 [{"errorCode":
  "INVALID_SESSION_ID"}] otherwise;
- `GET /sobjects/Case/Cxloop_Ticket_Id__c/{value}` -> the Case, or 404 NOT_FOUND;
- `PATCH /sobjects/Case/Cxloop_Ticket_Id__c/{value}` (upsert) -> 201 {"id", "success",
  "errors", "created": true}, or 200 with "created": false when the Case exists;
- `GET` and `PATCH /sobjects/Case/{Id}` -> the Case, or 204;
- `POST /sobjects/CaseComment` {"ParentId", "CommentBody", "IsPublished"} -> 201 {"id", ...};
- picklists checked (Status, Priority, Origin) and unknown fields refused, 400 as Salesforce.
On demand (POST /_local/salesforce/...):
- `_throttle` {"requests": n, "retry_after": s, "status": 429 | 503 | 403}: the next n API
  calls answer 429 or 503 with Retry-After, or 403 REQUEST_LIMIT_EXCEEDED (no Retry-After);
- `_expire_sessions`: every token issued so far is refused from now on (a session timeout);
- `_agent/cases/{Id}` {"status", "comment", "owner_email"}: an agent changes the Case, and the
  org's Apex trigger sends the callout README "Helpdesk connectors" describes to cxloop,
  signed with the shared secret (X-Cxloop-Signature, X-Cxloop-Timestamp), answering what
  cxloop answered. Changes made through the API send no callout (the trigger skips the
  connected app's user, as the README's does), so cxloop's own pushes do not echo back.
GET /_local/salesforce/_cases lists every Case with its comments and the calls received.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from cxloop.domain.integrations.salesforce import API_VERSION, EXTERNAL_ID_FIELD
from cxloop.domain.integrations.shared_secret_callouts import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    callout_signature,
)
from infra.local.fake_vendor import Throttle, json_body, json_response, post_callback

SALESFORCE_PATH = "/_local/salesforce"
TOKEN_PATH = f"{SALESFORCE_PATH}/services/oauth2/token"
SOBJECTS = f"{SALESFORCE_PATH}/services/data/{API_VERSION}/sobjects"
PICKLISTS = {
    "Status": ("New", "Working", "Escalated", "Closed"),
    "Priority": ("High", "Medium", "Low"),
    "Origin": ("Phone", "Email", "Web"),
}
CASE_FIELDS = frozenset({"Subject", "Description", *PICKLISTS})
CALLOUT_TIMEOUT_S = 10  # Apex allows a callout 10 seconds by default


@dataclass(frozen=True)
class SalesforceOrg:
    client_id: str
    client_secret: str
    signing_secret: str
    # Where the org's Apex callout goes: cxloop's /v1/connectors/{name}/events.
    callout_url: str
    # The Case's custom external-id field the connector keys Cases on.
    external_id_field: str = EXTERNAL_ID_FIELD


class FakeSalesforce:
    def __init__(self, org: SalesforceOrg) -> None:
        self.org = org
        self.cases: dict[str, dict[str, Any]] = {}
        self.calls: list[dict[str, Any]] = []
        self._tokens: set[str] = set()
        self._rate_limit = Throttle()
        self._lock = threading.Lock()

    def handle(self, request: Request) -> Response | None:
        """The answer for a path this fake owns; None for any other."""
        path = request.path.rstrip("/")
        if not path.startswith(SALESFORCE_PATH):
            return None
        if path.startswith((SOBJECTS, TOKEN_PATH)):
            with self._lock:
                answer = self._token(request) if path == TOKEN_PATH else self._api(request, path)
                self.calls.append({"method": request.method, "path": path, "status": answer.status_code})
                return answer
        return self._local(request, path.removeprefix(SALESFORCE_PATH))

    def _local(self, request: Request, rest: str) -> Response:
        asked = json_body(request)
        if request.method == "POST" and rest == "/_throttle":
            with self._lock:
                self._rate_limit.control(asked)
                self._rate_limit.status = int(asked.get("status", 429))
                return json_response(
                    200, {"requests": self._rate_limit.requests, "status": self._rate_limit.status}
                )
        if request.method == "POST" and rest == "/_expire_sessions":
            with self._lock:
                self._tokens.clear()
                return json_response(200, {"expired": True})
        if request.method == "POST" and rest.startswith("/_agent/cases/"):
            return self._agent_changes(asked, rest.rsplit("/", 1)[-1])
        if request.method == "GET" and rest == "/_cases":
            with self._lock:
                return json_response(200, {"cases": list(self.cases.values()), "calls": list(self.calls)})
        return _errors(404, "NOT_FOUND", "The requested resource does not exist")

    def _token(self, request: Request) -> Response:
        form = request.form
        if form.get("grant_type") != "client_credentials":
            return json_response(
                400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"}
            )
        offered = (form.get("client_id", ""), form.get("client_secret", ""))
        if not secrets.compare_digest(repr(offered), repr((self.org.client_id, self.org.client_secret))):
            return json_response(
                400, {"error": "invalid_client", "error_description": "invalid client credentials"}
            )
        token = "00D000000000001!" + secrets.token_urlsafe(24)
        self._tokens.add(token)
        instance_url = request.host_url.rstrip("/") + SALESFORCE_PATH
        return json_response(
            200,
            {
                "access_token": token,
                "instance_url": instance_url,
                "id": f"{instance_url}/id/00D000000000001/005000000000001",
                "token_type": "Bearer",
                "issued_at": str(int(time.time() * 1000)),
                "signature": "fake",
            },
        )

    def _api(self, request: Request, path: str) -> Response:
        return self._refusal(request) or self._route(request, path)

    def _refusal(self, request: Request) -> Response | None:
        """401 without a live session's Bearer token; the org's limit while throttled."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or token not in self._tokens:
            return _errors(401, "INVALID_SESSION_ID", "Session expired or invalid")
        return self._over_the_limit() if self._rate_limit.refuses_next() else None

    def _route(self, request: Request, path: str) -> Response:
        rest = path.removeprefix(SOBJECTS).strip("/").split("/")
        if rest == ["CaseComment"] and request.method == "POST":
            return self._comment(json_body(request))
        if rest[0] != "Case" or len(rest) not in (2, 3):
            return _errors(404, "NOT_FOUND", "The requested resource does not exist")
        if len(rest) == 3:
            return self._by_external_id(request, field=rest[1], value=rest[2])
        case = self.cases.get(rest[1])
        if case is None:
            return _errors(404, "NOT_FOUND", "The requested resource does not exist")
        if request.method == "PATCH":
            return self._update(case, json_body(request)) or Response(status=204)
        return json_response(200, case)

    def _over_the_limit(self) -> Response:
        if self._rate_limit.status == 403:
            return _errors(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        answer = _errors(self._rate_limit.status, "SERVER_UNAVAILABLE", "Too many requests")
        answer.headers["Retry-After"] = str(self._rate_limit.retry_after)
        return answer

    def _by_external_id(self, request: Request, *, field: str, value: str) -> Response:
        if field != self.org.external_id_field:
            return _errors(404, "NOT_FOUND", "Provided external ID field does not exist or is not accessible")
        case = next((c for c in self.cases.values() if c[self.org.external_id_field] == value), None)
        if request.method == "GET":
            return (
                json_response(200, case)
                if case
                else _errors(404, "NOT_FOUND", "The requested resource does not exist")
            )
        fields = json_body(request)
        if self.org.external_id_field in fields:
            return _errors(
                400, "INVALID_FIELD", f"{self.org.external_id_field} is in the URL; not allowed in the body"
            )
        if case is not None:
            return self._update(case, fields) or json_response(200, _saved(case, created=False))
        refused = _invalid(fields)
        if refused is not None:
            return refused
        case_id = f"500{len(self.cases) + 1:012d}AAA"
        now = _now()
        case = {
            "Id": case_id,
            "CaseNumber": f"{1000 + len(self.cases) + 1:08d}",
            self.org.external_id_field: value,
            "Status": "New",
            "IsClosed": False,
            "OwnerEmail": "",
            "CreatedDate": now,
            "comments": [],
        }
        self.cases[case_id] = case
        self._update(case, fields)
        return json_response(201, _saved(case, created=True))

    def _update(self, case: dict[str, Any], fields: dict[str, Any]) -> Response | None:
        """Apply the fields; the 400 Salesforce answers for a bad one, else None."""
        refused = _invalid(fields)
        if refused is not None:
            return refused
        case.update(fields)
        case["IsClosed"] = case["Status"] == "Closed"
        case["LastModifiedDate"] = _now()
        return None

    def _comment(self, fields: dict[str, Any]) -> Response:
        case = self.cases.get(str(fields.get("ParentId")))
        if case is None:
            return _errors(400, "FIELD_INTEGRITY_EXCEPTION", "Parent ID: id value of incorrect type")
        if not fields.get("CommentBody"):
            return _errors(400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [CommentBody]")
        comment_id = f"00a{sum(len(c['comments']) for c in self.cases.values()) + 1:012d}AAA"
        case["comments"].append(
            {
                "Id": comment_id,
                "CommentBody": fields["CommentBody"],
                "IsPublished": bool(fields.get("IsPublished", False)),
                "CreatedDate": _now(),
            }
        )
        return json_response(201, {"id": comment_id, "success": True, "errors": []})

    def _agent_changes(self, asked: dict[str, Any], case_id: str) -> Response:
        """An agent changes the Case in Salesforce; the org's Apex trigger calls cxloop."""
        with self._lock:
            case = self.cases.get(case_id)
            if case is None:
                return _errors(404, "NOT_FOUND", "The requested resource does not exist")
            fields = {"Status": asked["status"]} if asked.get("status") else {}
            refused = self._update(case, fields)
            if refused is not None:
                return refused
            case["OwnerEmail"] = asked.get("owner_email") or ""
            if asked.get("comment"):
                self._comment({"ParentId": case_id, "CommentBody": asked["comment"]})
            payload = callout_payload(case, asked.get("comment") or "", self.org.external_id_field)
        delivered = self.deliver(payload, timestamp=asked.get("timestamp"))
        return json_response(200, {"case": case, "callout": delivered})

    def deliver(self, payload: dict[str, Any], *, timestamp: str | None = None) -> dict[str, Any]:
        """POST the Apex callout's JSON body to cxloop, signed with the shared secret."""
        body = json.dumps(payload).encode()
        stamp = timestamp or str(int(time.time()))
        headers = {
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: callout_signature(self.org.signing_secret, stamp, body),
        }
        return post_callback(self.org.callout_url, body, headers, timeout_s=CALLOUT_TIMEOUT_S)


def callout_payload(case: dict[str, Any], comment: str, key: str = EXTERNAL_ID_FIELD) -> dict[str, Any]:
    """The JSON body the README's Apex trigger sends (JSON.serialize of the Case's fields);
    `key`: the external-id field."""
    return {
        "Id": case["Id"],
        "CaseNumber": case["CaseNumber"],
        key: case[key],
        "Status": case["Status"],
        "IsClosed": case["IsClosed"],
        "Comment": comment,
        "OwnerEmail": case.get("OwnerEmail") or "",
    }


def _invalid(fields: dict[str, Any]) -> Response | None:
    unknown = sorted(set(fields) - CASE_FIELDS)
    if unknown:
        return _errors(400, "INVALID_FIELD", f"No such column '{unknown[0]}' on sobject of type Case")
    for name, values in PICKLISTS.items():
        if name in fields and fields[name] not in values:
            return _errors(
                400,
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{name}: bad value for restricted picklist field: {fields[name]}",
            )
    if len(str(fields.get("Subject") or "")) > 255:
        return _errors(400, "STRING_TOO_LONG", "Subject: data value too large")
    return None


def _saved(case: dict[str, Any], *, created: bool) -> dict[str, Any]:
    return {"id": case["Id"], "success": True, "errors": [], "created": created}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _errors(status: int, code: str, message: str) -> Response:
    """Salesforce's REST error body: a list of {"message", "errorCode"}."""
    return json_response(status, [{"message": message, "errorCode": code}])
