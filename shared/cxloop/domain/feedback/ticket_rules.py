"""Which answers open a ticket, and at what priority: the analysts' `ticket_rules` document."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, model_validator

from cxloop.domain.feedback.models import Priority
from cxloop.domain.feedback.routing import DEFAULT_RULES
from cxloop.domain.kernel.conditions import Rule, unique_names
from cxloop.domain.kernel.modelling import DomainModel


class TicketRule(Rule):
    priority: Priority


class TicketRules(DomainModel):
    """Which answers open a ticket, at what priority. First match wins; none means no ticket."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: tuple[TicketRule, ...]

    @model_validator(mode="after")
    def _unique(self) -> TicketRules:
        unique_names(self.rules)
        return self

    def as_mappings(self) -> tuple[dict[str, Any], ...]:
        return tuple({"name": r.name, "when": r.condition, "priority": r.priority} for r in self.rules)


DEFAULT_TICKET_RULES = TicketRules.model_validate({"rules": DEFAULT_RULES})
