"""ServiceNow's side of a connector: a case as an incident (Table API, `incident` table), and
the incident changes a business rule reports back, verified with the connector's shared key.

ServiceNow has no signing of its own for outbound REST calls, so the business rule README
"Helpdesk connectors" sets up signs them with the connector's shared key, as a Salesforce
callout is (cxloop.domain.integrations.shared_secret_callouts).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError, field_validator

from cxloop.domain.integrations.cases import CaseDraft, CaseUpdate
from cxloop.domain.integrations.zendesk import TicketChanged, ZendeskStatus
from cxloop.domain.kernel.errors import FieldProblem, InvalidInput
from cxloop.domain.kernel.modelling import DomainModel

# The incident's state choices (the base system's): 1 New, 2 In Progress, 3 On Hold,
# 6 Resolved, 7 Closed, 8 Canceled.
NEW, IN_PROGRESS, ON_HOLD, RESOLVED, CLOSED, CANCELED = "1", "2", "3", "6", "7", "8"
IncidentState = Literal["1", "2", "3", "6", "7", "8"]
# What callbacks.apply_ticket_change reads of a state: resolved, closed and canceled there
# end the case (cxloop resolves it and asks the customer); the others keep it open.
_AS_STATUS: dict[str, ZendeskStatus] = {
    NEW: "new",
    IN_PROGRESS: "open",
    ON_HOLD: "hold",
    RESOLVED: "solved",
    CLOSED: "closed",
    CANCELED: "closed",
}
# ServiceNow derives priority from impact x urgency (its default Priority Lookup: 1-1 -> 1
# Critical, 1-2 -> 2 High, 2-2 -> 3 Moderate, 2-3 -> 4 Low, 3-3 -> 5 Planning); the Table
# API ignores a priority written directly, so cxloop writes the pair that yields it.
IMPACT_URGENCY: dict[str, tuple[str, str]] = {
    "1": ("1", "1"),
    "2": ("1", "2"),
    "3": ("2", "2"),
    "4": ("2", "3"),
    "5": ("3", "3"),
}
# The resolution code of the base system's incident (Utah and later) for a case cxloop solved.
CLOSE_CODE = "Solution provided"
SHORT_DESCRIPTION_MAX = 160  # the incident's short_description column


def incident_fields(draft: CaseDraft) -> dict[str, Any]:
    """POST /api/now/table/incident's body: keyed on correlation_id, the details a work note."""
    impact, urgency = IMPACT_URGENCY.get(draft.priority, IMPACT_URGENCY["3"])
    fields: dict[str, Any] = {
        "correlation_id": draft.external_id,
        "correlation_display": "cxloop",
        "short_description": draft.subject[:SHORT_DESCRIPTION_MAX],
        "description": draft.description,
        "impact": impact,
        "urgency": urgency,
        "state": NEW,
    }
    if draft.due_at is not None:
        # The Table API reads and writes date-times as "YYYY-MM-DD HH:MM:SS" in UTC.
        fields["due_date"] = draft.due_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return fields


def update_fields(update: CaseUpdate) -> dict[str, Any]:
    """PATCH /api/now/table/incident/{sys_id}'s body: a state, a work note, or both. Resolving
    needs a resolution code and notes (the incident's data policy refuses it otherwise)."""
    fields: dict[str, Any] = {}
    if update.comment:
        # A work note, not an additional comment: internal, as Zendesk's private note.
        fields["work_notes"] = update.comment
    if update.status == "solved":
        fields |= {
            "state": RESOLVED,
            "close_code": CLOSE_CODE,
            "close_notes": update.comment or "Resolved in cxloop.",
        }
    elif update.status == "open":
        fields["state"] = IN_PROGRESS
    return fields


class IncidentChanged(DomainModel):
    """The JSON body of the business rule README "Helpdesk connectors" sets up; ServiceNow
    renders choice values as strings ("6"), a script may send numbers: both are read."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    sys_id: str = Field(min_length=1, max_length=32)
    number: str = Field(default="", max_length=32)
    correlation_id: str = Field(min_length=1, max_length=64)
    state: IncidentState
    comments: str = Field(default="", max_length=4000)
    work_notes: str = Field(default="", max_length=4000)
    close_notes: str = Field(default="", max_length=4000)
    # The assignee's email (current.assigned_to.email), recorded as who acted.
    assigned_to: str = Field(default="", max_length=320)

    @field_validator("state", mode="before")
    @classmethod
    def _choice_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    def as_change(self) -> TicketChanged:
        """The change as cxloop.domain.integrations.callbacks applies any tool's: the text an
        agent wrote (the resolution notes when resolving) and the state's meaning."""
        ends = self.state in (RESOLVED, CLOSED, CANCELED)
        text = (self.close_notes if ends else "") or self.comments or self.work_notes
        return TicketChanged(
            ticket_id=self.number or self.sys_id,
            external_id=self.correlation_id,
            status=_AS_STATUS[self.state],
            comment=text,
            assignee_email=self.assigned_to,
        )


def parse_event(document: object) -> TicketChanged:
    try:
        return IncidentChanged.model_validate(document).as_change()
    except ValidationError as exc:
        problems = [
            FieldProblem(".".join(str(p) for p in e["loc"]) or "body", e["msg"]) for e in exc.errors()
        ]
        raise InvalidInput("not a ServiceNow incident change cxloop understands", problems) from exc
