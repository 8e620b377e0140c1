"""The data lake's rows: what analysts may query, and nothing about the customer as a person.

Every scored response and every change of a ticket becomes one flat row (change data capture
from the tables' DynamoDB streams). Rows carry ids, dates, the place (touchpoint, branch,
region, country) and the scores, never a customer's id, name, email, phone or comment text:
the lake is read by analysts who must not be able to find a person in it.

Streams deliver at least once, so a row may land twice: each carries its business key
(`response_id`; `ticket_id` + `version`) and the saved queries keep one row per key.

Times are UTC text "YYYY-MM-DD HH:MM:SS.mmm", the timestamp format both Athena's JSON SerDe
and DuckDB read as a TIMESTAMP, and which sorts as text in time order. `dt` is the event's UTC
date, the partition Firehose writes the row under (responses/dt=2026-11-23/...).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ConfigDict

from cxloop.domain.casework.models import Ticket
from cxloop.domain.kernel.modelling import DomainModel
from cxloop.domain.surveys.models import SurveyResponse
from cxloop.domain.surveys.scoring import Score

Dataset = Literal["responses", "ticket_events"]
DATASETS: tuple[Dataset, ...] = ("responses", "ticket_events")
# Which table an image comes from, told by its key: the stores key items on these.
_DATASET_BY_KEY: dict[str, Dataset] = {"response_id": "responses", "ticket_id": "ticket_events"}


class ResponseRow(DomainModel):
    """One scored survey response."""

    model_config = ConfigDict(frozen=True)

    response_id: str
    interaction_id: str
    survey_id: str
    event_type: str
    submitted_at: str
    touchpoint: str
    channel: str | None
    branch: str | None
    region: str | None
    country: str | None
    language: str
    nps: int | None
    nps_category: str | None
    csat: int | None
    ces: int | None
    sentiment: str | None
    topics: list[str]
    callback: bool
    dt: str


class TicketEventRow(DomainModel):
    """One stored version of a ticket: its state after the action that made it."""

    model_config = ConfigDict(frozen=True)

    ticket_id: str
    version: int
    at: str
    action: str
    response_id: str
    event_type: str
    status: str
    ticket_type: str
    priority: str
    team: str | None
    # A staff member's id (or team:<id>): the organisation's data, not the customer's.
    owner: str
    branch: str
    region: str | None
    country: str | None
    opened_at: str
    due_at: str | None
    first_contact_at: str | None
    resolved_at: str | None
    escalation_level: int
    reopen_count: int
    follow_up_outcome: str | None
    nps_category: str | None
    dt: str


LakeRow = ResponseRow | TicketEventRow

# The Glue (Hive) type of each column, in order; `dt` is the partition, not a column.
COLUMNS: dict[Dataset, tuple[tuple[str, str], ...]] = {
    "responses": (
        ("response_id", "string"),
        ("interaction_id", "string"),
        ("survey_id", "string"),
        ("event_type", "string"),
        ("submitted_at", "timestamp"),
        ("touchpoint", "string"),
        ("channel", "string"),
        ("branch", "string"),
        ("region", "string"),
        ("country", "string"),
        ("language", "string"),
        ("nps", "int"),
        ("nps_category", "string"),
        ("csat", "int"),
        ("ces", "int"),
        ("sentiment", "string"),
        ("topics", "array<string>"),
        ("callback", "boolean"),
    ),
    "ticket_events": (
        ("ticket_id", "string"),
        ("version", "int"),
        ("at", "timestamp"),
        ("action", "string"),
        ("response_id", "string"),
        ("event_type", "string"),
        ("status", "string"),
        ("ticket_type", "string"),
        ("priority", "string"),
        ("team", "string"),
        ("owner", "string"),
        ("branch", "string"),
        ("region", "string"),
        ("country", "string"),
        ("opened_at", "timestamp"),
        ("due_at", "timestamp"),
        ("first_contact_at", "timestamp"),
        ("resolved_at", "timestamp"),
        ("escalation_level", "int"),
        ("reopen_count", "int"),
        ("follow_up_outcome", "string"),
        ("nps_category", "string"),
    ),
}
PARTITION_KEY = "dt"


@dataclass(frozen=True)
class Archived:
    dataset: Dataset
    row: LakeRow

    @property
    def key(self) -> str:
        """The business key the saved queries dedupe on."""
        if isinstance(self.row, ResponseRow):
            return self.row.response_id
        return f"{self.row.ticket_id}#{self.row.version}"


class UnknownImage(ValueError):
    """An item from a table the lake does not archive."""


def lake_time(moment: datetime) -> str:
    """UTC, millisecond precision, in the one text form both query engines read as a timestamp."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _optional_time(moment: datetime | None) -> str | None:
    return lake_time(moment) if moment is not None else None


def _partition(moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat()


def archived(image: Mapping[str, Any]) -> Archived | None:
    """The lake row for one stored item (a stream's new image, plain values), or None when the
    item is not (yet) one: a response before it is scored."""
    dataset = next((d for key, d in _DATASET_BY_KEY.items() if key in image), None)
    if dataset is None:
        raise UnknownImage(f"an item keyed on none of {sorted(_DATASET_BY_KEY)}")
    if dataset == "responses":
        row: LakeRow | None = response_row(image)
    else:
        row = ticket_event_row(Ticket.model_validate_json(str(image["doc"])))
    return Archived(dataset, row) if row is not None else None


def response_row(image: Mapping[str, Any]) -> ResponseRow | None:
    """A response becomes a row once score_response has added its score."""
    if "score" not in image:
        return None
    response = SurveyResponse.model_validate_json(str(image["doc"]))
    score = Score.model_validate_json(str(image["score"]))
    return scored_response_row(response, score)


def scored_response_row(response: SurveyResponse, score: Score) -> ResponseRow:
    place = response.touchpoint
    return ResponseRow(
        response_id=response.response_id,
        interaction_id=response.interaction_id,
        survey_id=response.survey_id,
        event_type=response.event_type,
        submitted_at=lake_time(response.submitted_at),
        touchpoint=place.id,
        channel=place.channel,
        branch=place.branch,
        region=place.region,
        country=place.country,
        language=response.customer.language,
        nps=score.nps,
        nps_category=score.nps_category,
        csat=score.csat,
        ces=score.ces,
        sentiment=score.sentiment,
        topics=list(score.topics),
        callback=score.callback_requested,
        dt=_partition(response.submitted_at),
    )


def ticket_event_row(ticket: Ticket) -> TicketEventRow:
    last = ticket.history[-1] if ticket.history else None
    at = ticket.updated_at or (last.at if last else ticket.opened_at)
    return TicketEventRow(
        ticket_id=ticket.ticket_id,
        version=ticket.version,
        at=lake_time(at),
        action=last.action if last else "open",
        response_id=ticket.response_id,
        event_type=ticket.event_type,
        status=ticket.status,
        ticket_type=ticket.ticket_type,
        priority=ticket.priority,
        team=ticket.team,
        owner=ticket.owner,
        branch=ticket.branch,
        region=ticket.region,
        country=ticket.country,
        opened_at=lake_time(ticket.opened_at),
        due_at=_optional_time(ticket.due_at),
        first_contact_at=_optional_time(ticket.first_contact_at),
        resolved_at=_optional_time(ticket.resolution.at if ticket.resolution else None),
        escalation_level=ticket.escalation_level,
        reopen_count=ticket.reopen_count,
        follow_up_outcome=ticket.follow_up.outcome if ticket.follow_up else None,
        nps_category=ticket.score.nps_category,
        dt=_partition(at),
    )
