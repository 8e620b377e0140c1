"""Which kind of case a bad answer is, which team works it and which person owns it.

Classification (request / complaint / claim) and team routing are rule sets held as
data (cxloop.domain.casework.case_rules): first match wins, a default catches the rest, and the
ticket records which rule fired and why. Within the team, people take turns
(round-robin on an atomic counter, so two tickets opened at once go to two people).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cxloop.domain.casework.case_rules import (
    AssignmentRule,
    AssignmentRules,
    CaseRouting,
    ClassificationRule,
    ClassificationRules,
)
from cxloop.domain.casework.ticket_types import TicketType
from cxloop.domain.kernel.conditions import first_match
from cxloop.domain.organisation.hierarchy import Organisation

# Turns a team's counter and answers the new value (1, 2, 3, ...).
NextTurn = Callable[[str], int]


@dataclass(frozen=True)
class Assignment:
    ticket_type: TicketType
    classification: str
    team: str | None
    routed_by: str
    owner: str


def classify(facts: Mapping[str, object], *, classification: ClassificationRules) -> tuple[TicketType, str]:
    found = first_match(classification.rules, facts)
    if found is None:
        return classification.default, "default"
    rule, verdict = found
    assert isinstance(rule, ClassificationRule)
    return rule.type, f"{verdict.rule}: {verdict.reason}"


def route_to_team(
    facts: Mapping[str, object], *, branch: str, rules: AssignmentRules, organisation: Organisation | None
) -> tuple[str | None, str]:
    """The team id (None when the organisation has none to offer) and why."""
    found = first_match(rules.rules, facts)
    if found is None:
        return _team_of_kind(organisation, branch, rules.default_team_kind), "default"
    rule, verdict = found
    assert isinstance(rule, AssignmentRule)
    why = f"{verdict.rule}: {verdict.reason}"
    if rule.team is not None:
        return rule.team, why
    return _team_of_kind(organisation, branch, rule.team_kind or rules.default_team_kind), why


def _team_of_kind(organisation: Organisation | None, branch: str, kind: str) -> str | None:
    if organisation is None:
        return None
    team = organisation.team_for(branch, kind)
    return team.id if team else None


def owner_in_turn(
    team: str | None, *, branch: str, organisation: Organisation | None, next_turn: NextTurn
) -> str:
    """The next person of the team, or the team itself when it has nobody (a manager assigns)."""
    if team is None:
        return f"team:{branch}"
    members = organisation.members(team) if organisation else ()
    if not members:
        return f"team:{team}"
    return members[(next_turn(team) - 1) % len(members)].id


def assign(
    facts: Mapping[str, object], *, branch: str, rules: CaseRouting, next_turn: NextTurn
) -> Assignment:
    """The case's type, its team and the person who owns it, with the rules that decided."""
    ticket_type, classification = classify(facts, classification=rules.classification)
    team, routed_by = route_to_team(
        {**facts, "type": ticket_type}, branch=branch, rules=rules.assignment, organisation=rules.organisation
    )
    owner = owner_in_turn(team, branch=branch, organisation=rules.organisation, next_turn=next_turn)
    return Assignment(ticket_type, classification, team, routed_by, owner)
