"""Everything analysts change as data, without redeploying: the organisation, the SLAs,
which answers open a ticket, how a ticket is classified and which team it goes to.

Each document is validated here (a bad one is refused, naming the field) and stored
versioned by the config API; the functions read the current versions through a
short cache. Where nothing is stored, the defaults below apply.

Each document's model lives in the context that owns it and is imported when that
document is first validated or asked for, never with the bundle: a function loads only
the contexts of the documents it reads (docs/ARCHITECTURE.md, Bounded contexts: each step
reads only its slice of the analysts' documents), and push_alert or sla_watcher never pay
for the survey catalogue or the contact policy.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel

if TYPE_CHECKING:
    from cxloop.domain.casework.case_rules import AssignmentRules, ClassificationRules
    from cxloop.domain.casework.sla import SlaSettings
    from cxloop.domain.contact.policy import ContactPolicy, PolicyVersion
    from cxloop.domain.feedback.ticket_rules import TicketRules
    from cxloop.domain.integrations.connectors import Connectors
    from cxloop.domain.organisation.hierarchy import Organisation
    from cxloop.domain.surveys.survey_catalogue import SurveyCatalogue


@dataclass(frozen=True)
class DocumentKind:
    """Where a document's model and its default live: `module` under cxloop.domain, the
    model's name, and the name of the module's default document ("" for the model's own
    defaults, None for no default at all: an unpublished organisation is no organisation)."""

    module: str
    model: str
    default: str | None = ""


# Every document the config API accepts, by name.
DOCUMENT_KINDS: dict[str, DocumentKind] = {
    "organisation": DocumentKind("organisation.hierarchy", "Organisation", default=None),
    "sla": DocumentKind("casework.sla", "SlaSettings", "DEFAULT_SLA_SETTINGS"),
    "ticket_rules": DocumentKind("feedback.ticket_rules", "TicketRules", "DEFAULT_TICKET_RULES"),
    "classification": DocumentKind("casework.case_rules", "ClassificationRules", "DEFAULT_CLASSIFICATION"),
    "assignment": DocumentKind("casework.case_rules", "AssignmentRules", "DEFAULT_ASSIGNMENT"),
    # Until a contact_policy is published, the recommended manners apply (quiet hours, a day's
    # gap, a monthly cap); a published document replaces them whole (ContactPolicy says why).
    "contact_policy": DocumentKind("contact.policy", "ContactPolicy", "RECOMMENDED"),
    "surveys": DocumentKind("surveys.survey_catalogue", "SurveyCatalogue", "DEFAULT_CATALOGUE"),
    # Which teams work their cases in Zendesk, ServiceNow or Salesforce; none until published.
    "connectors": DocumentKind("integrations.connectors", "Connectors", "NO_CONNECTORS"),
}
DOCUMENT_NAMES = tuple(DOCUMENT_KINDS)


def _module(kind: DocumentKind) -> Any:
    return importlib.import_module(f"cxloop.domain.{kind.module}")


class _DocumentModels(Mapping[str, type[BaseModel]]):
    """The model that validates each document, by name, imported on first lookup."""

    def __getitem__(self, name: str) -> type[BaseModel]:
        kind = DOCUMENT_KINDS[name]
        return cast("type[BaseModel]", getattr(_module(kind), kind.model))

    def __iter__(self) -> Iterator[str]:
        return iter(DOCUMENT_KINDS)

    def __len__(self) -> int:
        return len(DOCUMENT_KINDS)


DOCUMENTS: Mapping[str, type[BaseModel]] = _DocumentModels()

_defaults: dict[str, BaseModel | None] = {}
_defaults_lock = threading.Lock()


def default_document(name: str) -> BaseModel | None:
    """The document that applies while none is published; built once per process."""
    with _defaults_lock:
        if name not in _defaults:
            kind = DOCUMENT_KINDS[name]
            if kind.default is None:
                _defaults[name] = None
            elif kind.default:
                _defaults[name] = getattr(_module(kind), kind.default)
            else:
                _defaults[name] = DOCUMENTS[name]()
        return _defaults[name]


class Rulebook:
    """The documents a function read (the published versions, by name, with `versions`);
    any other document is its default, loaded only when asked for."""

    __slots__ = ("_documents", "versions")

    def __init__(
        self, documents: Mapping[str, BaseModel] | None = None, versions: Mapping[str, int] | None = None
    ) -> None:
        unknown = set(documents or {}) - set(DOCUMENT_KINDS)
        if unknown:
            raise ValueError(f"no config documents {sorted(unknown)}; known: {', '.join(DOCUMENT_NAMES)}")
        self._documents = dict(documents or {})
        self.versions = dict(versions or {})

    @classmethod
    def from_documents(cls, documents: Mapping[str, tuple[int, Mapping[str, Any]]]) -> Rulebook:
        """Build from stored (version, document) pairs; absent documents keep their defaults."""
        parsed = {name: validate_document(name, doc) for name, (_, doc) in documents.items()}
        versions = {name: version for name, (version, _) in documents.items()}
        return cls(parsed, versions)

    def _document(self, name: str) -> Any:
        found = self._documents.get(name)
        return found if found is not None else default_document(name)

    @property
    def organisation(self) -> Organisation | None:
        return cast("Organisation | None", self._document("organisation"))

    @property
    def sla(self) -> SlaSettings:
        return cast("SlaSettings", self._document("sla"))

    @property
    def ticket_rules(self) -> TicketRules:
        return cast("TicketRules", self._document("ticket_rules"))

    @property
    def classification(self) -> ClassificationRules:
        return cast("ClassificationRules", self._document("classification"))

    @property
    def assignment(self) -> AssignmentRules:
        return cast("AssignmentRules", self._document("assignment"))

    @property
    def contact_policy(self) -> ContactPolicy:
        return cast("ContactPolicy", self._document("contact_policy"))

    @property
    def surveys(self) -> SurveyCatalogue:
        return cast("SurveyCatalogue", self._document("surveys"))

    @property
    def connectors(self) -> Connectors:
        return cast("Connectors", self._document("connectors"))

    @property
    def contact_policy_version(self) -> PolicyVersion:
        """The published contact_policy's version, or `default` while the recommended one applies."""
        from cxloop.domain.contact.policy import DEFAULT_VERSION  # noqa: PLC0415 - only its readers load it

        return self.versions.get("contact_policy", DEFAULT_VERSION)


def validate_document(name: str, document: object) -> BaseModel:
    """The validated document; pydantic's ValidationError names each bad field."""
    return DOCUMENTS[name].model_validate(document)


def known_document(name: str) -> bool:
    return name in DOCUMENT_KINDS
