"""Step 3: show the survey behind a token and record the answers once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cxloop.domain.kernel import tokens
from cxloop.domain.kernel.queues import MessageQueue
from cxloop.domain.surveys.answers import parse_answers
from cxloop.domain.surveys.definitions import DEFAULT_SURVEY, SURVEYS, SurveyDefinition, without_call_back
from cxloop.domain.surveys.models import Invitation, SurveyResponse
from cxloop.domain.surveys.ports import InvitationStore, ResponseStore
from cxloop.domain.surveys.survey_catalogue import SurveyLibrary

LinkState = Literal["open", "answered", "expired", "unknown"]


@dataclass(frozen=True)
class Link:
    state: LinkState
    invitation: Invitation | None = None

    @property
    def language(self) -> str:
        return self.invitation.customer.language if self.invitation else "es"


def survey_for(invitation: Invitation, library: SurveyLibrary | None = None) -> SurveyDefinition:
    """The survey the invitation was sent with: its id, version and catalogue version
    (an unknown id, from an older release or a deleted catalogue, gets the default).
    An anonymous respondent (a QR code scan) is never offered a call back."""
    if library is None:
        survey = SURVEYS.get(invitation.survey_id, DEFAULT_SURVEY)
    else:
        survey = library.find(invitation.survey_id, invitation.survey_version, invitation.catalogue_version)
    return without_call_back(survey) if invitation.customer.anonymous else survey


def look_up(token: str, *, now: datetime, invitations: InvitationStore) -> Link:
    """Read-only: GET must never change state (mail scanners open links first)."""
    if not tokens.looks_like_token(token):
        return Link("unknown")
    invitation = invitations.get(tokens.token_hash(token))
    if invitation is None:
        return Link("unknown")
    if invitation.status == "answered":
        return Link("answered", invitation)
    if invitation.expires_at <= now:
        return Link("expired", invitation)
    return Link("open", invitation)


@dataclass(frozen=True)
class Recorded:
    link: Link
    response: SurveyResponse | None
    first_time: bool


def record_answers(
    token: str,
    raw_answers: dict[str, object],
    *,
    now: datetime,
    invitations: InvitationStore,
    responses: ResponseStore,
    scoring: MessageQueue,
    library: SurveyLibrary | None = None,
) -> Recorded:
    """Validate and record once; a repeat POST records nothing and says so.

    Answers are validated before anything is written, so a bad form leaves no trace.
    The response is stored before it is queued, so a crash between the two is repaired by the
    customer's next POST: a repeat hands the stored response to scoring again until it is
    scored (see _hand_on_unless_scored). Nothing marks the hand-off done (that mark cost a write
    per answer).
    """
    link = look_up(token, now=now, invitations=invitations)
    if link.state in ("unknown", "expired") or link.invitation is None:
        return Recorded(link, None, first_time=False)
    invitation = link.invitation
    if link.state == "answered":
        _hand_on_unless_scored(invitation.invitation_id, responses, scoring)
        return Recorded(link, None, first_time=False)
    answers = parse_answers(survey_for(invitation, library), raw_answers)
    response = SurveyResponse(
        response_id=invitation.invitation_id,
        interaction_id=invitation.interaction_id,
        correlation_id=invitation.correlation_id,
        survey_id=invitation.survey_id,
        survey_version=invitation.survey_version,
        catalogue_version=invitation.catalogue_version,
        event_type=invitation.event_type,
        customer=invitation.customer,
        touchpoint=invitation.touchpoint,
        answers=answers,
        submitted_at=now,
        attributes=invitation.attributes,
    )
    if not responses.record(response, invitation.token_hash):
        return Recorded(Link("answered", invitation), None, first_time=False)
    scoring.send(response.model_dump(mode="json"), correlation_id=response.correlation_id)
    return Recorded(Link("answered", invitation), response, first_time=True)


def _hand_on_unless_scored(response_id: str, responses: ResponseStore, scoring: MessageQueue) -> None:
    """A repeat POST sends the stored response to scoring again unless it is scored already.

    One read, as the repeat made before. The score is written only by score_response
    (in the counts' transaction, or alone for a follow-up: cxloop.domain.feedback.score_response),
    so a scored response was taken in and needs nothing more; an unscored one is either still
    queued or was never queued (a crash after the store), and sending it again is safe: the
    counts' transaction is conditional on a marker put once per response id (apply_once,
    cxloop.adapters.aggregates), so a second message counts nothing again, and open_ticket
    opens one case per response id.
    """
    response = responses.get(response_id)
    if response is not None and response.score is None:
        scoring.send(response.model_dump(mode="json"), correlation_id=response.correlation_id)
