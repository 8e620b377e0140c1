"""What flows between the steps: invitation, response, ticket, alert."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cxloop.domain.events import Channel, Customer, Touchpoint
from cxloop.domain.scoring import Score

InvitationStatus = Literal["sent", "answered"]
Priority = Literal["low", "medium", "high", "urgent"]
Severity = Literal["info", "warning", "critical"]


class Invitation(BaseModel):
    """One survey sent for one interaction; reachable only through its token's hash."""

    model_config = ConfigDict(frozen=True)

    invitation_id: str
    token_hash: str
    interaction_id: str
    correlation_id: str
    survey_id: str
    channel: Channel
    event_type: str
    customer: Customer
    touchpoint: Touchpoint
    status: InvitationStatus = "sent"
    created_at: datetime
    expires_at: datetime


class SurveyResponse(BaseModel):
    """The customer's answers; response_id equals invitation_id (one answer per invitation)."""

    model_config = ConfigDict(frozen=True)

    response_id: str
    interaction_id: str
    correlation_id: str
    survey_id: str
    event_type: str
    customer: Customer
    touchpoint: Touchpoint
    answers: dict[str, object]
    submitted_at: datetime
    score: Score | None = None


class RoutingDecision(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule: str
    reason: str
    priority: Priority
    owner: str


class Ticket(BaseModel):
    model_config = ConfigDict(frozen=True)

    ticket_id: str
    response_id: str
    interaction_id: str
    correlation_id: str
    status: Literal["new"] = "new"
    priority: Priority
    owner: str
    rule: str
    reason: str
    event_type: str
    customer: Customer
    touchpoint: Touchpoint
    branch: str
    score: Score
    comment: str | None = None
    answered_at: datetime
    opened_at: datetime
    due_at: datetime


class Alert(BaseModel):
    model_config = ConfigDict(frozen=True)

    alert_id: str
    kind: Literal["detractor"]
    severity: Severity
    ticket_id: str
    correlation_id: str
    subject: str
    message: str
    country: str
    region: str
    branch: str
    answered_at: datetime
