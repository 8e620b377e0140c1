"""Everything analysts change as data, without redeploying: the organisation, the SLAs,
which answers open a ticket, how a ticket is classified and which team it goes to.

Each document is validated here (a bad one is refused, naming the field) and stored
versioned by the config API; the functions read the current versions through a
short cache. Where nothing is stored, the defaults below apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from cxloop.domain.casework.case_rules import (
    DEFAULT_ASSIGNMENT,
    DEFAULT_CLASSIFICATION,
    AssignmentRules,
    ClassificationRules,
)
from cxloop.domain.casework.sla import DEFAULT_SLA_SETTINGS, SlaSettings
from cxloop.domain.contact.policy import DEFAULT_VERSION, RECOMMENDED, ContactPolicy, PolicyVersion
from cxloop.domain.feedback.ticket_rules import DEFAULT_TICKET_RULES, TicketRules
from cxloop.domain.organisation.hierarchy import Organisation
from cxloop.domain.surveys.survey_catalogue import DEFAULT_CATALOGUE, SurveyCatalogue

# Until a contact_policy is published, the recommended manners apply (quiet hours, a day's
# gap, a monthly cap); a published document replaces them whole (ContactPolicy says why).
DEFAULT_CONTACT_POLICY = RECOMMENDED

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

    @property
    def contact_policy_version(self) -> PolicyVersion:
        """The published contact_policy's version, or `default` while DEFAULT_CONTACT_POLICY applies."""
        return self.versions.get("contact_policy", DEFAULT_VERSION)


def validate_document(name: str, document: object) -> BaseModel:
    """The validated document; pydantic's ValidationError names each bad field."""
    return DOCUMENTS[name].model_validate(document)


def known_document(name: str) -> bool:
    return name in DOCUMENTS


DOCUMENT_NAMES = tuple(DOCUMENTS)
