"""The structure docs/ARCHITECTURE.md describes, checked from the code's own imports:
no import cycle among the files of shared/, functions/ or infra/, and no module in
shared/ a reader cannot take in at once. The layer and context order is import-linter's
job (`make lint`, contracts in pyproject.toml)."""

from __future__ import annotations

from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[3]
LONGEST_SHARED_MODULE = 600


def _cycle(graph: grimp.ImportGraph) -> list[str]:
    """One import cycle among the graph's modules (its modules in order), or [] when there is none."""
    imports = {
        module: graph.find_modules_directly_imported_by(module) & graph.modules for module in graph.modules
    }
    try:
        TopologicalSorter(imports).prepare()
    except CycleError as error:
        return list(error.args[1])
    return []


def test_no_import_cycle_among_the_files_of_shared_functions_or_infra() -> None:
    graph = grimp.build_graph("cxloop", "functions", "infra")
    assert _cycle(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(module)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.a")
    graph.add_import(importer="pkg.b", imported="pkg.c")
    assert sorted(set(_cycle(graph))) == ["pkg.a", "pkg.b"]


def test_no_module_in_shared_is_longer_than_a_reader_takes_in_at_once() -> None:
    lengths = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in (ROOT / "shared").rglob("*.py")
    }
    assert {path: n for path, n in lengths.items() if n > LONGEST_SHARED_MODULE} == {}
