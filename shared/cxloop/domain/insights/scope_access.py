"""Who reads which scope of the metrics: the scope parameter, the caller's own scope and the
chain of scopes above one (touchpoint -> branch -> region -> country -> all).

Metrics are counts, with no customer in them, so each role reads a whole part of the company:
an executive everything; a country manager their country and everything in it; a branch
manager their branch and its touchpoints; an agent or teleoperator their team's branch (the
front line sees how its branch does, as in commercial CX tools; their detractor list is their
own tickets only). A scope outside the caller's answers 404, as a ticket does: nobody learns
which scopes exist. The benchmark against the parent is shown to whoever reads the scope:
the parent's scores are counts too.
"""

from __future__ import annotations

from collections.abc import Callable

from cxloop.domain.kernel.errors import FieldProblem, Forbidden, InvalidInput, NotFound
from cxloop.domain.organisation.access import Caller
from cxloop.domain.organisation.hierarchy import Organisation

SCOPE_KINDS = ("touchpoint", "branch", "region", "country")
MAX_SCOPE_ID = 128
ParentOf = Callable[[str], str | None]


def parse_scope(text: str) -> str:
    """`all` or `<kind>:<id>`; InvalidInput naming the `scope` parameter otherwise."""
    text = text.strip()
    if text == "all":
        return text
    kind, colon, value = text.partition(":")
    value = value.strip()
    if kind not in SCOPE_KINDS or not colon or not value or len(value) > MAX_SCOPE_ID:
        problem = f"must be all or one of {', '.join(k + ':<id>' for k in SCOPE_KINDS)}"
        raise InvalidInput("the scope is invalid", [FieldProblem("scope", problem)])
    return f"{kind}:{value}"


def home_scope(caller: Caller, organisation: Organisation | None) -> str:
    """The caller's own scope: the default one, and the widest they may read."""
    if caller.sees_everything:
        return "all"
    if caller.sees_only_own:
        kind, _, team = caller.scope.partition(":")
        place = organisation.place_of_team(team) if organisation and kind == "team" else None
        if place is None:
            raise Forbidden("metrics are by branch: the organisation does not place your team")
        return f"branch:{place.branch.id}"
    kind, _, value = caller.scope.partition(":")
    if caller.scope == "all" or (kind in ("branch", "region", "country") and value):
        return caller.scope
    # A manager's token without a usable scope reads nothing rather than everything.
    raise Forbidden("your token carries no scope to read metrics in")


def organisation_parent(scope: str, organisation: Organisation | None) -> str | None:
    """The parent the organisation knows for a branch or region; a country's is `all`."""
    kind, _, value = scope.partition(":")
    if kind == "country":
        return "all"
    if organisation is None:
        return None
    if kind == "branch":
        place = organisation.place_of_branch(value)
        return f"region:{place.region.id}" if place else None
    if kind == "region":
        code = next((c.code for c in organisation.countries for r in c.regions if r.id == value), None)
        return f"country:{code}" if code else None
    return None


def access_chain(scope: str, stored_parent: ParentOf, organisation: Organisation | None) -> list[str]:
    """The scope and the scopes above it, nearest first. The organisation decides where it
    knows the scope (access follows the analysts' data, not what an event claimed); the chain
    stored with the counts fills in the rest (touchpoints, places not in the organisation)."""
    chain = [scope]
    while chain[-1] != "all" and len(chain) <= len(SCOPE_KINDS):
        parent = organisation_parent(chain[-1], organisation) or stored_parent(chain[-1])
        if parent is None or parent in chain:
            break
        chain.append(parent)
    return chain


def check_visible(home: str, chain: list[str]) -> None:
    """NotFound unless the caller's home scope is the scope (chain[0]) or above it."""
    if home != "all" and home not in chain:
        raise NotFound(f"no metrics for {chain[0]}")
