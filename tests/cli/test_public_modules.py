"""The command line is a user of the library: it imports only its public modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import clerk_orgs_async._cli

CLI = Path(clerk_orgs_async._cli.__file__).parent
ALLOWED_PRIVATE = ("clerk_orgs_async._cli", "clerk_orgs_async._version")


def private_imports(source: str, module: str) -> list[str]:
    """The private ``clerk_orgs_async`` modules and names ``source`` (the code of ``module``)
    imports, other than the command line's own modules and ``_version``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the importing module's package
                package = module.rsplit(".", node.level)[0]
                base = f"{package}.{base}" if base else package
            # ``from pkg import _name`` may name a private submodule as well as a private object.
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            if parts[0] != "clerk_orgs_async" or _allowed(target):
                continue
            if any(part.startswith("_") and part != "__version__" for part in parts[1:]):
                found.append(f"line {node.lineno}: {target}")
    return found


def _allowed(target: str) -> bool:
    # Whole components: clerk_orgs_async._client is not inside clerk_orgs_async._cli.
    return any(target == name or target.startswith(name + ".") for name in ALLOWED_PRIVATE)


@pytest.mark.parametrize("path", sorted(CLI.glob("*.py")), ids=lambda path: path.name)
def test_the_cli_imports_only_public_modules(path: Path) -> None:
    module = f"clerk_orgs_async._cli.{path.stem}"  # __init__ too: "." is then _cli itself
    assert private_imports(path.read_text(encoding="utf-8"), module) == []


@pytest.mark.parametrize(
    "source",
    [
        "from clerk_orgs_async._sync_plan import validate",
        "import clerk_orgs_async._pacing",
        "from clerk_orgs_async.testing._emulator import REQUEST_LOG_SIZE",
        "from clerk_orgs_async import _json",
        "from clerk_orgs_async.testing import _state",
        "from .. import _client",
        "from clerk_orgs_async._client import ClerkClient",
        "from ..testing._records import User",
        "def f():\n    from clerk_orgs_async.testing._pacing import Latency",
    ],
)
def test_the_check_catches_private_imports(source: str) -> None:
    assert private_imports(source, "clerk_orgs_async._cli._example") != []


@pytest.mark.parametrize(
    "source",
    [
        "from clerk_orgs_async import ClerkClient",
        "from clerk_orgs_async.testing import ClerkEmulator",
        "from clerk_orgs_async._cli._output import table",
        "from clerk_orgs_async._version import __version__",
        "from . import _output",
        "from ._orgs import json_option",
        "import asyncio._private",
    ],
)
def test_the_check_allows_public_and_cli_imports(source: str) -> None:
    assert private_imports(source, "clerk_orgs_async._cli._example") == []
