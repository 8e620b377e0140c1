"""Data files: YAML and CSV refused as a whole, every problem named by its line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from cxloop.datafile import (
    CSV_COLUMNS,
    DataFileError,
    DataProblem,
    load_csv_organisation,
    load_organisation_file,
    load_yaml,
)
from cxloop.domain.organisation.hierarchy import Organisation

DATA = Path(__file__).resolve().parents[3] / "infra" / "local" / "data"

# A valid company; the comments number the lines the tests below expect problems on.
YAML = """\
version: 1                                  # 1
countries:                                  # 2
  - code: EC                                # 3
    name: Ecuador                           # 4
    timezone: America/Guayaquil             # 5
    regions:                                # 6
      - id: pichincha                       # 7
        name: Pichincha                     # 8
        branches:                           # 9
          - id: quito-norte                 # 10
            name: Quito Norte               # 11
            teams:                          # 12
              - id: quito-norte-claims      # 13
                name: Siniestros            # 14
                kind: claims                # 15
              - id: quito-norte-roadside    # 16
                name: Asistencia            # 17
                kind: roadside              # 18
          - id: quito-sur                   # 19
            name: Quito Sur                 # 20
people:                                     # 21
  - id: ana                                 # 22
    name: Ana Paredes                       # 23
    role: agent                             # 24
    team: quito-norte-claims                # 25
    phone: "+593991234567"                  # 26
  - id: marta                               # 27
    name: Marta Vélez                       # 28
    role: branch_manager                    # 29
    branch: quito-norte                     # 30
  - id: carlos                              # 31
    name: Carlos Ortiz                      # 32
    role: country_manager                   # 33
    country: EC                             # 34
  - id: isabel                              # 35
    name: Isabel Ortega                     # 36
    role: executive                         # 37
"""


def yaml_with(line: int, replacement: str) -> str:
    """YAML with one line replaced (a replacement of several lines shifts the ones below)."""
    lines = YAML.splitlines()
    lines[line - 1] = replacement
    return "\n".join(lines) + "\n"


def refused(text: str, *, csv: bool = False) -> list[DataProblem]:
    with pytest.raises(DataFileError) as caught:
        if csv:
            load_csv_organisation(text, source="organisation.csv")
        else:
            load_yaml(text, Organisation, source="organisation.yaml")
    return caught.value.problems


def where(problems: list[DataProblem]) -> list[tuple[int | None, str]]:
    return [(problem.line, problem.field) for problem in problems]


# --- YAML ----------------------------------------------------------------------------------------------


def test_the_valid_yaml_loads() -> None:
    organisation = load_yaml(YAML, Organisation)
    assert [p.id for p in organisation.members("quito-norte-claims")] == ["ana"]
    assert organisation.people[0].phone == "+593991234567"
    branch = organisation.branch("quito-sur")
    assert branch is not None and branch.teams == ()


@pytest.mark.parametrize(
    ("line", "replacement", "at", "fragment"),
    [
        # a person's place must exist
        (25, "    team: quito-norte-claim", (25, "people.0.team"), "no team 'quito-norte-claim'"),
        (30, "    branch: quito-centro", (30, "people.1.branch"), "no branch 'quito-centro'"),
        (34, "    country: PE", (34, "people.2.country"), "no country 'PE'"),
        # ids are unique across the company
        (
            16,
            "              - id: quito-norte-claims",
            (16, "countries.0.regions.0.branches.0.teams.1.id"),
            "twice",
        ),
        (19, "          - id: quito-norte", (19, "countries.0.regions.0.branches.1.id"), "twice"),
        (31, "  - id: ana", (31, "people.2.id"), "person 'ana' is declared twice"),
        # one team per kind in a branch
        (
            18,
            "                kind: claims",
            (18, "countries.0.regions.0.branches.0.teams.1.kind"),
            "one per kind",
        ),
        # the placement fits the role
        (
            30,
            "    branch: quito-norte\n    team: qn",
            (31, "people.1.team"),
            "a branch manager sits in a branch",
        ),
        (37, "    role: executive\n    country: EC", (38, "people.3.country"), "oversees the whole company"),
        (25, "    # no team", (22, "people.0.team"), "an agent sits in a team"),
        # the fields themselves
        (5, "    timezone: America/Quito", (5, "countries.0.timezone"), "unknown IANA time zone"),
        (
            4,
            "    name: Ecuador\n    capital: Quito",
            (5, "countries.0.capital"),
            "Extra inputs are not permitted",
        ),
        (24, "    role: agente", (24, "people.0.role"), "Input should be 'agent'"),
        (20, "            # no name", (19, "countries.0.regions.0.branches.1.name"), "Field required"),
        (
            26,
            "    phone: +593991234567",
            (26, "people.0.phone"),
            "read the value as a number: put it in quotes",
        ),
        (34, "    country: NO", (34, "people.2.country"), "read the value as true/false: put it in quotes"),
    ],
)
def test_each_rule_is_refused_at_its_line_and_field(
    line: int, replacement: str, at: tuple[int, str], fragment: str
) -> None:
    [problem] = refused(yaml_with(line, replacement))
    assert (problem.line, problem.field) == at
    assert fragment in problem.problem


def test_every_problem_is_listed_and_the_message_names_file_line_and_field() -> None:
    text = yaml_with(25, "    team: nope").replace("role: executive", "role: boss")
    with pytest.raises(DataFileError) as caught:
        load_yaml(text, Organisation, source="organisation.yaml")
    error = caught.value
    assert error.source == "organisation.yaml"
    # A field error (the role) stops the cross-checks of the model, so only it is listed ...
    assert where(error.problems) == [(37, "people.3.role")]
    # ... and once fixed, the cross-checks report every one of theirs.
    text = yaml_with(25, "    team: nope").replace("branch: quito-norte", "branch: nope")
    problems = refused(text)
    assert where(problems) == [(25, "people.0.team"), (30, "people.1.branch")]
    assert str(DataFileError("organisation.yaml", problems)) == (
        "organisation.yaml line 25: people.0.team: no team 'nope' in the organisation\n"
        "organisation.yaml line 30: people.1.branch: no branch 'nope' in the organisation"
    )


def test_duplicate_keys_are_refused_with_the_model_problems() -> None:
    text = yaml_with(23, "    name: Ana Paredes\n    name: Ana María").replace("country: EC", "country: PE")
    problems = refused(text)
    assert where(problems) == [(24, "people.0.name"), (35, "people.2.country")]
    assert problems[0].problem == "duplicate key 'name' (first on line 23)"


def test_duplicate_keys_on_one_line_are_refused() -> None:
    [problem] = refused_rules("defaults: {a: 1, a: 2}\nrules: []\n")
    assert (problem.line, problem.field) == (1, "defaults.a")


def test_duplicate_keys_alone_are_refused_even_when_the_model_accepts_the_file() -> None:
    [problem] = refused(yaml_with(1, "version: 1\nversion: 1"))
    assert (problem.line, problem.field, problem.problem) == (
        2,
        "version",
        "duplicate key 'version' (first on line 1)",
    )


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("countries:\n  - code: EC\n\tname: Ecuador\n", 3, "tab"),
        ("countries:\n  - code: EC\n    name: [Ecuador\n    timezone: UTC\n", 4, "']'"),
        ("version: 1\npeople: 'x\n", 3, "quoted scalar"),
        ("version: 1\n---\nversion: 2\n", 2, "single document"),
        ("version: 1\ncountries: \x00\n", 2, "#x0000"),
        ("version: 1\nname: !!python/object/apply:os.system [ls]\n", 2, "python/object"),
    ],
)
def test_yaml_that_does_not_parse_is_refused_at_its_line(text: str, line: int, fragment: str) -> None:
    [problem] = refused(text)
    assert problem.line == line
    assert problem.problem.startswith("not valid YAML:")
    assert fragment in problem.problem


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("", 1, "the file is empty"),
        ("# only a comment\n\n", 1, "the file is empty"),
        ("# the people\n- id: ana\n", 2, "mapping of keys"),
        ("just text\n", 1, "mapping of keys"),
    ],
)
def test_a_file_without_a_top_level_mapping_is_refused(text: str, line: int, fragment: str) -> None:
    [problem] = refused(text)
    assert (problem.line, problem.field) == (line, "")
    assert fragment in problem.problem


def test_an_alias_that_contains_itself_is_refused() -> None:
    [problem] = refused("version: 1\ncountries: &loop [*loop]\n")
    assert (problem.line, problem.field, problem.problem) == (2, "countries.0", "an alias refers to itself")


def test_an_alias_bomb_is_refused_before_it_expands() -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]
    [problem] = refused("\n".join(levels) + "\n")
    assert "once aliases are expanded" in problem.problem


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    priority: str
    due_hours: int


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    defaults: dict[str, object] = {}
    rules: list[Rule]


RULES = """\
defaults: &defaults
  priority: high
  due_hours: 24
rules:
  - <<: *defaults
    name: angry
  - <<: *defaults
    name: late
    due_hours: soon
  - name: quiet
    priority: low
"""


def test_load_yaml_serves_any_model_and_follows_merges() -> None:
    [soon, missing] = refused_rules(RULES)
    assert (soon.line, soon.field) == (9, "rules.1.due_hours")
    assert (missing.line, missing.field, missing.problem) == (10, "rules.2.due_hours", "Field required")
    rules = load_yaml(RULES.replace("due_hours: soon", "due_hours: 4") + "    due_hours: 72\n", Rules)
    assert [(r.name, r.priority, r.due_hours) for r in rules.rules] == [
        ("angry", "high", 24),
        ("late", "high", 4),
        ("quiet", "low", 72),
    ]


def refused_rules(text: str) -> list[DataProblem]:
    with pytest.raises(DataFileError) as caught:
        load_yaml(text, Rules, source="rules.yaml")
    return caught.value.problems


# --- CSV -----------------------------------------------------------------------------------------------

HEADER = ",".join(CSV_COLUMNS)
CSV = f"""\
{HEADER}
isabel,Isabel Ortega,executive,isabel@segurosandinos.example,,es,,,,,,,,,,
carlos,Carlos Ortiz,country_manager,,,es,EC,Ecuador,America/Guayaquil,,,,,,,
marta,Marta Vélez,branch_manager,,,es,EC,,,pichincha,Pichincha,quito-norte,Quito Norte,,,
ana,Ana Paredes,agent,,+593991234567,es,EC,,,pichincha,,quito-norte,,quito-norte-claims,Siniestros,claims
luis,Luis Mora,agent,,,en,EC,,,pichincha,,quito-norte,,quito-norte-claims,,
,,,,,,EC,,,guayas,Guayas,guayaquil-centro,Guayaquil Centro,guayaquil-centro-roadside,Asistencia,roadside
"""


def csv_with(line: int, row: str | None) -> str:
    """The CSV with one line replaced (None: removed), or a row added when line is one past the end."""
    lines = CSV.splitlines()
    if line > len(lines):
        lines.append(row or "")
    elif row is None:
        del lines[line - 1]
    else:
        lines[line - 1] = row
    return "\n".join(lines) + "\n"


def test_the_valid_csv_assembles_the_hierarchy() -> None:
    organisation = load_csv_organisation(CSV)
    place = organisation.place_of_team("quito-norte-claims")
    assert place is not None
    assert (place.country.name, place.country.timezone, place.region.name, place.branch.name) == (
        "Ecuador",
        "America/Guayaquil",
        "Pichincha",
        "Quito Norte",
    )
    assert [p.id for p in organisation.members("quito-norte-claims")] == ["ana", "luis"]
    assert organisation.members("guayaquil-centro-roadside") == ()  # declared by a row without a person
    assert organisation.team_for("guayaquil-centro", "roadside") is not None
    assert [role for role, _ in organisation.escalation_chain(branch="quito-norte")] == [
        "branch_manager",
        "country_manager",
        "executive",
    ]
    assert organisation.person("ana") == organisation.people[3]
    assert (organisation.people[3].phone, organisation.people[4].language) == ("+593991234567", "en")


AGENT_ROW = "eva,Eva Loor,agent,,,,EC,,,{region},,{branch},,{team},,{kind}"


@pytest.mark.parametrize(
    ("line", "row", "at", "fragment"),
    [
        # the same place described two ways
        (
            8,
            AGENT_ROW.format(region="guayas", branch="quito-norte", team="quito-norte-claims", kind=""),
            (8, "region"),
            "branch 'quito-norte' is in region 'pichincha' on line 4, not 'guayas'",
        ),
        (
            8,
            AGENT_ROW.format(
                region="pichincha", branch="quito-norte", team="quito-norte-claims", kind="roadside"
            ),
            (8, "team_kind"),
            "team 'quito-norte-claims' has team_kind 'claims' on line 5, not 'roadside'",
        ),
        (8, ",,,,,,EC,Ecuador,America/Lima,,,,,,,", (8, "timezone"), "'America/Guayaquil' on line 3"),
        (
            8,
            AGENT_ROW.format(region="pichincha", branch="", team="t", kind=""),
            (8, "branch"),
            "needs its branch",
        ),
        (8, "eva,Eva Loor,agent,,,,,,,,,,,t,,", (8, "country"), "a region needs its country"),
        # rows and people
        (8, ",Eva Loor,agent,,,,,,,,,,,,,", (8, "person_id"), "needs a person_id"),
        (8, "ana,Ana Otra,executive,,,,,,,,,,,,,", (8, "person_id"), "person 'ana' is declared twice"),
        (2, "isabel,Isabel Ortega,executive,,,,EC,,,,,,,,,", (2, "country"), "oversees the whole company"),
        (
            4,
            "marta,Marta Vélez,branch_manager,,,,EC,,,pichincha,Pichincha,"
            "quito-norte,Quito Norte,quito-norte-claims,,",
            (4, "team"),
            "a branch manager sits in a branch, not in a team",
        ),
        (
            6,
            "luis,Luis Mora,agent,,,,EC,,,pichincha,,quito-norte,,,,",
            (6, "team"),
            "an agent sits in a team",
        ),
        (3, "carlos,Carlos Ortiz,country_manager,,,,EC,Ecuador,Andes/Quito,,,,,,,", (3, "timezone"), "IANA"),
        (
            5,
            "ana,Ana Paredes,agente,,,,EC,,,pichincha,,quito-norte,,quito-norte-claims,,",
            (5, "role"),
            "'agent'",
        ),
        (5, "ana,,agent,,,,EC,,,pichincha,,quito-norte,,quito-norte-claims,,", (5, "name"), "Field required"),
        (
            6,
            "luis,Luis Mora,agent,luis@,,,EC,,,pichincha,,quito-norte,,quito-norte-claims,,",
            (6, "email"),
            "match",
        ),
        (
            7,
            ",,,,,,EC,,,guayas,Guayas,guayaquil-centro,,g-roadside,A,roadside",
            (7, "branch_name"),
            "required",
        ),
        (
            7,
            ",,,,,,EC,,,guayas,Guayas,guayaquil-centro,G,g-roadside,A,Road Side",
            (7, "team_kind"),
            "pattern",
        ),
        (
            7,
            ",,,,,,EC,,,guayas,Guayas,guayaquil-centro,G,g-road,A",
            (7, ""),
            "the row has 15 cells, the header 16",
        ),
    ],
)
def test_each_csv_rule_is_refused_at_its_line_and_column(
    line: int, row: str, at: tuple[int, str], fragment: str
) -> None:
    problems = refused(csv_with(line, row), csv=True)
    matching = [problem for problem in problems if (problem.line, problem.field) == at]
    assert matching, where(problems)
    assert fragment in matching[0].problem


def test_every_csv_problem_is_listed_by_line() -> None:
    text = csv_with(
        8, AGENT_ROW.format(region="guayas", branch="quito-norte", team="quito-norte-claims", kind="")
    )
    text = text.replace("America/Guayaquil", "America/Quito")
    assert where(refused(text, csv=True)) == [(3, "timezone"), (8, "region")]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (HEADER.replace(",team_kind", ""), [(1, "team_kind")]),
        (HEADER.replace("team_kind", "teem_kind"), [(1, "team_kind"), (1, "teem_kind")]),
        (HEADER + ",team", [(1, "team")]),
    ],
)
def test_a_header_missing_or_misspelling_a_column_is_refused_on_line_1(
    header: str, expected: list[tuple[int, str]]
) -> None:
    problems = refused(csv_with(1, header), csv=True)
    assert where(problems)[:-1] == expected
    assert problems[-1].problem.startswith("expected the header person_id,name,role,")


def test_the_optional_person_columns_may_be_left_out() -> None:
    header = ",".join(c for c in CSV_COLUMNS if c not in {"email", "phone", "language"})
    text = f"{header}\nisabel,Isabel Ortega,executive,,,,,,,,,,\n"
    assert load_csv_organisation(text).people[0].language == "es"


def test_an_empty_csv_is_refused() -> None:
    assert where(refused("", csv=True)) == [(1, "")]


def test_a_spreadsheet_export_with_semicolons_and_a_byte_order_mark_loads() -> None:
    text = "\ufeff" + CSV.replace(",", ";")
    assert len(load_csv_organisation(text).people) == 5


def test_lines_are_counted_in_the_file_even_when_a_quoted_cell_spans_two() -> None:
    text = (
        csv_with(2, 'isabel,"Isabel\nOrtega",executive,,,,,,,,,,,,,') + "isabel,Otra,executive,,,,,,,,,,,,,\n"
    )
    [problem] = refused(text, csv=True)
    assert (problem.line, problem.field) == (9, "person_id")


def test_blank_lines_are_skipped_but_counted() -> None:
    text = CSV.replace("\nluis,", "\n\n,,,,,,,,,,,,,,,\nluis,").replace("luis,Luis Mora,agent", "luis,,agent")
    [problem] = refused(text, csv=True)
    assert (problem.line, problem.field) == (8, "name")


# --- files ---------------------------------------------------------------------------------------------


def test_the_demo_files_load() -> None:
    organisation = load_organisation_file(DATA / "organisation.yaml")
    assert [country.code for country in organisation.countries] == ["EC", "ES"]
    assert len(organisation.people) >= 5 * 5 * 2 + 5 + 2 + 2
    example = load_organisation_file(DATA / "organisation.csv")
    assert [country.code for country in example.countries] == ["EC"]
    branches = [branch.id for region in example.countries[0].regions for branch in region.branches]
    assert len(branches) == 2
    assert all(example.managers_of_branch(branch) for branch in branches)
    assert example.executives() and example.managers_of_country("EC")


def test_the_file_type_follows_the_extension(tmp_path: Path) -> None:
    (tmp_path / "org.yml").write_text(YAML, encoding="utf-8")
    assert load_organisation_file(tmp_path / "org.yml").person("ana") is not None
    (tmp_path / "org.json").write_text("{}", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"org.json: expected a .yaml, .yml or .csv file"):
        load_organisation_file(tmp_path / "org.json")


def test_a_file_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "organisation.csv"
    path.write_text(
        csv_with(6, "luis,Luis Mora,agent,,,,EC,,,pichincha,,quito-norte,,nope,,"), encoding="utf-8"
    )
    with pytest.raises(DataFileError) as caught:
        load_organisation_file(path)
    assert caught.value.source == "organisation.csv"
    assert "organisation.csv line 6: team_name: Field required" in str(caught.value)


def test_a_file_that_is_not_utf8_is_refused_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "organisation.yaml"
    path.write_bytes(YAML.encode("utf-8").replace("Marta Vélez".encode(), "Marta Vélez".encode("latin-1")))
    with pytest.raises(DataFileError) as caught:
        load_organisation_file(path)
    assert where(caught.value.problems) == [(28, "")]
    assert "UTF-8" in caught.value.problems[0].problem


def test_a_rules_file_is_refused_naming_its_line_before_anything_is_sent(tmp_path: Path) -> None:
    from cxloop.datafile import load_document_file

    rules = tmp_path / "assignment.yaml"
    rules.write_text(
        "rules:\n"
        "  - name: madrid_dirty\n"
        "    team: madrid-centro-facilities\n"
        "    when:\n"
        "      all:\n"
        "        - {field: cleanliness, op: '<', value: 4}\n"
        "        - {field: branch, op: within, value: [madrid-centro]}\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError) as refused:
        load_document_file("assignment", rules)
    assert any(problem.line == 7 for problem in refused.value.problems), refused.value
    assert "assignment.yaml line 7" in str(refused.value)
    with pytest.raises(DataFileError) as unknown:
        load_document_file("nonsense", rules)
    assert "unknown document 'nonsense'" in str(unknown.value)
