"""Conditions held as data, the analysts' shared grammar for rules: a tree of
`{"all": [...]}`, `{"any": [...]}` or a leaf `{"field", "op", "value"}` over a mapping of
facts. The ticket rules (cxloop.domain.feedback.ticket_rules), classification and
assignment (cxloop.domain.casework.case_rules) are lists of named rules, each with such a
condition; the first rule whose condition holds decides, and says why in words."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, StringConstraints, Tag

from cxloop.domain.kernel.comparisons import COMPARISONS
from cxloop.domain.kernel.modelling import DomainModel

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    **COMPARISONS,
    "in": lambda value, options: value in options,
    "not_in": lambda value, options: value not in options,
    # For list-valued facts such as topics: one of the listed values is present.
    "contains": lambda values, wanted: (
        bool(set(values) & set(wanted)) if isinstance(wanted, list) else wanted in values
    ),
    "starts_with": lambda value, prefix: isinstance(value, str) and value.startswith(prefix),
}
OPERATORS = tuple(_OPS)


def matches(condition: Mapping[str, Any], answers: Mapping[str, object]) -> bool:
    if "all" in condition:
        return all(matches(part, answers) for part in condition["all"])
    if "any" in condition:
        return any(matches(part, answers) for part in condition["any"])
    value = answers.get(condition["field"])
    if value is None:
        return False
    try:
        return bool(_OPS[condition["op"]](value, condition["value"]))
    except TypeError:
        return False


def explain(condition: Mapping[str, Any], answers: Mapping[str, object]) -> str:
    """The leaves that held, in words, so the ticket says why it exists."""
    for combinator, joiner in (("all", " and "), ("any", " or ")):
        if combinator in condition:
            return joiner.join(
                explain(part, answers) for part in condition[combinator] if matches(part, answers)
            )
    return (
        f"{condition['field']}={answers.get(condition['field'])!r} {condition['op']} {condition['value']!r}"
    )


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


class Rule(DomainModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    when: Condition

    @property
    def condition(self) -> dict[str, Any]:
        return self.when.model_dump(mode="json")


def unique_names(rules: tuple[Rule, ...]) -> None:
    names = [rule.name for rule in rules]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"rule names must be unique; repeated: {', '.join(repeated)}")


@dataclass(frozen=True)
class Verdict:
    """A rule's decision and, in words, why."""

    rule: str
    reason: str


def first_match(rules: tuple[Rule, ...], facts: Mapping[str, object]) -> tuple[Rule, Verdict] | None:
    for rule in rules:
        condition = rule.condition
        if matches(condition, facts):
            return rule, Verdict(rule.name, explain(condition, facts))
    return None


def leaf(field_name: str, op: str, value: object) -> dict[str, object]:
    return {"field": field_name, "op": op, "value": value}
