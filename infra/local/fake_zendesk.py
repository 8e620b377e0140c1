"""A recorded fake of the Zendesk Tickets API for the local runtime and the tests, served
by the gateway under /_local/zendesk (infra/local/gateway.py), as the End User Messaging
fake is (infra/local/fake_channels.py).

It speaks the documented API the Zendesk connector uses (cxloop.adapters.zendesk):
- `POST /api/v2/tickets` {"ticket": {...}} -> 201 {"ticket": {...}} (with `external_id`);
- `GET /api/v2/tickets?external_id=...` -> {"tickets": [...], "count": n, "next_page": null};
- `GET` and `PUT /api/v2/tickets/{id}` -> {"ticket": {...}}; a PUT's `comment` adds one;
- basic authentication as `{email}/token:{api_token}`, 401 otherwise;
- rate limiting: after POST /_local/zendesk/_throttle {"requests": n, "retry_after": s} the
  next n API calls get 429 with `Retry-After: s`, as Zendesk answers over its limit.
An agent working a ticket in Zendesk is POST /_local/zendesk/_agent/tickets/{id} {"status",
"comment"}: the fake applies it and calls the webhook the way a Zendesk trigger does, signed
as Zendesk signs (X-Zendesk-Webhook-Signature: base64 HMAC-SHA256 of timestamp + body, with
X-Zendesk-Webhook-Signature-Timestamp), answering what the webhook answered. Changes made
through the API call no webhook (the trigger's condition "Update via is not Web service",
README "Helpdesk connectors"), so cxloop's own pushes do not echo back.
GET /_local/zendesk/_tickets lists every ticket with its comments and the calls received.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from infra.local.fake_vendor import Throttle, basic_auth_matches, json_body, json_response, post_callback

ZENDESK_PATH = "/_local/zendesk"
API = f"{ZENDESK_PATH}/api/v2/tickets"
STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
WEBHOOK_TIMEOUT_S = 10  # Zendesk gives a webhook 12 seconds


def zendesk_signature(signing_secret: str, timestamp: str, body: bytes) -> str:
    """What Zendesk sends in X-Zendesk-Webhook-Signature."""
    digest = hmac.new(signing_secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@dataclass(frozen=True)
class ZendeskAccount:
    email: str
    api_token: str
    signing_secret: str
    # Where the account's trigger sends ticket changes: cxloop's /v1/connectors/{name}/events.
    webhook_url: str


class FakeZendesk:
    def __init__(self, account: ZendeskAccount) -> None:
        self.account = account
        self.tickets: dict[int, dict[str, Any]] = {}
        self.calls: list[dict[str, Any]] = []
        self._rate_limit = Throttle()
        self._lock = threading.Lock()

    def handle(self, request: Request) -> Response | None:
        """The answer for a path this fake owns; None for any other."""
        path = request.path.removesuffix(".json").rstrip("/")
        if not path.startswith(ZENDESK_PATH):
            return None
        if path.startswith(API):
            return self._api(request, path.removeprefix(API))
        if request.method == "POST" and path == f"{ZENDESK_PATH}/_throttle":
            return self._throttle(request)
        if request.method == "POST" and path.startswith(f"{ZENDESK_PATH}/_agent/tickets/"):
            return self._agent_changes(request, path.rsplit("/", 1)[-1])
        if request.method == "GET" and path == f"{ZENDESK_PATH}/_tickets":
            with self._lock:
                return json_response(200, {"tickets": list(self.tickets.values()), "calls": list(self.calls)})
        return json_response(404, {"error": "InvalidEndpoint", "description": "Not found"})

    def _api(self, request: Request, rest: str) -> Response:
        with self._lock:
            answer = self._refusal(request) or self._route(request, rest)
            call = {"method": request.method, "path": request.path, "query": request.query_string.decode()}
            self.calls.append(call | {"status": answer.status_code, "at": _now()})
            return answer

    def _refusal(self, request: Request) -> Response | None:
        """401 without the account's API token; 429 while throttled."""
        if not self._authenticated(request):
            return json_response(401, {"error": "Couldn't authenticate you"})
        if not self._rate_limit.refuses_next():
            return None
        response = json_response(429, {"error": "APIRateLimitExceeded", "description": "Rate limit exceeded"})
        response.headers["Retry-After"] = str(self._rate_limit.retry_after)
        return response

    def _route(self, request: Request, rest: str) -> Response:
        if rest == "":
            if request.method == "POST":
                return self._create(_ticket_of(request))
            return self._search(request.args.get("external_id"))
        ticket = self.tickets.get(int(rest[1:])) if rest[1:].isdigit() else None
        if ticket is None:
            return json_response(404, {"error": "RecordNotFound", "description": "Not found"})
        if request.method == "PUT":
            return self._update(ticket, _ticket_of(request), author="api")
        return json_response(200, {"ticket": ticket})

    def _authenticated(self, request: Request) -> bool:
        return basic_auth_matches(request, f"{self.account.email}/token:{self.account.api_token}")

    def _search(self, external_id: str | None) -> Response:
        found = [t for t in self.tickets.values() if external_id and t.get("external_id") == external_id]
        return json_response(
            200, {"tickets": found, "count": len(found), "next_page": None, "previous_page": None}
        )

    def _create(self, fields: dict[str, Any]) -> Response:
        comment = fields.get("comment") or {}
        problems = _invalid(fields) or ({} if comment.get("body") else {"description": ["cannot be blank"]})
        if problems:
            return json_response(
                422,
                {"error": "RecordInvalid", "description": "Record validation errors", "details": problems},
            )
        ticket_id = len(self.tickets) + 1
        now = _now()
        ticket = {
            "id": ticket_id,
            "url": f"{ZENDESK_PATH}/api/v2/tickets/{ticket_id}.json",
            "external_id": fields.get("external_id"),
            "subject": fields.get("subject"),
            "description": comment.get("body"),
            "status": fields.get("status") or "new",
            "priority": fields.get("priority"),
            "type": fields.get("type"),
            "tags": sorted(set(fields.get("tags") or [])),
            "due_at": fields.get("due_at"),
            "assignee_email": fields.get("assignee_email"),
            "created_at": now,
            "updated_at": now,
            "comments": [_comment(comment, "api", now)],
        }
        self.tickets[ticket_id] = ticket
        return json_response(201, {"ticket": ticket})

    def _update(self, ticket: dict[str, Any], fields: dict[str, Any], *, author: str) -> Response:
        problems = _invalid(fields)
        if problems:
            return json_response(
                422,
                {"error": "RecordInvalid", "description": "Record validation errors", "details": problems},
            )
        now = _now()
        for name in ("status", "priority", "subject", "assignee_email", "due_at", "type"):
            if name in fields:
                ticket[name] = fields[name]
        if "tags" in fields:
            ticket["tags"] = sorted(set(fields["tags"] or []))
        if (fields.get("comment") or {}).get("body"):
            ticket["comments"].append(_comment(fields["comment"], author, now))
        ticket["updated_at"] = now
        return json_response(200, {"ticket": ticket})

    def _throttle(self, request: Request) -> Response:
        asked = json.loads(request.get_data() or b"{}")
        with self._lock:
            return json_response(200, self._rate_limit.control(asked))

    def _agent_changes(self, request: Request, ticket_id: str) -> Response:
        """An agent changes the ticket in Zendesk; its trigger calls cxloop's webhook."""
        asked = json.loads(request.get_data() or b"{}")
        with self._lock:
            ticket = self.tickets.get(int(ticket_id)) if ticket_id.isdigit() else None
            if ticket is None:
                return json_response(404, {"error": "RecordNotFound"})
            fields = {k: asked[k] for k in ("status", "assignee_email") if k in asked}
            if asked.get("comment"):
                fields["comment"] = {"body": asked["comment"], "public": False}
            answer = self._update(ticket, fields, author=asked.get("author", "agent"))
            if answer.status_code != 200:
                return answer
            payload = trigger_payload(ticket, asked.get("comment") or "")
        delivered = self.deliver(payload, timestamp=asked.get("timestamp"))
        return json_response(200, {"ticket": ticket, "webhook": delivered})

    def deliver(self, payload: dict[str, Any], *, timestamp: str | None = None) -> dict[str, Any]:
        """POST the trigger's JSON body to the webhook, signed as Zendesk signs it."""
        body = json.dumps(payload).encode()
        stamp = timestamp or _now()
        headers = {
            "X-Zendesk-Webhook-Signature": zendesk_signature(self.account.signing_secret, stamp, body),
            "X-Zendesk-Webhook-Signature-Timestamp": stamp,
            "X-Zendesk-Webhook-Id": "01FAKEWEBHOOK0000000000000",
        }
        return post_callback(self.account.webhook_url, body, headers, timeout_s=WEBHOOK_TIMEOUT_S)


def trigger_payload(ticket: dict[str, Any], comment: str) -> dict[str, Any]:
    """The JSON body the README's trigger sends ({{ticket.id}}, {{ticket.external_id}}, ...):
    Zendesk renders every placeholder as a string."""
    return {
        "ticket_id": str(ticket["id"]),
        "external_id": ticket.get("external_id") or "",
        "status": ticket["status"],
        "comment": comment,
        "assignee_email": ticket.get("assignee_email") or "",
        "updated_at": ticket["updated_at"],
    }


def _ticket_of(request: Request) -> dict[str, Any]:
    ticket = json_body(request).get("ticket")
    return ticket if isinstance(ticket, dict) else {}


def _invalid(fields: dict[str, Any]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if "status" in fields and fields["status"] not in STATUSES:
        problems["status"] = [f"{fields['status']!r} is not a status"]
    if fields.get("priority") not in (None, *PRIORITIES):
        problems["priority"] = [f"{fields['priority']!r} is not a priority"]
    return problems


def _comment(comment: dict[str, Any], author: str, at: str) -> dict[str, Any]:
    return {
        "body": comment.get("body"),
        "public": bool(comment.get("public", True)),
        "author": author,
        "created_at": at,
    }


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
