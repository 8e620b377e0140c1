"""Who may see and act on which ticket (role scoping on every staff endpoint).

An agent or teleoperator sees the tickets assigned to them; a branch manager their
branch; a country manager their country; an executive everything. The scope comes
from the caller's verified claims (Cognito attributes on AWS, the local token
here). Outside one's scope a ticket does not exist: the API answers 404, never 403,
so nobody learns which ticket ids are real.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from cxloop.domain.kernel.errors import Forbidden, Unauthorized
from cxloop.domain.organisation.hierarchy import ROLES, scope_contains

PERSONAL_ROLES = frozenset({"agent", "teleoperator"})


class Placed(Protocol):
    """What scoping reads of a ticket: its owner and its place. Casework's Ticket is one; the
    organisation context names only these fields, so it sits below casework."""

    @property
    def owner(self) -> str: ...

    @property
    def country(self) -> str | None: ...

    @property
    def region(self) -> str | None: ...

    @property
    def branch(self) -> str: ...


@dataclass(frozen=True)
class Caller:
    user: str
    role: str
    scope: str

    @classmethod
    def from_claims(cls, claims: dict[str, Any] | None) -> Caller:
        if not claims or not claims.get("sub"):
            raise Unauthorized("a valid bearer token is required")
        role = str(claims.get("custom:role") or "")
        if role not in ROLES:
            raise Forbidden(f"the token carries no known role ({', '.join(ROLES)})")
        # Cognito's sub is a random UUID: the person's id in the organisation is the
        # administrator-set custom:person. Local tokens carry the id as sub.
        user = str(claims.get("custom:person") or claims["sub"])
        return cls(user=user, role=role, scope=str(claims.get("custom:scope") or ""))

    @property
    def sees_only_own(self) -> bool:
        return self.role in PERSONAL_ROLES

    @property
    def sees_everything(self) -> bool:
        return self.role == "executive"


def can_see(caller: Caller, ticket: Placed) -> bool:
    if caller.sees_everything:
        return True
    if caller.sees_only_own:
        return ticket.owner == caller.user
    return scope_contains(caller.scope, country=ticket.country, region=ticket.region, branch=ticket.branch)


def partition_for(caller: Caller) -> tuple[str, str] | None:
    """The narrowest stored partition that holds everything the caller may see:
    (attribute, value) of a ticket index, or None for everything."""
    if caller.sees_everything:
        return None
    if caller.sees_only_own:
        return ("owner", caller.user)
    kind, _, value = caller.scope.partition(":")
    if kind in ("branch", "region", "country") and value:
        return (kind, value)
    if caller.scope == "all":
        return None
    # A manager's token without a usable scope sees nothing rather than everything.
    return ("owner", caller.user)
