"""Data files the business edits (the organisation, routing rules, SLAs) loaded into pydantic models.

A bad file is refused as a whole, with every problem named by line and field, so an analyst can fix it
without reading a stack trace. PyYAML is imported inside the functions that parse: this package also ships
to AWS Lambda, where yaml is not installed and only the CLI reads files.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from cxloop.domain.organisation.hierarchy import Organisation

if TYPE_CHECKING:
    import yaml

M = TypeVar("M", bound=BaseModel)

# Aliases let a small file expand into a huge document ("billion laughs"); refuse past this many nodes.
MAX_NODES = 2_000_000


@dataclass(frozen=True)
class DataProblem:
    line: int | None
    field: str  # a dotted path such as people.3.team (YAML) or the column name (CSV); "" for the file
    problem: str


class DataFileError(ValueError):
    """The file was refused; `problems` lists every reason, each with its line."""

    def __init__(self, source: str, problems: list[DataProblem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(self._describe(problem) for problem in problems))

    def _describe(self, problem: DataProblem) -> str:
        where = f"{self.source} line {problem.line}" if problem.line is not None else self.source
        return (
            f"{where}: {problem.field}: {problem.problem}" if problem.field else f"{where}: {problem.problem}"
        )


def load_organisation_file(path: Path) -> Organisation:
    """The organisation from a .yaml/.yml or .csv file; DataFileError names the line of every problem."""
    source = path.name
    suffix = path.suffix.lower()
    if suffix not in {".yaml", ".yml", ".csv"}:
        raise DataFileError(source, [DataProblem(None, "", "expected a .yaml, .yml or .csv file")])
    text = _read_text(path)
    if suffix == ".csv":
        return load_csv_organisation(text, source=source)
    return load_yaml(text, Organisation, source=source)


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")  # spreadsheets often save a byte-order mark
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problem = "not UTF-8 text; save the file as UTF-8"
        raise DataFileError(path.name, [DataProblem(line, "", problem)]) from None


# --- where each value came from ------------------------------------------------------------------------


@dataclass
class _Spot:
    """The line (and, for CSV, the column) a value came from, with the spots of what it contains."""

    line: int | None
    column: str | None = None
    inside: dict[str, _Spot] = field(default_factory=dict)

    def deepest(self, loc: tuple[str | int, ...]) -> _Spot:
        """The spot of the deepest part of loc that exists in the file (a missing field: its parent).

        Parts the file does not have are stepped over rather than ending the walk: pydantic puts
        a tagged union's tag in loc (rules.0.when.leaf.op), which names no key in the file.
        """
        spot = self
        for part in loc:
            spot = spot.inside.get(str(part), spot)
        return spot


def _validate(model: type[M], data: Any, root: _Spot, source: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [_problem_at(error, root) for error in exc.errors(include_url=False)]
        raise DataFileError(source, problems) from None


def _problem_at(error: ErrorDetails, root: _Spot) -> DataProblem:
    spot = root.deepest(error["loc"])
    dotted = ".".join(str(part) for part in error["loc"])
    return DataProblem(spot.line, spot.column or dotted, _readable(error))


def _readable(error: ErrorDetails) -> str:
    message = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    # YAML reads no/yes/on/off as booleans, +593... as a number and 2026-01-01 as a date.
    read_as = _READ_AS.get(type(error.get("input")))
    if error["type"] == "string_type" and read_as:
        message += f" (YAML read the value as {read_as}: put it in quotes)"
    return message


_READ_AS = {bool: "true/false", int: "a number", float: "a number", date: "a date", datetime: "a date"}


# --- YAML ----------------------------------------------------------------------------------------------


def _yaml() -> Any:
    import yaml  # noqa: PLC0415 - not installed on Lambda, where no file is parsed

    return yaml


def load_yaml(text: str, model: type[M], *, source: str = "<text>") -> M:
    """A YAML mapping validated by the model; DataFileError names the line of every problem."""
    pyyaml = _yaml()
    try:
        root, data, duplicates = _parse(text, source)
    except pyyaml.YAMLError as exc:
        raise DataFileError(source, [_syntax_problem(exc, text)]) from None
    except RecursionError:
        raise DataFileError(source, [DataProblem(None, "", "nested too deeply")]) from None
    try:
        value = _validate(model, data, _yaml_spots(root), source)
    except DataFileError as exc:
        raise DataFileError(source, _by_line(duplicates + exc.problems)) from None
    if duplicates:
        raise DataFileError(source, duplicates)
    return value


def _parse(text: str, source: str) -> tuple[yaml.MappingNode, Any, list[DataProblem]]:
    """The top node, the plain data built from it (safe tags only) and the duplicate keys found."""
    pyyaml = _yaml()
    # libyaml's loader when present: ~2x faster on a 10k-people file, same safe tags and line marks.
    loader = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)(text)
    try:
        root = _top_mapping(loader, source)
        loops, duplicates = _node_problems(root)
        if loops:
            raise DataFileError(source, loops)
        # Checked before construction: "<<" merges are flattened into the nodes while constructing.
        return root, loader.construct_document(root), duplicates
    finally:
        loader.dispose()


def _top_mapping(loader: yaml.SafeLoader, source: str) -> yaml.MappingNode:
    root = loader.get_single_node()
    if root is None:
        raise DataFileError(source, [DataProblem(1, "", "the file is empty")])
    if not isinstance(root, _yaml().MappingNode):
        problem = "the file must be a mapping of keys (key: value) at the top level, not a list or a value"
        raise DataFileError(source, [DataProblem(root.start_mark.line + 1, "", problem)])
    return root


def _node_problems(root: yaml.Node) -> tuple[list[DataProblem], list[DataProblem]]:
    """Alias loops or alias bombs (fatal), and duplicate keys (YAML silently keeps the last one)."""
    pyyaml = _yaml()
    loops: list[DataProblem] = []
    duplicates: list[DataProblem] = []
    visits = 0
    open_nodes: set[int] = set()

    def visit(node: yaml.Node, path: tuple[str, ...]) -> None:
        nonlocal visits
        visits += 1
        if visits > MAX_NODES:
            raise _TooLarge
        if id(node) in open_nodes:
            loops.append(DataProblem(node.start_mark.line + 1, ".".join(path), "an alias refers to itself"))
            return
        open_nodes.add(id(node))
        if isinstance(node, pyyaml.MappingNode):
            duplicates.extend(_duplicate_keys(node, path))
            for key, value in node.value:
                visit(value, (*path, str(key.value)))
        elif isinstance(node, pyyaml.SequenceNode):
            for index, item in enumerate(node.value):
                visit(item, (*path, str(index)))
        open_nodes.discard(id(node))

    try:
        visit(root, ())
    except _TooLarge:
        return [DataProblem(None, "", f"more than {MAX_NODES} values once aliases are expanded")], []
    return loops, duplicates


class _TooLarge(Exception):
    pass


def _duplicate_keys(node: yaml.MappingNode, path: tuple[str, ...]) -> list[DataProblem]:
    pyyaml = _yaml()
    duplicates: list[DataProblem] = []
    first_line: dict[tuple[str, str], int] = {}
    for key, _ in node.value:
        if not isinstance(key, pyyaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
            continue  # "<<" merges may repeat; non-scalar keys are left to the model to refuse
        line = key.start_mark.line + 1
        identity = (key.tag, key.value)
        if identity in first_line:
            problem = f"duplicate key {key.value!r} (first on line {first_line[identity]})"
            duplicates.append(DataProblem(line, ".".join((*path, key.value)), problem))
        else:
            first_line[identity] = line
    return duplicates


def _by_line(problems: list[DataProblem]) -> list[DataProblem]:
    return sorted(problems, key=lambda problem: problem.line or 0)


def _syntax_problem(exc: yaml.YAMLError, text: str) -> DataProblem:
    pyyaml = _yaml()
    if isinstance(exc, pyyaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        return DataProblem(mark.line + 1 if mark else None, "", f"not valid YAML: {problem or exc}")
    if isinstance(exc, pyyaml.reader.ReaderError):
        line = text[: exc.position].count("\n") + 1
        return DataProblem(line, "", f"not valid YAML: character #x{exc.character:04x} is not allowed")
    return DataProblem(None, "", f"not valid YAML: {exc}")


def _yaml_spots(node: yaml.Node) -> _Spot:
    """Each value's line, keyed like pydantic's error locs (after "<<" merges have been applied)."""
    pyyaml = _yaml()
    spot = _Spot(node.start_mark.line + 1)
    if isinstance(node, pyyaml.MappingNode):
        for key, value in node.value:
            child = _yaml_spots(value)
            child.line = key.start_mark.line + 1  # point at "key:", even when the value starts below it
            spot.inside[str(key.value)] = child
    elif isinstance(node, pyyaml.SequenceNode):
        spot.inside = {str(index): _yaml_spots(item) for index, item in enumerate(node.value)}
    return spot


# --- CSV: one row per person ---------------------------------------------------------------------------

CSV_COLUMNS = (
    "person_id",
    "name",
    "role",
    "email",
    "phone",
    "language",
    "country",
    "country_name",
    "timezone",
    "region",
    "region_name",
    "branch",
    "branch_name",
    "team",
    "team_name",
    "team_kind",
)
_OPTIONAL_COLUMNS = frozenset({"email", "phone", "language"})


@dataclass(frozen=True)
class _Level:
    """One level of the hierarchy as CSV columns: its id column and which columns fill which fields."""

    name: str
    key_field: str
    fields: Mapping[str, str]  # column -> model field
    children: str | None  # the model field holding the level below


_LEVELS = (
    _Level("country", "code", {"country_name": "name", "timezone": "timezone"}, "regions"),
    _Level("region", "id", {"region_name": "name"}, "branches"),
    _Level("branch", "id", {"branch_name": "name"}, "teams"),
    _Level("team", "id", {"team_name": "name", "team_kind": "kind"}, None),
)
_PERSON_COLUMNS = {"person_id": "id", "name": "name", "role": "role", "email": "email", "phone": "phone"}
_PERSON_COLUMNS |= {"language": "language", "team": "team", "branch": "branch", "country": "country"}
_PLACEMENTS = ("team", "branch", "country")  # deepest first


@dataclass(frozen=True)
class _Row:
    line: int
    cells: Mapping[str, str]

    def __getitem__(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass
class _Unit:
    """A country, region, branch or team as the rows describe it, with the line of each value."""

    key: str
    parent: str | None
    line: int
    values: dict[str, tuple[str, int]] = field(default_factory=dict)  # column -> (value, line)
    below: list[str] = field(default_factory=list)


class _Hierarchy:
    """The places the rows name, assembled level by level; a contradiction is a problem on its line."""

    def __init__(self, problems: list[DataProblem]) -> None:
        self.units: dict[str, dict[str, _Unit]] = {level.name: {} for level in _LEVELS}
        self.problems = problems

    def add_row(self, row: _Row) -> None:
        named = [level for level in _LEVELS if row[level.name]]
        if not named:
            return
        deepest = _LEVELS.index(named[-1])
        missing = [level for level in _LEVELS[:deepest] if not row[level.name]]
        for level in missing:
            below = _LEVELS[_LEVELS.index(level) + 1].name
            self.problems.append(DataProblem(row.line, level.name, f"a {below} needs its {level.name}"))
        if missing:
            return
        parent: str | None = None
        for level in _LEVELS[: deepest + 1]:
            self._declare(level, row, parent)
            parent = row[level.name]

    def _declare(self, level: _Level, row: _Row, parent: str | None) -> None:
        key = row[level.name]
        units = self.units[level.name]
        unit = units.get(key)
        if unit is None:
            unit = units[key] = _Unit(key, parent, row.line)
            if parent is not None:
                self.units[_LEVELS[_LEVELS.index(level) - 1].name][parent].below.append(key)
        elif unit.parent != parent:
            upper = _LEVELS[_LEVELS.index(level) - 1].name
            problem = (
                f"{level.name} {key!r} is in {upper} {unit.parent!r} on line {unit.line}, not {parent!r}"
            )
            self.problems.append(DataProblem(row.line, upper, problem))
        for column in level.fields:
            self._set(unit, level, column, row)

    def _set(self, unit: _Unit, level: _Level, column: str, row: _Row) -> None:
        value = row[column]
        if not value:
            return  # later rows may leave a place's details empty: the first row that gives them holds
        earlier = unit.values.setdefault(column, (value, row.line))
        if earlier[0] != value:
            problem = (
                f"{level.name} {unit.key!r} has {column} {earlier[0]!r} on line {earlier[1]}, not {value!r}"
            )
            self.problems.append(DataProblem(row.line, column, problem))

    def documents(self) -> tuple[list[dict[str, Any]], _Spot]:
        """The countries as model input, and the spots their values came from."""
        countries = self.units["country"].values()
        return [self._document(0, unit) for unit in countries], self._spots(0, countries)

    def _document(self, depth: int, unit: _Unit) -> dict[str, Any]:
        level = _LEVELS[depth]
        document: dict[str, Any] = {level.key_field: unit.key}
        document |= {level.fields[column]: value for column, (value, _) in unit.values.items()}
        if level.children is not None:
            units = self.units[_LEVELS[depth + 1].name]
            document[level.children] = [self._document(depth + 1, units[key]) for key in unit.below]
        return document

    def _spots(self, depth: int, units: Iterable[_Unit]) -> _Spot:
        level = _LEVELS[depth]
        listing = _Spot(None)
        for index, unit in enumerate(units):
            spot = _Spot(unit.line, level.name, {level.key_field: _Spot(unit.line, level.name)})
            for column, model_field in level.fields.items():
                line = unit.values[column][1] if column in unit.values else unit.line
                spot.inside[model_field] = _Spot(line, column)
            if level.children is not None:
                below = self.units[_LEVELS[depth + 1].name]
                spot.inside[level.children] = self._spots(depth + 1, (below[key] for key in unit.below))
            listing.inside[str(index)] = spot
        return listing


def load_csv_organisation(text: str, *, source: str = "<text>") -> Organisation:
    """The organisation from its CSV form: one row per person, the hierarchy assembled from the rows.

    Rows without a person_id declare places nobody sits in yet. Line numbers count the header as line 1.
    """
    problems: list[DataProblem] = []
    rows = list(_csv_rows(text, source))
    hierarchy = _Hierarchy(problems)
    people: list[dict[str, str]] = []
    people_spots = _Spot(None)
    for row in rows:
        hierarchy.add_row(row)
        person = _person(row, problems)
        if person is not None:
            people_spots.inside[str(len(people))] = _person_spot(row)
            people.append(person)
    countries, country_spots = hierarchy.documents()
    root = _Spot(1, None, {"countries": country_spots, "people": people_spots})
    try:
        organisation = _validate(Organisation, {"countries": countries, "people": people}, root, source)
    except DataFileError as exc:
        problems += exc.problems
    if problems:
        raise DataFileError(source, _by_line(problems))
    return organisation


def _csv_rows(text: str, source: str) -> Iterator[_Row]:
    text = text.removeprefix("\ufeff")
    header_line = text.split("\n", 1)[0]
    # Spreadsheets in Spanish-speaking locales save with ";" because "," is their decimal mark.
    delimiter = ";" if ";" in header_line and "," not in header_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [cell.strip() for cell in next(reader, [])]
        _check_header(header, source)
        last_line = reader.line_num
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                yield _row(line, header, cells, source)
    except csv.Error as exc:
        raise DataFileError(source, [DataProblem(reader.line_num, "", f"not valid CSV: {exc}")]) from None


def _check_header(header: list[str], source: str) -> None:
    if not any(header):
        raise DataFileError(source, [DataProblem(1, "", "the file is empty; expected a header row")])
    required = [column for column in CSV_COLUMNS if column not in _OPTIONAL_COLUMNS]
    problems = [DataProblem(1, column, "missing column") for column in required if column not in header]
    problems += [DataProblem(1, column, "unknown column") for column in header if column not in CSV_COLUMNS]
    repeated = sorted({column for column in header if header.count(column) > 1})
    problems += [DataProblem(1, column, "column given twice") for column in repeated]
    if problems:
        expected = ",".join(CSV_COLUMNS)
        problems.append(DataProblem(1, "", f"expected the header {expected}"))
        raise DataFileError(source, problems)


def _row(line: int, header: list[str], cells: list[str], source: str) -> _Row:
    if len(cells) != len(header):
        problem = f"the row has {len(cells)} cells, the header {len(header)}"
        raise DataFileError(source, [DataProblem(line, "", problem)])
    return _Row(line, {column: cell.strip() for column, cell in zip(header, cells, strict=True)})


def _person(row: _Row, problems: list[DataProblem]) -> dict[str, str] | None:
    """The row's person as model input; None for a row that only declares places."""
    if not row["person_id"]:
        if row["name"] or row["role"]:
            problem = "a row with a name or role needs a person_id (rows without one only declare places)"
            problems.append(DataProblem(row.line, "person_id", problem))
        return None
    person = {
        model_field: row[column]
        for column, model_field in _PERSON_COLUMNS.items()
        if row[column] and column not in _PLACEMENTS
    }
    # A person sits at the deepest place the row names; the model checks that it fits the role.
    seat = next((placement for placement in _PLACEMENTS if row[placement]), None)
    if seat is not None:
        person[seat] = row[seat]
    return person


def _person_spot(row: _Row) -> _Spot:
    spot = _Spot(row.line, "person_id")
    spot.inside = {model_field: _Spot(row.line, column) for column, model_field in _PERSON_COLUMNS.items()}
    return spot


def load_document_file(name: str, path: Path) -> dict[str, Any]:
    """One of the analysts' documents (cxloop.domain.configuration.rulebook.DOCUMENTS) read from its file and
    validated, as the JSON the config API stores; DataFileError names the line of every problem."""
    from cxloop.domain.configuration.rulebook import DOCUMENTS  # noqa: PLC0415 - rules import the organisation module

    if name not in DOCUMENTS:
        problem = f"unknown document {name!r}; expected one of {', '.join(DOCUMENTS)}"
        raise DataFileError(path.name, [DataProblem(None, "", problem)])
    if name == "organisation":
        return load_organisation_file(path).model_dump(mode="json")
    return load_yaml(_read_text(path), DOCUMENTS[name], source=path.name).model_dump(mode="json")
