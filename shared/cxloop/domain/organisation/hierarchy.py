"""The organisation as data: country -> region -> branch -> team -> person, and each person's role.

Business analysts edit it in a file (YAML or CSV, read by cxloop.datafile) and load it without a redeploy, so
the model checks everything a typo can break (an unknown team, a duplicate id, a manager placed like an agent)
and reports every problem at once, each at the path of the offending field, which the loader turns into the
line of the file. Pure domain: no I/O, no yaml.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    ConfigDict,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from cxloop.domain.kernel.addresses import Email, Phone
from cxloop.domain.kernel.modelling import DomainModel
from cxloop.domain.kernel.zones import ZoneName

Role = Literal["agent", "teleoperator", "branch_manager", "country_manager", "executive"]
ROLES: tuple[Role, ...] = get_args(Role)

# Ids end up inside scopes ("team:<id>") and URLs, hence no colons, slashes or spaces.
Id = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
    ),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Kind = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]*$")]
CountryCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z]{2}$")]
Language = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z]{2}$")]

Loc = tuple[str | int, ...]

_FROZEN = ConfigDict(frozen=True, extra="forbid")

# The one placement field each role fills; the other placement fields stay empty.
_SEAT: dict[Role, str | None] = {
    "agent": "team",
    "teleoperator": "team",
    "branch_manager": "branch",
    "country_manager": "country",
    "executive": None,
}
_PLACEMENTS = ("team", "branch", "country")
_A_ROLE: dict[Role, str] = {
    "agent": "an agent",
    "teleoperator": "a teleoperator",
    "branch_manager": "a branch manager",
    "country_manager": "a country manager",
    "executive": "an executive",
}


class Team(DomainModel):
    model_config = _FROZEN

    id: Id
    name: Name
    kind: Kind  # what the team handles: claims, facilities, contact_center, customer_service, roadside...


class Branch(DomainModel):
    model_config = _FROZEN

    id: Id
    name: Name
    teams: tuple[Team, ...] = ()


class Region(DomainModel):
    model_config = _FROZEN

    id: Id
    name: Name
    branches: tuple[Branch, ...] = ()


class Country(DomainModel):
    model_config = _FROZEN

    code: CountryCode
    name: Name
    timezone: ZoneName
    language: Language = "es"
    regions: tuple[Region, ...] = ()


class Person(DomainModel):
    model_config = _FROZEN

    id: Id
    name: Name
    role: Role
    email: Email | None = None
    phone: Phone | None = None
    language: Language = "es"
    # Where they sit, by role: agent/teleoperator -> team; branch_manager -> branch;
    # country_manager -> country; executive -> nowhere (the whole company).
    team: Id | None = None
    branch: Id | None = None
    country: CountryCode | None = None


@dataclass(frozen=True)
class Place:
    """Where a branch (or a team) sits in the hierarchy."""

    country: Country
    region: Region
    branch: Branch
    team: Team | None = None


@dataclass
class _Lookups:
    """Everything the queries need, computed once: the organisation can hold ~10k people."""

    people: dict[str, Person] = field(default_factory=dict)
    countries: dict[str, Country] = field(default_factory=dict)
    regions: dict[str, Region] = field(default_factory=dict)
    branches: dict[str, Place] = field(default_factory=dict)
    teams: dict[str, Place] = field(default_factory=dict)
    team_by_kind: dict[tuple[str, str], Team] = field(default_factory=dict)
    members: dict[str, tuple[Person, ...]] = field(default_factory=dict)
    branch_managers: dict[str, tuple[Person, ...]] = field(default_factory=dict)
    country_managers: dict[str, tuple[Person, ...]] = field(default_factory=dict)
    executives: tuple[Person, ...] = ()


class Organisation(DomainModel):
    model_config = _FROZEN

    version: int = 1
    countries: tuple[Country, ...]
    people: tuple[Person, ...] = ()

    _lookups: _Lookups | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _consistent(self) -> Organisation:
        lookups, problems = _index(self)
        if problems:
            raise ValidationError.from_exception_data(type(self).__name__, problems)
        self._lookups = lookups
        return self

    def _tables(self) -> _Lookups:
        # model_construct skips the validator; index on first use then.
        if self._lookups is None:
            self._lookups = _index(self)[0]
        return self._lookups

    def person(self, person_id: str) -> Person | None:
        return self._tables().people.get(person_id)

    def team(self, team_id: str) -> Team | None:
        place = self._tables().teams.get(team_id)
        return place.team if place else None

    def branch(self, branch_id: str) -> Branch | None:
        place = self._tables().branches.get(branch_id)
        return place.branch if place else None

    def place_of_branch(self, branch_id: str) -> Place | None:
        return self._tables().branches.get(branch_id)

    def place_of_team(self, team_id: str) -> Place | None:
        return self._tables().teams.get(team_id)

    def team_for(self, branch_id: str, kind: str) -> Team | None:
        """The branch's team of that kind (a branch has at most one per kind)."""
        return self._tables().team_by_kind.get((branch_id, kind))

    def members(self, team_id: str) -> tuple[Person, ...]:
        """The team's agents and teleoperators, ordered by id."""
        return self._tables().members.get(team_id, ())

    def managers_of_branch(self, branch_id: str) -> tuple[Person, ...]:
        return self._tables().branch_managers.get(branch_id, ())

    def managers_of_country(self, code: str) -> tuple[Person, ...]:
        return self._tables().country_managers.get(code, ())

    def executives(self) -> tuple[Person, ...]:
        return self._tables().executives

    def escalation_chain(self, *, branch: str) -> tuple[tuple[str, tuple[Person, ...]], ...]:
        """The levels above a ticket's owner, nearest first, skipping levels nobody fills.

        A branch the organisation does not know still escalates to the executives: a ticket must
        always reach someone.
        """
        levels: list[tuple[str, tuple[Person, ...]]] = []
        place = self.place_of_branch(branch)
        if place is not None:
            levels.append(("branch_manager", self.managers_of_branch(branch)))
            levels.append(("country_manager", self.managers_of_country(place.country.code)))
        levels.append(("executive", self.executives()))
        return tuple((role, people) for role, people in levels if people)

    def scope_of(self, person: Person) -> str:
        """What the person may see: "team:<id>", "branch:<id>", "country:<code>" or "all".

        A person whose seat is empty (never the case once validated) gets "none", which contains nothing.
        """
        seat = _SEAT[person.role]
        if seat is None:
            return "all"
        value = getattr(person, seat)
        return f"{seat}:{value}" if value else "none"


def scope_contains(
    scope: str, *, country: str | None, region: str | None, branch: str | None, team: str | None = None
) -> bool:
    """Whether a scope covers a thing placed at (country, region, branch[, team]).

    An unknown scope kind, or a scope without a value, contains nothing: access is denied by default.
    """
    if scope == "all":
        return True
    kind, _, value = scope.partition(":")
    placed = {"country": country, "region": region, "branch": branch, "team": team}.get(kind)
    return bool(value) and placed == value


# --- consistency checks and the lookups, built in one pass ---------------------------------------------


class _Problems:
    """Every problem found, each at the loc of the offending field, to report them all at once."""

    def __init__(self) -> None:
        self.details: list[InitErrorDetails] = []

    def add(self, loc: Loc, problem: str, value: Any) -> None:
        error = PydanticCustomError("organisation", "{problem}", {"problem": problem})
        self.details.append(InitErrorDetails(type=error, loc=loc, input=value))


def _index(org: Organisation) -> tuple[_Lookups, list[InitErrorDetails]]:
    lookups, problems = _Lookups(), _Problems()
    _index_places(org, lookups, problems)
    _index_people(org, lookups, problems)
    return lookups, problems.details


def _walk_places(org: Organisation) -> Iterator[tuple[Loc, Place]]:
    """Every branch and team with its place, and the loc of its declaration."""
    for c, country in enumerate(org.countries):
        for r, region in enumerate(country.regions):
            for b, branch in enumerate(region.branches):
                branch_loc: Loc = ("countries", c, "regions", r, "branches", b)
                yield branch_loc, Place(country, region, branch)
                for t, team in enumerate(branch.teams):
                    yield (*branch_loc, "teams", t), Place(country, region, branch, team)


def _claim(seen: dict[str, Any], key: str, value: Any, problems: _Problems, *, what: str, loc: Loc) -> None:
    """Record an id, or report it when already taken: ids are unique across the company."""
    if key in seen:
        problems.add(loc, f"{what} {key!r} is declared twice; {what} ids must be unique", key)
    else:
        seen[key] = value


def _index_places(org: Organisation, lookups: _Lookups, problems: _Problems) -> None:
    for c, country in enumerate(org.countries):
        _claim(
            lookups.countries, country.code, country, problems, what="country", loc=("countries", c, "code")
        )
        for r, region in enumerate(country.regions):
            loc: Loc = ("countries", c, "regions", r, "id")
            _claim(lookups.regions, region.id, region, problems, what="region", loc=loc)
    for loc, place in _walk_places(org):
        if place.team is None:
            _claim(lookups.branches, place.branch.id, place, problems, what="branch", loc=(*loc, "id"))
        else:
            _claim(lookups.teams, place.team.id, place, problems, what="team", loc=(*loc, "id"))
            if lookups.branches[place.branch.id].branch is place.branch:  # a duplicate branch: reported
                _one_team_per_kind(place.branch, place.team, loc, lookups, problems)


def _one_team_per_kind(branch: Branch, team: Team, loc: Loc, lookups: _Lookups, problems: _Problems) -> None:
    # Routing asks for "the claims team of this branch": a second one would make the answer arbitrary.
    first = lookups.team_by_kind.setdefault((branch.id, team.kind), team)
    if first is not team:
        problem = f"branch {branch.id!r} already has a {team.kind!r} team ({first.id!r}); one per kind"
        problems.add((*loc, "kind"), problem, team.kind)


def _index_people(org: Organisation, lookups: _Lookups, problems: _Problems) -> None:
    members: dict[str, list[Person]] = defaultdict(list)
    branch_managers: dict[str, list[Person]] = defaultdict(list)
    country_managers: dict[str, list[Person]] = defaultdict(list)
    by_seat = {"team": members, "branch": branch_managers, "country": country_managers}
    executives: list[Person] = []
    for p, person in enumerate(org.people):
        _claim(lookups.people, person.id, person, problems, what="person", loc=("people", p, "id"))
        if not _seated_as_role(person, ("people", p), lookups, problems):
            continue
        seat = _SEAT[person.role]
        if seat is None:
            executives.append(person)
        else:
            by_seat[seat][getattr(person, seat)].append(person)
    lookups.members = _by_id(members)
    lookups.branch_managers = _by_id(branch_managers)
    lookups.country_managers = _by_id(country_managers)
    lookups.executives = tuple(sorted(executives, key=lambda person: person.id))


def _seated_as_role(person: Person, loc: Loc, lookups: _Lookups, problems: _Problems) -> bool:
    """Whether the person sits where the role says, in a place that exists; reports why not."""
    seat = _SEAT[person.role]
    who = _A_ROLE[person.role]
    before = len(problems.details)
    for placement in _PLACEMENTS:
        value = getattr(person, placement)
        at = (*loc, placement)
        if placement == seat and value is None:
            problems.add(at, f"{who} sits in a {placement}: give its {placement}", None)
        elif placement != seat and value is not None:
            problems.add(at, f"{who} {_where(seat)}, not in a {placement}: leave {placement} empty", value)
        elif placement == seat and not _exists(lookups, placement, value):
            problems.add(at, f"no {placement} {value!r} in the organisation", value)
    return len(problems.details) == before


def _where(seat: str | None) -> str:
    return f"sits in a {seat}" if seat else "oversees the whole company"


def _exists(lookups: _Lookups, placement: str, value: str) -> bool:
    known: dict[str, dict[str, Any]] = {
        "team": lookups.teams,
        "branch": lookups.branches,
        "country": lookups.countries,
    }
    return value in known[placement]


def _by_id(groups: dict[str, list[Person]]) -> dict[str, tuple[Person, ...]]:
    return {key: tuple(sorted(people, key=lambda person: person.id)) for key, people in groups.items()}
