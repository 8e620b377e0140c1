"""A recorded fake of ServiceNow's Table API (the `incident` table) for the local runtime and
the tests, served by the gateway under /_local/servicenow (infra/local/gateway.py), as the
local Zendesk is (infra/local/fake_zendesk.py).

It speaks the documented API the ServiceNow connector uses (cxloop.adapters.servicenow):
- `POST /api/now/table/incident` {fields} -> 201 {"result": {...}} with a `sys_id` (32 hex) and
  a `number` (INC0010001...); choice values (state, impact, urgency, priority) are strings,
  priority derived from impact x urgency by the base system's lookup;
- `GET /api/now/table/incident?sysparm_query=correlation_id=...&sysparm_limit=1` ->
  {"result": [...]}: encoded queries of `field=value` conditions joined by `^` on
  correlation_id, number or sys_id; any other query is refused (400), so a lookup that would
  silently match everything cannot pass;
- `GET` and `PATCH /api/now/table/incident/{sys_id}` -> {"result": {...}}; `comments` and
  `work_notes` add journal entries; resolving (state 6 or 7) without close_code and
  close_notes is refused 403 as the incident's data policy does;
- basic authentication as the integration user, 401 otherwise;
- rate limiting: after POST /_local/servicenow/_throttle {"requests": n, "retry_after": s} the
  next n API calls get 429 with `Retry-After: s`, as a rate-limit rule answers.
An agent working an incident is POST /_local/servicenow/_agent/incidents/{sys_id or number}
{"state", "comments", "work_notes", "close_notes", "assigned_to"}: the fake applies it and
sends the business rule's outbound REST call to cxloop's callback URL, signed as README
"Helpdesk connectors" says (X-Cxloop-Signature: sha256=hex HMAC-SHA256 of "{timestamp}.{body}",
X-Cxloop-Timestamp: Unix seconds), answering what the callback answered. Changes made through
the API send no callback (the rule's condition skips the integration user), so cxloop's own
pushes do not echo back.
GET /_local/servicenow/_incidents lists every incident with its journal and the calls received.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from infra.local.fake_vendor import Throttle, basic_auth_matches, json_body, json_response, post_callback

SERVICENOW_PATH = "/_local/servicenow"
API = f"{SERVICENOW_PATH}/api/now/table/incident"
STATES = ("1", "2", "3", "6", "7", "8")
LEVELS = ("1", "2", "3")
QUERYABLE = ("correlation_id", "number", "sys_id")
# The base system's Priority Lookup (impact, urgency) -> priority.
PRIORITY = {
    ("1", "1"): "1",
    ("1", "2"): "2",
    ("2", "1"): "2",
    ("1", "3"): "3",
    ("2", "2"): "3",
    ("3", "1"): "3",
    ("2", "3"): "4",
    ("3", "2"): "4",
    ("3", "3"): "5",
}
WRITABLE = (
    "short_description",
    "description",
    "correlation_id",
    "correlation_display",
    "impact",
    "urgency",
    "state",
    "due_date",
    "assigned_to",
    "close_code",
    "close_notes",
)
CALLBACK_TIMEOUT_S = 10


def servicenow_signature(signing_secret: str, timestamp: str, body: bytes) -> str:
    """What the business rule sends in X-Cxloop-Signature (written apart from cxloop's own
    verification, cxloop.domain.integrations.shared_secret_callouts, so a test of one checks
    the other)."""
    message = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(signing_secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ServiceNowInstance:
    username: str
    password: str
    signing_secret: str
    # Where the business rule sends incident changes: cxloop's /v1/connectors/{name}/events.
    callback_url: str


class FakeServiceNow:
    def __init__(self, instance: ServiceNowInstance) -> None:
        self.instance = instance
        self.incidents: dict[str, dict[str, Any]] = {}
        self.calls: list[dict[str, Any]] = []
        self._rate_limit = Throttle()
        self._lock = threading.Lock()

    def handle(self, request: Request) -> Response | None:
        """The answer for a path this fake owns; None for any other."""
        path = request.path.rstrip("/")
        if not path.startswith(SERVICENOW_PATH):
            return None
        if path.startswith(API):
            return self._api(request, path.removeprefix(API))
        if request.method == "POST" and path == f"{SERVICENOW_PATH}/_throttle":
            return self._throttle(request)
        if request.method == "POST" and path.startswith(f"{SERVICENOW_PATH}/_agent/incidents/"):
            return self._agent_changes(request, path.rsplit("/", 1)[-1])
        if request.method == "GET" and path == f"{SERVICENOW_PATH}/_incidents":
            with self._lock:
                return json_response(
                    200, {"incidents": list(self.incidents.values()), "calls": list(self.calls)}
                )
        return _failure(400, "Invalid table", "Requested URI does not represent any resource")

    def _api(self, request: Request, rest: str) -> Response:
        with self._lock:
            answer = self._refusal(request) or self._route(request, rest)
            call = {"method": request.method, "path": request.path, "query": request.query_string.decode()}
            self.calls.append(call | {"status": answer.status_code, "at": _now()})
            return answer

    def _refusal(self, request: Request) -> Response | None:
        """401 without the integration user's credentials; 429 while throttled."""
        if not self._authenticated(request):
            return _failure(401, "User Not Authenticated", "Required to provide Auth information")
        if not self._rate_limit.refuses_next():
            return None
        response = _failure(429, "Rate limit exceeded", "Too many requests for this user")
        response.headers["Retry-After"] = str(self._rate_limit.retry_after)
        return response

    def _route(self, request: Request, rest: str) -> Response:
        if rest == "":
            return self._on_table(request)
        incident = self.incidents.get(rest[1:])
        if incident is None:
            return _failure(404, "No Record found", "Record doesn't exist or ACL restricts its retrieval")
        if request.method in ("PATCH", "PUT"):
            return self._update(incident, json_body(request), author=self.instance.username)
        if request.method == "GET":
            return json_response(200, {"result": incident})
        return _failure(405, "Method not Supported", f"{request.method} is not served here")

    def _on_table(self, request: Request) -> Response:
        if request.method == "POST":
            return self._create(json_body(request))
        if request.method == "GET":
            return self._query(request)
        return _failure(405, "Method not Supported", f"{request.method} needs a sys_id")

    def _authenticated(self, request: Request) -> bool:
        return basic_auth_matches(request, f"{self.instance.username}:{self.instance.password}")

    def _query(self, request: Request) -> Response:
        conditions = _conditions(request.args.get("sysparm_query", ""))
        if conditions is None:
            return _failure(400, "Unsupported query", f"this fake filters on {', '.join(QUERYABLE)} only")
        limit = request.args.get("sysparm_limit", "10000")
        if not limit.isdigit():
            return _failure(400, "Invalid sysparm_limit", "sysparm_limit must be a number")
        found = [i for i in self.incidents.values() if all(i.get(k) == v for k, v in conditions)]
        fields = [f for f in request.args.get("sysparm_fields", "").split(",") if f]
        shown = [{f: i.get(f, "") for f in fields} if fields else i for i in found[: int(limit)]]
        return json_response(200, {"result": shown})

    def _create(self, fields: dict[str, Any]) -> Response:
        refused = _invalid(fields)
        if refused is not None:
            return refused
        now = _now()
        sys_id = uuid.uuid4().hex
        incident: dict[str, Any] = {name: "" for name in WRITABLE} | {
            "sys_id": sys_id,
            "number": f"INC{10001 + len(self.incidents):07d}",
            "state": "1",
            "impact": "3",
            "urgency": "3",
            "sys_created_on": now,
            "sys_updated_on": now,
            "sys_updated_by": self.instance.username,
            "comments": [],
            "work_notes": [],
        }
        self._apply(incident, fields, author=self.instance.username, at=now)
        self.incidents[sys_id] = incident
        return json_response(201, {"result": incident})

    def _update(self, incident: dict[str, Any], fields: dict[str, Any], *, author: str) -> Response:
        refused = _invalid(fields) or _unresolvable(incident, fields)
        if refused is not None:
            return refused
        self._apply(incident, fields, author=author, at=_now())
        return json_response(200, {"result": incident})

    def _apply(self, incident: dict[str, Any], fields: dict[str, Any], *, author: str, at: str) -> None:
        for name in WRITABLE:
            if name in fields:
                incident[name] = str(fields[name])
        for journal in ("comments", "work_notes"):
            if fields.get(journal):
                incident[journal].append({"value": str(fields[journal]), "author": author, "at": at})
        incident["priority"] = PRIORITY[(incident["impact"], incident["urgency"])]
        incident["sys_updated_on"] = at
        incident["sys_updated_by"] = author

    def _throttle(self, request: Request) -> Response:
        asked = json.loads(request.get_data() or b"{}")
        with self._lock:
            return json_response(200, self._rate_limit.control(asked))

    def _agent_changes(self, request: Request, key: str) -> Response:
        """An agent changes the incident in ServiceNow; the business rule calls cxloop."""
        asked = json.loads(request.get_data() or b"{}")
        with self._lock:
            incident = self.incidents.get(key) or next(
                (i for i in self.incidents.values() if i["number"] == key), None
            )
            if incident is None:
                return _failure(404, "No Record found", "Record doesn't exist")
            fields = {k: asked[k] for k in (*WRITABLE, "comments", "work_notes") if k in asked}
            if str(fields.get("state")) in ("6", "7"):
                fields.setdefault("close_code", "Solution provided")
            answer = self._update(incident, fields, author=asked.get("author", "agent"))
            if answer.status_code != 200:
                return answer
            payload = business_rule_payload(incident, fields)
        delivered = self.deliver(payload, timestamp=asked.get("timestamp"))
        return json_response(200, {"result": incident, "callback": delivered})

    def deliver(self, payload: dict[str, Any], *, timestamp: str | None = None) -> dict[str, Any]:
        """POST the business rule's JSON body to cxloop, signed with the shared key."""
        body = json.dumps(payload).encode()
        stamp = timestamp or str(int(time.time()))
        headers = {
            "X-Cxloop-Signature": servicenow_signature(self.instance.signing_secret, stamp, body),
            "X-Cxloop-Timestamp": stamp,
        }
        return post_callback(self.instance.callback_url, body, headers, timeout_s=CALLBACK_TIMEOUT_S)


def business_rule_payload(incident: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """The JSON body the README's business rule sends after an update: the incident's keys and
    state, and the journal entries this update added (empty when it added none)."""
    return {
        "sys_id": incident["sys_id"],
        "number": incident["number"],
        "correlation_id": incident["correlation_id"],
        "state": incident["state"],
        "comments": str(fields.get("comments") or ""),
        "work_notes": str(fields.get("work_notes") or ""),
        # Sent when this update wrote them (current.close_notes.changes()), so a later update
        # of a resolved incident (its closing) does not repeat them.
        "close_notes": str(fields.get("close_notes") or ""),
        "assigned_to": incident["assigned_to"],
        "sys_updated_on": incident["sys_updated_on"],
    }


def _conditions(query: str) -> list[tuple[str, str]] | None:
    """An encoded query's `field=value^field=value`; None for anything this fake does not do."""
    if not query:
        return []
    conditions = []
    for clause in query.split("^"):
        name, equals, value = clause.partition("=")
        if not equals or name not in QUERYABLE or not value:
            return None
        conditions.append((name, value))
    return conditions


def _invalid(fields: dict[str, Any]) -> Response | None:
    """Choice fields hold their choices' values, as the instance's choice lists require."""
    problems = [
        f"{name}: {fields[name]!r} is not a choice"
        for name, choices in (("state", STATES), ("impact", LEVELS), ("urgency", LEVELS))
        if name in fields and str(fields[name]) not in choices
    ]
    return _failure(400, "Invalid choice", "; ".join(problems)) if problems else None


def _unresolvable(incident: dict[str, Any], fields: dict[str, Any]) -> Response | None:
    """The incident's data policy: resolving or closing needs a resolution code and notes."""
    if str(fields.get("state", "")) not in ("6", "7"):
        return None
    missing = [
        label
        for name, label in (("close_code", "Resolution code"), ("close_notes", "Resolution notes"))
        if not (fields.get(name) or incident.get(name))
    ]
    if not missing:
        return None
    detail = f"Data Policy Exception: \n\tThe following fields are mandatory: {', '.join(missing)}\n"
    return _failure(403, "Operation Failed", detail)


def _now() -> str:
    """The Table API's date-times: "YYYY-MM-DD HH:MM:SS" in UTC."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _failure(status: int, message: str, detail: str) -> Response:
    return json_response(status, {"error": {"message": message, "detail": detail}, "status": "failure"})
