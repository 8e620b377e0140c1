"""What a survey leaves behind: the invitation sent for an interaction and the customer's answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict

from cxloop.domain.kernel.events import AttributeValue, Channel, Customer, Touchpoint
from cxloop.domain.kernel.modelling import DomainModel
from cxloop.domain.surveys.scoring import Score

InvitationStatus = Literal["sent", "answered"]
# "qr": nothing was sent; someone scanned a printed QR code (cxloop.domain.surveys.qr_codes) and got the link.
InvitationChannel = Channel | Literal["qr"]


class Invitation(DomainModel):
    """One survey sent for one interaction; reachable only through its token's hash."""

    model_config = ConfigDict(frozen=True)

    invitation_id: str
    token_hash: str
    interaction_id: str
    correlation_id: str
    survey_id: str
    # The definition the link was sent with (None: a built-in survey, or an older release):
    # its version, and the version of the published `surveys` catalogue it came from.
    survey_version: int | None = None
    catalogue_version: int | None = None
    channel: InvitationChannel
    event_type: str
    customer: Customer
    touchpoint: Touchpoint
    attributes: dict[str, AttributeValue] = {}
    status: InvitationStatus = "sent"
    created_at: datetime
    expires_at: datetime


class SurveyResponse(DomainModel):
    """The customer's answers; response_id equals invitation_id (one answer per invitation)."""

    model_config = ConfigDict(frozen=True)

    response_id: str
    interaction_id: str
    correlation_id: str
    survey_id: str
    survey_version: int | None = None
    catalogue_version: int | None = None
    event_type: str
    customer: Customer
    touchpoint: Touchpoint
    answers: dict[str, object]
    submitted_at: datetime
    score: Score | None = None
    # The ERP event's attributes (policy, agent id...), for routing conditions.
    attributes: dict[str, AttributeValue] = {}
