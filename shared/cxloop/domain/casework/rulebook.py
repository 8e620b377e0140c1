"""Everything analysts change as data, without redeploying: the organisation, the SLAs,
which answers open a ticket, how a ticket is classified and which team it goes to.

Each document is validated here (a bad one is refused, naming the field) and stored
versioned by the config API; the functions read the current versions through a
short cache. Where nothing is stored, the defaults below apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, StringConstraints, Tag, model_validator

from cxloop.domain.casework.sla import DEFAULT_SLA_SETTINGS, SlaSettings, TicketType
from cxloop.domain.contact.policy import ContactPolicy
from cxloop.domain.feedback.models import Priority
from cxloop.domain.feedback.routing import DEFAULT_RULES, OPERATORS, explain, matches
from cxloop.domain.kernel.modelling import DomainModel
from cxloop.domain.organisation.hierarchy import Organisation
from cxloop.domain.surveys.survey_catalogue import DEFAULT_CATALOGUE, SurveyCatalogue

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class Leaf(DomainModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    field: Name
    op: Literal[OPERATORS]  # type: ignore[valid-type]
    value: Any


class AllOf(DomainModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    all: tuple[Condition, ...]


class AnyOf(DomainModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    any: tuple[Condition, ...]


def _condition_kind(value: Any) -> str:
    """Which shape a condition is, so a mistake is reported inside that shape only."""
    if isinstance(value, dict):
        return "all" if "all" in value else "any" if "any" in value else "leaf"
    shapes: dict[type[BaseModel], str] = {AllOf: "all", AnyOf: "any"}
    return shapes.get(type(value), "leaf")


Condition = Annotated[
    Annotated[Leaf, Tag("leaf")] | Annotated[AllOf, Tag("all")] | Annotated[AnyOf, Tag("any")],
    Discriminator(_condition_kind),
]
AllOf.model_rebuild()
AnyOf.model_rebuild()


class _Rule(DomainModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    when: Condition

    @property
    def condition(self) -> dict[str, Any]:
        return self.when.model_dump(mode="json")


class TicketRule(_Rule):
    priority: Priority


class ClassificationRule(_Rule):
    type: TicketType


class AssignmentRule(_Rule):
    # A team by id ("madrid-centro-facilities"), or the ticket's branch's team of a kind.
    team: Name | None = None
    team_kind: Name | None = None

    @model_validator(mode="after")
    def _one_target(self) -> AssignmentRule:
        if (self.team is None) == (self.team_kind is None):
            raise ValueError("give exactly one of team or team_kind")
        return self


def _unique_names(rules: tuple[_Rule, ...]) -> None:
    names = [rule.name for rule in rules]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"rule names must be unique; repeated: {', '.join(repeated)}")


class TicketRules(DomainModel):
    """Which answers open a ticket, at what priority. First match wins; none means no ticket."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: tuple[TicketRule, ...]

    @model_validator(mode="after")
    def _unique(self) -> TicketRules:
        _unique_names(self.rules)
        return self

    def as_mappings(self) -> tuple[dict[str, Any], ...]:
        return tuple({"name": r.name, "when": r.condition, "priority": r.priority} for r in self.rules)


class ClassificationRules(DomainModel):
    """petición / queja / reclamo. First match wins; the default catches the rest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: tuple[ClassificationRule, ...] = ()
    default: TicketType = "request"

    @model_validator(mode="after")
    def _unique(self) -> ClassificationRules:
        _unique_names(self.rules)
        return self


class AssignmentRules(DomainModel):
    """Which team works the ticket. First match wins; the default team kind catches the rest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: tuple[AssignmentRule, ...] = ()
    default_team_kind: Name = "customer_service"

    @model_validator(mode="after")
    def _unique(self) -> AssignmentRules:
        _unique_names(self.rules)
        return self


def _leaf(field_name: str, op: str, value: object) -> dict[str, object]:
    return {"field": field_name, "op": op, "value": value}


DEFAULT_TICKET_RULES = TicketRules.model_validate({"rules": DEFAULT_RULES})

DEFAULT_CLASSIFICATION = ClassificationRules.model_validate(
    {
        "rules": [
            {
                # A reclamo asks for a remedy: money, cover, a claim decision.
                "name": "money_or_cover",
                "type": "claim",
                "when": {
                    "all": [
                        _leaf("topics", "contains", ["billing", "price", "coverage", "claims_process"]),
                        _leaf("nps", "<=", 6),
                    ]
                },
            },
            {
                "name": "angry_about_a_claim",
                "type": "claim",
                "when": {"all": [_leaf("event_type", "starts_with", "claim."), _leaf("nps", "<=", 3)]},
            },
            {
                "name": "bad_service",
                "type": "complaint",
                "when": {"any": [_leaf("nps", "<=", 6), _leaf("csat", "<=", 2)]},
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
                "when": _leaf("topics", "contains", "cleanliness"),
            },
            {"name": "claims", "team_kind": "claims", "when": _leaf("event_type", "starts_with", "claim.")},
            {
                "name": "calls",
                "team_kind": "contact_center",
                "when": _leaf("event_type", "starts_with", "call."),
            },
            {
                "name": "roadside",
                "team_kind": "roadside",
                "when": _leaf("event_type", "starts_with", "roadside."),
            },
        ],
        "default_team_kind": "customer_service",
    }
)

DEFAULT_CONTACT_POLICY = ContactPolicy()

# Every document the config API accepts, by name, with the model that validates it.
DOCUMENTS: dict[str, type[BaseModel]] = {
    "organisation": Organisation,
    "sla": SlaSettings,
    "ticket_rules": TicketRules,
    "classification": ClassificationRules,
    "assignment": AssignmentRules,
    "contact_policy": ContactPolicy,
    "surveys": SurveyCatalogue,
}


@dataclass(frozen=True)
class Rulebook:
    organisation: Organisation | None = None
    sla: SlaSettings = DEFAULT_SLA_SETTINGS
    ticket_rules: TicketRules = DEFAULT_TICKET_RULES
    classification: ClassificationRules = DEFAULT_CLASSIFICATION
    assignment: AssignmentRules = DEFAULT_ASSIGNMENT
    contact_policy: ContactPolicy = DEFAULT_CONTACT_POLICY
    surveys: SurveyCatalogue = DEFAULT_CATALOGUE
    versions: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_documents(cls, documents: Mapping[str, tuple[int, Mapping[str, Any]]]) -> Rulebook:
        """Build from stored (version, document) pairs; absent documents keep their defaults."""
        parsed = {name: DOCUMENTS[name].model_validate(doc) for name, (_, doc) in documents.items()}
        versions = {name: version for name, (version, _) in documents.items()}
        return cls(**parsed, versions=versions)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Verdict:
    """A rule's decision and, in words, why."""

    rule: str
    reason: str


def first_match(rules: tuple[_Rule, ...], facts: Mapping[str, object]) -> tuple[_Rule, Verdict] | None:
    for rule in rules:
        condition = rule.condition
        if matches(condition, facts):
            return rule, Verdict(rule.name, explain(condition, facts))
    return None


def validate_document(name: str, document: object) -> BaseModel:
    """The validated document; pydantic's ValidationError names each bad field."""
    return DOCUMENTS[name].model_validate(document)


def known_document(name: str) -> bool:
    return name in DOCUMENTS


DOCUMENT_NAMES = tuple(DOCUMENTS)
