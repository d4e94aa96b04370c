"""The emulator's shape: per endpoint group a store (no HTTP) and an HTTP module.

Stores never import the aggregate (``_state``), an HTTP module or aiohttp, counting imports
under ``TYPE_CHECKING`` and inside functions: the aggregate hands each store what it reads.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

from clerk_orgs_async.testing import _routes
from clerk_orgs_async.testing._state import SNAPSHOT_CHECKS
from clerk_orgs_async.testing._webhook_events import RENDERERS
from clerk_orgs_async.testing._webhook_store import EVENT_TYPES

TESTING = Path(__file__).parents[2] / "clerk_orgs_async" / "testing"
STORES = sorted(
    path.stem.removesuffix("_http") for path in TESTING.glob("_*_http.py") if path.stem != "_http"
)
"""Every group's store, named by its HTTP module: a new group needs no line here."""


def imported_by(source: str) -> set[str]:
    """Every module ``source`` (a file of ``testing``) imports, wherever the statement is."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            relative = ".".join(filter(None, ["clerk_orgs_async.testing", node.module]))
            base = relative if node.level else str(node.module)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def imported(module: str) -> set[str]:
    """Every module the file ``testing/{module}.py`` imports."""
    return imported_by((TESTING / f"{module}.py").read_text())


@pytest.mark.parametrize("store", STORES)
def test_a_store_knows_no_aggregate_and_no_http(store: str) -> None:
    for name in imported(store):
        assert not name.startswith("aiohttp"), name
        assert not name.startswith("clerk_orgs_async.testing._state"), name
        assert not name.removeprefix("clerk_orgs_async.testing.").startswith("_http"), name
        assert not name.split(".")[-1].endswith("_http"), name


def test_every_group_has_a_store_and_an_http_module_and_its_routes_are_added() -> None:
    groups = {module.__name__.rsplit(".", 1)[-1].removesuffix("_http") for module in _routes.GROUPS}
    assert groups == set(STORES)
    for store in STORES:
        assert (TESTING / f"{store}.py").is_file() and (TESTING / f"{store}_http.py").is_file()


def test_the_check_sees_imports_under_type_checking_and_inside_functions() -> None:
    names = imported_by(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from clerk_orgs_async.testing._state import EmulatorState\n"
        "def f():\n    from . import _http\n"
    )
    assert "clerk_orgs_async.testing._state" in names
    assert "clerk_orgs_async.testing._http" in names


def test_each_event_the_emulator_sends_is_rendered_by_the_one_group_declaring_it() -> None:
    declared = [event for group in _routes.GROUPS for event in group.EVENTS]
    assert sorted(declared) == sorted(EVENT_TYPES)
    assert set(RENDERERS) == set(EVENT_TYPES)


def test_webhook_events_learns_the_renderers_from_the_groups_not_by_name() -> None:
    group_modules = {m for m in imported("_webhook_events") if re.search(r"\.\w+_http\b", m)}
    assert group_modules == set()


def test_each_store_declares_the_checks_of_its_data_file_sections() -> None:
    stores = [importlib.import_module(f"clerk_orgs_async.testing.{store}") for store in STORES]
    assert {store.check_snapshot for store in stores} <= set(SNAPSHOT_CHECKS)


def test_the_data_file_check_knows_no_group_and_no_aggregate() -> None:
    testing = {f"clerk_orgs_async.testing.{module}" for module in (*STORES, "_state")}
    assert imported("_snapshot") & testing == set()
