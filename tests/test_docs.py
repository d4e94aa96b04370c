"""The documentation site's promises that its strict build alone cannot check.

``make docs`` (part of ``make test``) builds the site with ``--strict``: a broken link, a
reference to a name that moved or a page left out of the navigation fails it. What it cannot
see is a public name nobody wrote a reference entry for; that is checked here, with the
README's length.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "reference"
PUBLIC_MODULES = [
    "clerk_orgs_async",
    "clerk_orgs_async.testing",
    "clerk_orgs_async.sync",
    "clerk_orgs_async.webhooks",
]
_DIRECTIVE = re.compile(r"^::: ([\w.]+)\s*$", re.MULTILINE)


def documented() -> set[str]:
    """Every object the reference pages render, by the dotted path their ``:::`` names."""
    return {
        name
        for page in REFERENCE.glob("*.md")
        for name in _DIRECTIVE.findall(page.read_text(encoding="utf-8"))
    }


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_name_has_a_reference_entry(module_name: str) -> None:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        pytest.skip(f"{module_name} is not in this version")
    missing = sorted(name for name in module.__all__ if f"{module_name}.{name}" not in documented())
    assert not missing, f"no '::: {module_name}.<name>' in docs/reference/ for {missing}"


def test_the_reference_names_only_public_paths() -> None:
    """An entry for a private path (``clerk_orgs_async._client.X``) would teach users it."""
    private = sorted(
        name for name in documented() if re.search(r"\._", name.replace("__version__", ""))
    )
    assert not private


def test_the_readme_is_read_in_five_minutes() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= 250, f"README.md has {lines} lines; the rest belongs in docs/"


def _emulator_map() -> tuple[str, str]:
    """docs/development.md split in two: the emulator's module map, and the rest."""
    text = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    before, section = text.split("### The emulator", 1)
    emulator, after = section.split("\n### ", 1)
    return emulator, before + after


def test_the_module_map_names_every_module_of_the_client_core() -> None:
    """docs/development.md's map lists each module of the package root, and only real ones."""
    text = _emulator_map()[1]
    package = ROOT / "clerk_orgs_async"
    unmapped = sorted(p.name for p in package.glob("*.py") if f"`{p.name}`" not in text)
    assert not unmapped, f"add {unmapped} to the module map in docs/development.md"
    named = set(re.findall(r"\| `(\w+\.py)` \|", text))
    gone = sorted(name for name in named if not (package / name).exists())
    assert not gone, f"the module map names modules that do not exist: {gone}"


def test_the_module_map_names_every_module_of_the_emulator() -> None:
    """Each module of ``testing`` has its line in the emulator's map, and each named exists."""
    text = _emulator_map()[0]
    package = ROOT / "clerk_orgs_async" / "testing"
    unmapped = sorted(p.name for p in package.glob("*.py") if f"`{p.name}`" not in text)
    assert not unmapped, f"add {unmapped} to the emulator's module map in docs/development.md"
    named = set(re.findall(r"`(\w+\.py)`", text))
    gone = sorted(name for name in named if not (package / name).exists())
    assert not gone, f"the emulator's module map names modules that do not exist: {gone}"


def test_the_site_builds_and_is_read_offline() -> None:
    """No plugin that fetches at build time (social cards, privacy), no fonts from Google."""
    import yaml

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["theme"]["font"] is False
    plugins = {next(iter(p)) if isinstance(p, dict) else p for p in config["plugins"]}
    assert plugins <= {"search", "autorefs", "mkdocstrings"}
    assert config["strict"] is True
