"""The response.recorded event, from a scored survey response."""

from __future__ import annotations

from cxloop.domain.integrations.announcements import contact_of, message_id_for, place_of, scores_of
from cxloop.domain.integrations.models import Announcement
from cxloop.domain.surveys.models import SurveyResponse
from cxloop.domain.surveys.scoring import Score


def response_recorded(response: SurveyResponse, score: Score, *, ticket_requested: bool) -> Announcement:
    comment = response.answers.get("comment")
    return Announcement(
        message_id=message_id_for("response.recorded", response.response_id),
        type="response.recorded",
        timestamp=response.submitted_at,
        data={
            "response_id": response.response_id,
            "interaction_id": response.interaction_id,
            "survey_id": response.survey_id,
            "event_type": response.event_type,
            "customer": {"id": response.customer.id},
            "touchpoint": place_of(response.touchpoint),
            "submitted_at": response.submitted_at.isoformat(),
            "score": scores_of(score),
            "ticket_requested": ticket_requested,
        },
        personal={
            "customer": contact_of(response.customer),
            **({"comment": comment} if isinstance(comment, str) and comment else {}),
        },
    )
