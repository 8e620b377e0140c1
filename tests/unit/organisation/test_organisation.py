"""The organisation model: its consistency rules and its queries, on the demo company and small ones."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from cxloop.datafile import load_organisation_file
from cxloop.domain.organisation.hierarchy import ROLES, Organisation, Person, scope_contains

DEMO = Path(__file__).resolve().parents[3] / "infra" / "local" / "data" / "organisation.yaml"
KINDS = {"claims", "customer_service", "facilities", "contact_center", "roadside"}


@pytest.fixture(scope="module")
def demo() -> Organisation:
    return load_organisation_file(DEMO)


def small(**changes: Any) -> dict[str, Any]:
    """A valid one-branch company as model input; changes replace top-level keys."""
    document: dict[str, Any] = {
        "countries": [
            {
                "code": "EC",
                "name": "Ecuador",
                "timezone": "America/Guayaquil",
                "regions": [
                    {
                        "id": "pichincha",
                        "name": "Pichincha",
                        "branches": [
                            {
                                "id": "quito-norte",
                                "name": "Quito Norte",
                                "teams": [
                                    {"id": "qn-claims", "name": "Siniestros", "kind": "claims"},
                                    {"id": "qn-roadside", "name": "Asistencia", "kind": "roadside"},
                                ],
                            }
                        ],
                    }
                ],
            }
        ],
        "people": [
            {"id": "a2", "name": "Ana", "role": "agent", "team": "qn-claims"},
            {"id": "a1", "name": "Luis", "role": "agent", "team": "qn-claims"},
            {"id": "t1", "name": "Eva", "role": "teleoperator", "team": "qn-claims"},
            {"id": "m1", "name": "Marta", "role": "branch_manager", "branch": "quito-norte"},
            {"id": "c1", "name": "Carlos", "role": "country_manager", "country": "EC"},
            {"id": "x1", "name": "Xavier", "role": "executive"},
        ],
    }
    return document | changes


def problems(document: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        Organisation.model_validate(document)
    return [(error["loc"], error["msg"]) for error in caught.value.errors()]


def with_person(**person: Any) -> dict[str, Any]:
    document = small()
    document["people"] = [*document["people"], {"id": "new", "name": "Nueva", **person}]
    return document


# --- the demo company ----------------------------------------------------------------------------------


def test_the_demo_company_has_two_countries_five_branches_and_five_teams_each(demo: Organisation) -> None:
    shape = {
        country.code: {region.id: [branch.id for branch in region.branches] for region in country.regions}
        for country in demo.countries
    }
    assert shape == {
        "EC": {"pichincha": ["quito-norte", "quito-sur"], "guayas": ["guayaquil-centro"]},
        "ES": {"madrid": ["madrid-centro"], "cataluna": ["barcelona-eixample"]},
    }
    assert [(c.name, c.timezone, c.language) for c in demo.countries] == [
        ("Ecuador", "America/Guayaquil", "es"),
        ("España", "Europe/Madrid", "es"),
    ]
    for country in demo.countries:
        for region in country.regions:
            for branch in region.branches:
                assert {team.kind for team in branch.teams} == KINDS
                assert {team.id for team in branch.teams} == {f"{branch.id}-{kind}" for kind in KINDS}


def test_the_demo_company_staffs_every_team_and_every_level(demo: Organisation) -> None:
    branches = [branch for c in demo.countries for r in c.regions for branch in r.branches]
    for branch in branches:
        assert len(demo.managers_of_branch(branch.id)) == 1
        for team in branch.teams:
            members = demo.members(team.id)
            assert 2 <= len(members) <= 3
            expected_role = "teleoperator" if team.kind == "contact_center" else "agent"
            assert {person.role for person in members} == {expected_role}
    assert [len(demo.managers_of_country(code)) for code in ("EC", "ES")] == [1, 1]
    assert len(demo.executives()) == 2
    roles = Counter(person.role for person in demo.people)
    assert roles["branch_manager"] == 5
    assert roles["agent"] + roles["teleoperator"] == sum(
        len(demo.members(t.id)) for b in branches for t in b.teams
    )


def test_the_demo_people_have_company_emails_and_known_languages(demo: Organisation) -> None:
    assert all(person.email and person.email.endswith("@segurosandinos.example") for person in demo.people)
    assert len({person.email for person in demo.people}) == len(demo.people)
    assert {person.language for person in demo.people} == {"es", "en"}
    agent = demo.person("ec-qn-claims-1")
    assert agent is not None and agent.team == "quito-norte-claims"


def test_escalation_goes_branch_manager_then_country_manager_then_executives(demo: Organisation) -> None:
    chain = demo.escalation_chain(branch="quito-norte")
    assert [role for role, _ in chain] == ["branch_manager", "country_manager", "executive"]
    branch_manager, country_manager, executives = (people for _, people in chain)
    assert [p.branch for p in branch_manager] == ["quito-norte"]
    assert [p.country for p in country_manager] == ["EC"]
    assert executives == demo.executives()
    spain = demo.escalation_chain(branch="barcelona-eixample")
    assert [p.country for p in spain[1][1]] == ["ES"]


def test_an_unknown_branch_still_escalates_to_the_executives(demo: Organisation) -> None:
    assert demo.escalation_chain(branch="atlantis") == (("executive", demo.executives()),)


def test_escalation_skips_a_level_nobody_fills() -> None:
    document = small()
    document["people"] = [p for p in document["people"] if p["role"] != "branch_manager"]
    organisation = Organisation.model_validate(document)
    chain = organisation.escalation_chain(branch="quito-norte")
    assert [role for role, _ in chain] == ["country_manager", "executive"]


def test_members_are_the_teams_agents_and_teleoperators_by_id(demo: Organisation) -> None:
    organisation = Organisation.model_validate(small())
    assert [p.id for p in organisation.members("qn-claims")] == ["a1", "a2", "t1"]
    assert organisation.members("qn-roadside") == ()
    assert organisation.members("nope") == ()
    ids = [p.id for p in demo.members("quito-norte-contact_center")]
    assert ids == sorted(ids) and all(i.startswith("ec-qn-contact_center-") for i in ids)


def test_places_and_lookups(demo: Organisation) -> None:
    place = demo.place_of_team("barcelona-eixample-roadside")
    assert place is not None and place.team is not None
    assert (place.country.code, place.region.id, place.branch.id, place.team.kind) == (
        "ES",
        "cataluna",
        "barcelona-eixample",
        "roadside",
    )
    branch_place = demo.place_of_branch("guayaquil-centro")
    assert branch_place is not None
    assert (branch_place.country.timezone, branch_place.region.id, branch_place.team) == (
        "America/Guayaquil",
        "guayas",
        None,
    )
    assert demo.team_for("quito-sur", "facilities") == demo.team("quito-sur-facilities")
    madrid = demo.branch("madrid-centro")
    assert madrid is not None and madrid.name == "Madrid Centro"
    for missing in (demo.team("nope"), demo.branch("nope"), demo.person("nope"), demo.place_of_branch("x")):
        assert missing is None
    assert demo.team_for("quito-sur", "bakery") is None
    assert demo.managers_of_country("PE") == ()


def test_scope_of_each_role(demo: Organisation) -> None:
    scopes = {person.role: demo.scope_of(person) for person in demo.people if person.id.startswith("ec-qn")}
    assert scopes["agent"].startswith("team:quito-norte-")
    assert scopes["branch_manager"] == "branch:quito-norte"
    assert demo.scope_of(demo.managers_of_country("EC")[0]) == "country:EC"
    assert {demo.scope_of(person) for person in demo.executives()} == {"all"}
    # A person built outside an organisation, without a seat, sees nothing.
    assert demo.scope_of(Person(id="p", name="P", role="agent")) == "none"


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("all", True),
        ("country:EC", True),
        ("country:ES", False),
        ("region:pichincha", True),
        ("region:guayas", False),
        ("branch:quito-norte", True),
        ("branch:quito-sur", False),
        ("team:quito-norte-claims", True),
        ("team:quito-norte-roadside", False),
        ("galaxy:EC", False),  # unknown kinds deny
        ("country:", False),
        ("", False),
        ("everything", False),
    ],
)
def test_scope_contains(scope: str, expected: bool) -> None:
    placed = {"country": "EC", "region": "pichincha", "branch": "quito-norte", "team": "quito-norte-claims"}
    assert scope_contains(scope, **placed) is expected


def test_a_scope_covers_the_tickets_of_its_place_in_the_demo(demo: Organisation) -> None:
    manager = demo.managers_of_branch("quito-sur")[0]
    for branch in ("quito-norte", "quito-sur", "madrid-centro"):
        place = demo.place_of_branch(branch)
        assert place is not None
        where = {"country": place.country.code, "region": place.region.id, "branch": branch}
        assert scope_contains(demo.scope_of(manager), **where) is (branch == "quito-sur")
        assert scope_contains("country:EC", **where) is (place.country.code == "EC")


def test_a_team_scope_needs_the_team_named() -> None:
    assert not scope_contains("team:t1", country="EC", region="r", branch="b")


# --- the rules a file must follow ----------------------------------------------------------------------


def test_the_small_company_is_valid_and_frozen() -> None:
    organisation = Organisation.model_validate(small())
    assert organisation.version == 1
    assert ROLES == ("agent", "teleoperator", "branch_manager", "country_manager", "executive")
    with pytest.raises(ValidationError):
        organisation.version = 2  # type: ignore[misc]


def test_ids_are_unique_per_kind_across_the_company() -> None:
    document = small()
    country = document["countries"][0]
    country["regions"].append(
        {
            "id": "pichincha",
            "name": "Otra",
            "branches": [
                {
                    "id": "quito-norte",
                    "name": "Otra",
                    "teams": [{"id": "qn-claims", "name": "Otra", "kind": "claims"}],
                }
            ],
        }
    )
    document["countries"].append({"code": "EC", "name": "Otra", "timezone": "UTC"})
    document["people"].append({"id": "a1", "name": "Otra", "role": "executive"})
    found = problems(document)
    assert [loc for loc, _ in found] == [
        ("countries", 0, "regions", 1, "id"),
        ("countries", 1, "code"),
        ("countries", 0, "regions", 1, "branches", 0, "id"),
        ("countries", 0, "regions", 1, "branches", 0, "teams", 0, "id"),
        ("people", 6, "id"),
    ]
    assert "team 'qn-claims' is declared twice" in found[3][1]


def test_a_branch_has_one_team_per_kind() -> None:
    document = small()
    teams = document["countries"][0]["regions"][0]["branches"][0]["teams"]
    teams.append({"id": "qn-claims-2", "name": "Más siniestros", "kind": "claims"})
    [(loc, message)] = problems(document)
    assert loc == ("countries", 0, "regions", 0, "branches", 0, "teams", 2, "kind")
    assert "already has a 'claims' team ('qn-claims')" in message


@pytest.mark.parametrize(
    ("person", "field", "fragment"),
    [
        ({"role": "agent", "team": "nope"}, "team", "no team 'nope'"),
        ({"role": "teleoperator"}, "team", "a teleoperator sits in a team"),
        ({"role": "branch_manager", "branch": "nope"}, "branch", "no branch 'nope'"),
        ({"role": "branch_manager"}, "branch", "a branch manager sits in a branch"),
        ({"role": "country_manager", "country": "PE"}, "country", "no country 'PE'"),
        ({"role": "country_manager"}, "country", "a country manager sits in a country"),
    ],
)
def test_a_person_sits_in_a_place_that_exists(person: dict[str, Any], field: str, fragment: str) -> None:
    [(loc, message)] = problems(with_person(**person))
    assert loc == ("people", 6, field)
    assert fragment in message


@pytest.mark.parametrize(
    ("person", "field", "fragment"),
    [
        ({"role": "branch_manager", "branch": "quito-norte", "team": "qn-claims"}, "team", "not in a team"),
        ({"role": "agent", "team": "qn-claims", "branch": "quito-norte"}, "branch", "not in a branch"),
        ({"role": "agent", "team": "qn-claims", "country": "EC"}, "country", "not in a country"),
        ({"role": "country_manager", "country": "EC", "branch": "quito-norte"}, "branch", "not in a branch"),
        ({"role": "executive", "country": "EC"}, "country", "an executive oversees the whole company"),
    ],
)
def test_the_placement_fits_the_role(person: dict[str, Any], field: str, fragment: str) -> None:
    [(loc, message)] = problems(with_person(**person))
    assert loc == ("people", 6, field)
    assert fragment in message


def test_every_problem_is_reported_at_once() -> None:
    document = small()
    document["people"] = [
        {"id": "a", "name": "A", "role": "agent", "team": "nope"},
        {"id": "a", "name": "B", "role": "branch_manager", "team": "qn-claims"},
        {"id": "e", "name": "E", "role": "executive", "branch": "quito-norte"},
    ]
    assert [loc for loc, _ in problems(document)] == [
        ("people", 0, "team"),
        ("people", 1, "id"),
        ("people", 1, "team"),
        ("people", 1, "branch"),
        ("people", 2, "branch"),
    ]


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"timezone": "America/Quito_Sur"}, ("countries", 0, "timezone")),
        ({"code": "ec"}, ("countries", 0, "code")),
        ({"language": "spanish"}, ("countries", 0, "language")),
        ({"capital": "Quito"}, ("countries", 0, "capital")),
    ],
)
def test_field_rules_of_a_country(change: dict[str, str], loc: tuple[str | int, ...]) -> None:
    document = small()
    document["countries"][0] |= change
    assert [found for found, _ in problems(document)] == [loc]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"role": "supervisor"}, "role"),
        ({"id": "a:1"}, "id"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "0991234567"}, "phone"),
        ({"name": ""}, "name"),
    ],
)
def test_field_rules_of_a_person(change: dict[str, str], field: str) -> None:
    document = small()
    document["people"][0] |= change
    assert [loc for loc, _ in problems(document)] == [("people", 0, field)]


def test_an_organisation_built_without_validation_still_answers_queries() -> None:
    valid = Organisation.model_validate(small())
    built = Organisation.model_construct(countries=valid.countries, people=valid.people)
    assert [p.id for p in built.members("qn-claims")] == ["a1", "a2", "t1"]
    assert built.team_for("quito-norte", "roadside") == valid.team("qn-roadside")
