"""How a ticket is classified (request / complaint / claim) and which team works it: the
analysts' `classification` and `assignment` documents, with the defaults that apply until
they publish their own."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ConfigDict, model_validator

from cxloop.domain.casework.ticket_types import TicketType
from cxloop.domain.kernel.conditions import Name, Rule, leaf, unique_names
from cxloop.domain.kernel.modelling import DomainModel
from cxloop.domain.organisation.hierarchy import Organisation


class ClassificationRule(Rule):
    type: TicketType


class AssignmentRule(Rule):
    # A team by id ("madrid-centro-facilities"), or the ticket's branch's team of a kind.
    team: Name | None = None
    team_kind: Name | None = None

    @model_validator(mode="after")
    def _one_target(self) -> AssignmentRule:
        if (self.team is None) == (self.team_kind is None):
            raise ValueError("give exactly one of team or team_kind")
        return self


class ClassificationRules(DomainModel):
    """petición / queja / reclamo. First match wins; the default catches the rest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: tuple[ClassificationRule, ...] = ()
    default: TicketType = "request"

    @model_validator(mode="after")
    def _unique(self) -> ClassificationRules:
        unique_names(self.rules)
        return self


class AssignmentRules(DomainModel):
    """Which team works the ticket. First match wins; the default team kind catches the rest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: tuple[AssignmentRule, ...] = ()
    default_team_kind: Name = "customer_service"

    @model_validator(mode="after")
    def _unique(self) -> AssignmentRules:
        unique_names(self.rules)
        return self


DEFAULT_CLASSIFICATION = ClassificationRules.model_validate(
    {
        "rules": [
            {
                # A reclamo asks for a remedy: money, cover, a claim decision.
                "name": "money_or_cover",
                "type": "claim",
                "when": {
                    "all": [
                        leaf("topics", "contains", ["billing", "price", "coverage", "claims_process"]),
                        leaf("nps", "<=", 6),
                    ]
                },
            },
            {
                "name": "angry_about_a_claim",
                "type": "claim",
                "when": {"all": [leaf("event_type", "starts_with", "claim."), leaf("nps", "<=", 3)]},
            },
            {
                "name": "bad_service",
                "type": "complaint",
                "when": {"any": [leaf("nps", "<=", 6), leaf("csat", "<=", 2)]},
            },
        ],
        "default": "request",
    }
)

DEFAULT_ASSIGNMENT = AssignmentRules.model_validate(
    {
        "rules": [
            {
                "name": "cleanliness",
                "team_kind": "facilities",
                "when": leaf("topics", "contains", "cleanliness"),
            },
            {"name": "claims", "team_kind": "claims", "when": leaf("event_type", "starts_with", "claim.")},
            {
                "name": "calls",
                "team_kind": "contact_center",
                "when": leaf("event_type", "starts_with", "call."),
            },
            {
                "name": "roadside",
                "team_kind": "roadside",
                "when": leaf("event_type", "starts_with", "roadside."),
            },
        ],
        "default_team_kind": "customer_service",
    }
)


@dataclass(frozen=True)
class CaseRouting:
    """The slice of the analysts' documents that routes a new case: its type, its team and,
    through the organisation, the person who owns it."""

    classification: ClassificationRules = DEFAULT_CLASSIFICATION
    assignment: AssignmentRules = DEFAULT_ASSIGNMENT
    organisation: Organisation | None = None
