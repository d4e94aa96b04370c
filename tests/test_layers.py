"""The package's import graph: no cycle at all, and layers the contracts in pyproject.toml name.

``make lint`` runs import-linter on those contracts; these tests keep them honest: a cycle is
found even through ``TYPE_CHECKING`` blocks and imports inside functions (grimp counts both),
and a new private module cannot slip past the contracts by not being listed in them.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import grimp
import pytest

# Imported by name: mypy checks the suite as Python 3.10, which has tomli (import-linter's
# dependency there) instead of tomllib.
tomllib: Any = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")

PACKAGE = "clerk_orgs_async"
PYPROJECT = Path(__file__).parent.parent / "pyproject.toml"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(PACKAGE, include_external_packages=False)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges[node]:
                    found.append(sorted(component))
    return found


def test_cycles_finds_a_cycle_and_only_it() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}, "f": set()}
    assert sorted(cycles(edges)) == [["a", "b", "c"], ["e"]]


def test_the_package_has_no_import_cycle(graph: grimp.ImportGraph) -> None:
    edges = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    found = [[name.removeprefix(PACKAGE + ".") for name in cycle] for cycle in cycles(edges)]
    assert found == []


def test_the_graph_counts_type_checking_imports(graph: grimp.ImportGraph) -> None:
    """The check above sees the imports a reader sees, not only those that run at import."""
    running = grimp.build_graph(PACKAGE, exclude_type_checking_imports=True)
    assert graph.count_imports() > running.count_imports()


def _contracts() -> list[dict[str, Any]]:
    config = tomllib.loads(PYPROJECT.read_text())
    contracts: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def test_the_contracts_name_every_private_module(graph: grimp.ImportGraph) -> None:
    """The emulator and the CLI may use the client's public names only: each private module
    of the package root is forbidden to them by name (import-linter has no ``_*`` pattern),
    so a module added later must be added to both lists."""
    private = {
        module
        for module in graph.find_children(PACKAGE)
        if module.rsplit(".", 1)[1].startswith("_") and module != f"{PACKAGE}._cli"
    }
    by_source = {
        contract["source_modules"][0]: set(contract["forbidden_modules"])
        for contract in _contracts()
        if contract["type"] == "forbidden"
    }
    assert private - by_source[f"{PACKAGE}.testing"] == {f"{PACKAGE}._json"}
    assert private - by_source[f"{PACKAGE}._cli"] == set()
