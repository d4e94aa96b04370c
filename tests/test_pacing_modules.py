"""The pacing modules import one another without a cycle, counting the imports made for type
checkers and inside functions (issue 19): settings (``_limits``) above the budgets."""

from __future__ import annotations

import ast
from pathlib import Path

import clerk_orgs_async

PACKAGE = Path(clerk_orgs_async.__file__).parent
PACING = {"_pacing", "_limits", "_budget", "_redis_budget", "_redis_store", "_redis_limit"}


def imports(module: str) -> set[str]:
    """The package's top-level private modules that ``module`` imports, anywhere in it."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names = [node.module] if node.module else [alias.name for alias in node.names]
            found.update(name.split(".")[0] for name in names)
    return found


def test_no_pacing_module_imports_itself_back_through_another() -> None:
    present = {m for m in PACING if (PACKAGE / f"{m}.py").exists()}
    graph = {module: imports(module) & present for module in present}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(nxt == goal or reaches(nxt, goal, seen | {nxt}) for nxt in graph[start] - seen)

    assert [m for m in sorted(present) if reaches(m, m, set())] == []


def test_the_budgets_do_not_know_the_settings() -> None:
    for module in ("_budget", "_redis_budget", "_redis_store"):
        assert not imports(module) & {"_limits", "_pacing"}, module
