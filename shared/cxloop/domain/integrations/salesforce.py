"""Salesforce's side of a connector: a case as a Salesforce Case (REST API), and the Case
changes an Apex callout reports back, signed with the connector's shared secret
(cxloop.domain.integrations.shared_secret_callouts).

A Case is keyed on cxloop's ticket id through the custom external-id field EXTERNAL_ID_FIELD
(README "Helpdesk connectors" says how to add it): created with an upsert on that field, so a
retry finds the Case instead of making a second one. cxloop's changes become a Status and an
internal CaseComment.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, ValidationError

from cxloop.domain.integrations.cases import CaseDraft, CaseStatus, CaseUpdate
from cxloop.domain.integrations.connectors import Connector
from cxloop.domain.integrations.zendesk import TicketChanged
from cxloop.domain.kernel.errors import FieldProblem, InvalidInput
from cxloop.domain.kernel.modelling import DomainModel

API_VERSION = "v60.0"
# A custom Text field on Case, marked External ID and Unique (README "Helpdesk connectors"),
# unless the connector names another (Connector.external_id_field).
EXTERNAL_ID_FIELD = "Cxloop_Ticket_Id__c"
# A value of the standard Case Origin picklist every org has.
ORIGIN = "Web"
# cxloop's case statuses as the standard Case Status picklist's values.
STATUSES: dict[CaseStatus, str] = {"open": "Working", "solved": "Closed"}
# Subject is a 255-character field; a longer one is refused with STRING_TOO_LONG.
SUBJECT_MAX = 255


def external_id_field(connector: Connector) -> str:
    return connector.external_id_field or EXTERNAL_ID_FIELD


def case_path(field: str = EXTERNAL_ID_FIELD, value: str | None = None) -> str:
    """/services/data/{version}/sobjects/Case[/{field}/{value}]: by external id, or by Id when
    `field` is the Case's own Id."""
    base = f"/services/data/{API_VERSION}/sobjects/Case"
    return f"{base}/{value}" if field == "Id" else f"{base}/{field}/{value}"


def case_fields(draft: CaseDraft) -> dict[str, Any]:
    """The upsert's body: the external id is in the URL, never in the body (Salesforce refuses it)."""
    return {
        "Subject": draft.subject[:SUBJECT_MAX],
        "Description": draft.description,
        "Priority": draft.priority,
        "Origin": ORIGIN,
        "Status": "New",
    }


def status_fields(update: CaseUpdate) -> dict[str, Any] | None:
    """PATCH /sobjects/Case/{Id}'s body for a new status; None: the status stays."""
    return {"Status": STATUSES[update.status]} if update.status is not None else None


def comment_fields(case_id: str, update: CaseUpdate) -> dict[str, Any] | None:
    """POST /sobjects/CaseComment's body: an internal (unpublished) comment; None: no comment."""
    if not update.comment:
        return None
    return {"ParentId": case_id, "CommentBody": update.comment, "IsPublished": False}


class CaseChanged(DomainModel):
    """The JSON body of the Apex callout README "Helpdesk connectors" sets up."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    case_id: str = Field(alias="Id", min_length=15, max_length=18, pattern=r"^[A-Za-z0-9]+$")
    case_number: str = Field(default="", alias="CaseNumber", max_length=30)
    external_id: str = Field(alias=EXTERNAL_ID_FIELD, min_length=1, max_length=64)
    status: str = Field(alias="Status", min_length=1, max_length=40)
    is_closed: bool = Field(alias="IsClosed")
    comment: str = Field(default="", alias="Comment", max_length=4000)
    owner_email: str = Field(default="", alias="OwnerEmail", max_length=320)

    def as_ticket_change(self) -> TicketChanged:
        """In the callbacks' terms: closed there is solved; any open status is open."""
        return TicketChanged(
            ticket_id=self.case_id,
            external_id=self.external_id,
            status="closed" if self.is_closed else "open",
            comment=self.comment,
            assignee_email=self.owner_email,
        )


def parse_callout(connector: Connector, document: object) -> TicketChanged:
    """The callout's change (its signature checked already, cxloop.domain.integrations.callbacks);
    InvalidInput otherwise. The ticket id comes under the connector's external-id field's name,
    as the Case has it."""
    field = external_id_field(connector)
    if isinstance(document, dict) and field != EXTERNAL_ID_FIELD:
        document = {k: v for k, v in document.items() if k != EXTERNAL_ID_FIELD}
        if field in document:
            document[EXTERNAL_ID_FIELD] = document.pop(field)
    try:
        return CaseChanged.model_validate(document).as_ticket_change()
    except ValidationError as exc:
        named = {EXTERNAL_ID_FIELD: field}
        problems = [
            FieldProblem(".".join(named.get(str(p), str(p)) for p in e["loc"]) or "body", e["msg"])
            for e in exc.errors()
        ]
        raise InvalidInput("not a Salesforce Case change cxloop understands", problems) from exc
