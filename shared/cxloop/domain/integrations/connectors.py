"""The `connectors` document: which teams (or kinds of team) work their cases in which
helpdesk or CRM, where that tool lives, and which Secrets Manager secret holds its
credentials and the key its callbacks are signed with.

A team works in one tool at most: its cases are created there once and kept in sync both
ways (cxloop.domain.integrations.sync_cases, cxloop.domain.integrations.callbacks).
Without a published document no team is connected and nothing leaves cxloop.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from cxloop.domain.feedback.models import Priority
from cxloop.domain.kernel.modelling import DomainModel
from cxloop.domain.organisation.hierarchy import Id, Kind, Organisation

Vendor = Literal["zendesk", "servicenow", "salesforce"]
VENDORS: tuple[Vendor, ...] = ("zendesk", "servicenow", "salesforce")
# Every connector's secret lives under this name prefix, so the sync function's permission
# can be scoped to it (infra/cdk grants secretsmanager:GetSecretValue on this prefix only).
SECRET_PREFIX = "cxloop/connectors/"  # noqa: S105 - a name, not a secret
SecretName = Annotated[
    str, StringConstraints(max_length=256, pattern=r"^cxloop/connectors/[A-Za-z0-9/_+=.@-]+$")
]
# The connector's name is the last segment of /v1/connectors/{name}/events.
ConnectorName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]

# cxloop's priorities in each tool's vocabulary, unless the document says otherwise.
DEFAULT_PRIORITIES: dict[Vendor, dict[Priority, str]] = {
    "zendesk": {"low": "low", "medium": "normal", "high": "high", "urgent": "urgent"},
    # ServiceNow's incident priority comes from impact x urgency: 1 (critical) to 4 (low).
    "servicenow": {"low": "4", "medium": "3", "high": "2", "urgent": "1"},
    "salesforce": {"low": "Low", "medium": "Medium", "high": "High", "urgent": "High"},
}
# ServiceNow's priorities are a closed list (cxloop.domain.integrations.servicenow writes each as
# the impact x urgency that yields it): anything else would be silently moderate there.
SERVICENOW_PRIORITIES = ("1", "2", "3", "4", "5")


class Connector(DomainModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ConnectorName = Field(description="Names the callback route: /v1/connectors/{name}/events")
    vendor: Vendor
    instance_url: HttpUrl = Field(description="The tool's base URL, e.g. https://acme.zendesk.com")
    secret: SecretName = Field(
        description=f"The Secrets Manager secret (under {SECRET_PREFIX}) with the credentials and signing key"
    )
    teams: tuple[Id, ...] = Field(default=(), description="Team ids whose cases live in this tool")
    team_kinds: tuple[Kind, ...] = Field(
        default=(), description="Kinds of team whose cases live in this tool"
    )
    priorities: dict[Priority, str] = Field(
        default_factory=dict,
        description="cxloop priority -> the tool's; the vendor's usual mapping by default",
    )
    external_id_field: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z][A-Za-z0-9_]{0,60}__c$",
        description="Salesforce only: the Case's custom external-id field keyed on cxloop's ticket id "
        "(Cxloop_Ticket_Id__c by default)",
    )

    @field_validator("priorities")
    @classmethod
    def _in_the_vendors_list(
        cls, priorities: dict[Priority, str], info: ValidationInfo
    ) -> dict[Priority, str]:
        unknown = sorted(v for v in priorities.values() if v not in SERVICENOW_PRIORITIES)
        if info.data.get("vendor") == "servicenow" and unknown:
            raise ValueError(f"ServiceNow priorities are {', '.join(SERVICENOW_PRIORITIES)}; not {unknown}")
        return priorities

    @model_validator(mode="after")
    def _routes_something(self) -> Connector:
        if not self.teams and not self.team_kinds:
            raise ValueError("name at least one team or team kind")
        return self

    @field_validator("external_id_field")
    @classmethod
    def _salesforce_only(cls, field: str | None, info: ValidationInfo) -> str | None:
        if field is not None and info.data.get("vendor") != "salesforce":
            raise ValueError("is for a salesforce connector only")
        return field

    def priority_of(self, priority: Priority) -> str:
        return self.priorities.get(priority) or DEFAULT_PRIORITIES[self.vendor][priority]

    @property
    def base_url(self) -> str:
        return str(self.instance_url).rstrip("/")


class Connectors(DomainModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    connectors: tuple[Connector, ...] = ()

    @model_validator(mode="after")
    def _one_tool_per_team(self) -> Connectors:
        names = [c.name for c in self.connectors]
        if len(set(names)) != len(names):
            raise ValueError("connector names must be unique")
        for field in ("teams", "team_kinds"):
            seen: set[str] = set()
            for connector in self.connectors:
                twice = seen & set(getattr(connector, field))
                if twice:
                    raise ValueError(f"{field} {sorted(twice)} are routed to more than one connector")
                seen |= set(getattr(connector, field))
        return self

    def named(self, name: str) -> Connector | None:
        return next((c for c in self.connectors if c.name == name), None)

    def for_team(self, team_id: str | None, organisation: Organisation | None) -> Connector | None:
        """The tool a team works in: named by its id first, else by its kind; None: cxloop only."""
        if not team_id:
            return None
        by_id = next((c for c in self.connectors if team_id in c.teams), None)
        if by_id is not None or organisation is None:
            return by_id
        team = organisation.team(team_id)
        if team is None:
            return None
        return next((c for c in self.connectors if team.kind in c.team_kinds), None)


NO_CONNECTORS = Connectors()
