"""The budgets sit below the settings (``_limits``): they never import them, not even for type
checkers or inside a function. Cycles anywhere in the package: tests/test_layers.py."""

from __future__ import annotations

import ast
from pathlib import Path

import clerk_orgs_async

PACKAGE = Path(clerk_orgs_async.__file__).parent


def imports(module: str) -> set[str]:
    """The package's top-level private modules that ``module`` imports, anywhere in it."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names = [node.module] if node.module else [alias.name for alias in node.names]
            found.update(name.split(".")[0] for name in names)
    return found


def test_the_budgets_do_not_know_the_settings() -> None:
    for module in ("_budget", "_redis_budget", "_redis_store"):
        assert not imports(module) & {"_limits", "_pacing"}, module
