"""Zendesk's side of a connector: a case as a Zendesk ticket (Tickets API), and the ticket
changes its webhook reports back, verified as Zendesk signs them.

Zendesk signs each webhook request with the webhook's signing secret:
X-Zendesk-Webhook-Signature = base64(HMAC-SHA256(secret, timestamp + raw body)), the
timestamp (ISO 8601, UTC) in X-Zendesk-Webhook-Signature-Timestamp. A request signed more
than TOLERANCE_S away from now is refused, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError

from cxloop.domain.integrations.cases import CaseDraft, CaseUpdate
from cxloop.domain.kernel.errors import FieldProblem, InvalidInput, Unauthorized
from cxloop.domain.kernel.modelling import DomainModel

SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
TOLERANCE_S = 300
ZendeskStatus = Literal["new", "open", "pending", "hold", "solved", "closed"]


def ticket_fields(draft: CaseDraft) -> dict[str, Any]:
    """POST /api/v2/tickets's `ticket`: keyed on external_id, the description an internal note."""
    fields: dict[str, Any] = {
        "external_id": draft.external_id,
        "subject": draft.subject,
        "comment": {"body": draft.description, "public": False},
        "priority": draft.priority,
        "type": "problem",
        "tags": list(draft.tags),
    }
    return fields


def update_fields(update: CaseUpdate) -> dict[str, Any]:
    """PUT /api/v2/tickets/{id}'s `ticket`: a status, an internal note, or both."""
    fields: dict[str, Any] = {}
    if update.status is not None:
        fields["status"] = update.status
    if update.comment:
        fields["comment"] = {"body": update.comment, "public": False}
    return fields


def verify_signature(
    *, signature: str | None, timestamp: str | None, body: bytes, secrets: tuple[str, ...], now: datetime
) -> None:
    """Raise Unauthorized unless the body was signed with one of `secrets` within the window."""
    if not signature or not timestamp:
        raise Unauthorized(f"missing {SIGNATURE_HEADER} or {TIMESTAMP_HEADER}")
    try:
        signed_at = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
        offered = base64.b64decode(signature, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise Unauthorized("malformed Zendesk signature or timestamp") from exc
    if signed_at.tzinfo is None or abs((now - signed_at).total_seconds()) > TOLERANCE_S:
        raise Unauthorized("stale or future Zendesk timestamp")
    matched = False
    for secret in secrets:
        expected = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
        matched |= hmac.compare_digest(offered, expected)
    if not matched:
        raise Unauthorized("Zendesk signature does not match")


class TicketChanged(DomainModel):
    """The JSON body of the trigger README "Helpdesk connectors" sets up; Zendesk renders
    every placeholder as a string."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    ticket_id: str = Field(min_length=1, max_length=32)
    external_id: str = Field(min_length=1, max_length=64)
    status: ZendeskStatus
    comment: str = Field(default="", max_length=4000)
    assignee_email: str = Field(default="", max_length=320)


def parse_event(document: object) -> TicketChanged:
    try:
        return TicketChanged.model_validate(document)
    except ValidationError as exc:
        problems = [
            FieldProblem(".".join(str(p) for p in e["loc"]) or "body", e["msg"]) for e in exc.errors()
        ]
        raise InvalidInput("not a Zendesk ticket change cxloop understands", problems) from exc
