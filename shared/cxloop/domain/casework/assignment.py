"""Which kind of case a bad answer is, which team works it and which person owns it.

Classification (request / complaint / claim) and team routing are rule sets held as
data (cxloop.domain.casework.rulebook): first match wins, a default catches the rest, and the
ticket records which rule fired and why. Within the team, people take turns
(round-robin on an atomic counter, so two tickets opened at once go to two people).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cxloop.domain.casework.rulebook import (
    AssignmentRule,
    AssignmentRules,
    ClassificationRule,
    Rulebook,
    first_match,
)
from cxloop.domain.casework.sla import TicketType
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


def classify(facts: Mapping[str, object], *, book: Rulebook) -> tuple[TicketType, str]:
    found = first_match(book.classification.rules, facts)
    if found is None:
        return book.classification.default, "default"
    rule, verdict = found
    assert isinstance(rule, ClassificationRule)
    return rule.type, f"{verdict.rule}: {verdict.reason}"


def route_to_team(facts: Mapping[str, object], *, branch: str, book: Rulebook) -> tuple[str | None, str]:
    """The team id (None when the organisation has none to offer) and why."""
    rules: AssignmentRules = book.assignment
    found = first_match(rules.rules, facts)
    if found is None:
        return _team_of_kind(book.organisation, branch, rules.default_team_kind), "default"
    rule, verdict = found
    assert isinstance(rule, AssignmentRule)
    why = f"{verdict.rule}: {verdict.reason}"
    if rule.team is not None:
        return rule.team, why
    return _team_of_kind(book.organisation, branch, rule.team_kind or rules.default_team_kind), why


def _team_of_kind(organisation: Organisation | None, branch: str, kind: str) -> str | None:
    if organisation is None:
        return None
    team = organisation.team_for(branch, kind)
    return team.id if team else None


def owner_in_turn(team: str | None, *, branch: str, book: Rulebook, next_turn: NextTurn) -> str:
    """The next person of the team, or the team itself when it has nobody (a manager assigns)."""
    if team is None:
        return f"team:{branch}"
    members = book.organisation.members(team) if book.organisation else ()
    if not members:
        return f"team:{team}"
    return members[(next_turn(team) - 1) % len(members)].id


def assign(facts: Mapping[str, object], *, branch: str, book: Rulebook, next_turn: NextTurn) -> Assignment:
    ticket_type, classification = classify(facts, book=book)
    team, routed_by = route_to_team({**facts, "type": ticket_type}, branch=branch, book=book)
    owner = owner_in_turn(team, branch=branch, book=book, next_turn=next_turn)
    return Assignment(ticket_type, classification, team, routed_by, owner)
