"""Every Python block of README.md runs here, verbatim, so the README cannot drift from the code.

The tool is Sybil: it lexes Markdown's fenced blocks with their line numbers and evaluates them
in order in one namespace per document; it has no runtime dependencies, has been maintained
since 2011, and takes custom evaluators, which top-level ``await`` needs. (pytest-examples runs
each block as a module of its own, without top-level ``await``; pytest-markdown-docs wants the
fixtures a block uses named in the fence's info string, which a reader never sees.)

The convention, for whoever adds a block (nothing is set up that the README does not show):

- A complete program, one that ends in ``asyncio.run(main())``, runs as a script of its own,
  against a ``clerk-orgs emulator`` started as the Quick start says: users ``user_1`` …
  ``user_5``, its ``CLERK_API_URL`` and ``CLERK_SECRET_KEY`` exported.
- Any other block is a fragment: it runs in one namespace shared by the whole README, in order,
  on one event loop, as if pasted into ``python -m asyncio`` after the setup block of "Running
  the other examples", so it may use ``await`` and that block's ``emu``, ``clerk`` and ``org``.
- A block whose first line is ``# test_<name>.py`` is a test file: it runs under pytest (with
  ``-W error``) in a new project whose ``pyproject.toml`` is the README's ``toml`` block.
- ``sh`` blocks are not run (the install tests in ``test_install.py`` run the Quick start's).
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sybil import Example, Sybil
from sybil.evaluators.python import pad
from sybil.parsers.markdown import CodeBlockParser

from clerk_orgs_async import ClerkClient
from clerk_orgs_async.testing import ClerkEmulator
from tests._readme import README, ROOT, blocks
from tests.emulator._process import emulator_process

pytest_plugins = ["pytester"]

DOCUMENTS = [README, *sorted((ROOT / "docs").glob("*.md"))]
_TEST_FILE = re.compile(r"# (test_\w+)\.py\n")


class Evaluator:
    """Runs a README's blocks the way the convention above says."""

    def __init__(self, loop: asyncio.AbstractEventLoop, pytester: pytest.Pytester) -> None:
        self.loop = loop
        self.pytester = pytester
        self.pyproject: str | None = None

    def python(self, example: Example) -> None:
        source = str(example.parsed)
        if (test_file := _TEST_FILE.match(source)) is not None:
            self._run_test_file(test_file.group(1), source)
            return
        padded = pad(source, example.line + example.parsed.line_offset)
        code = compile(
            padded,
            str(example.path),
            "exec",
            flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
            dont_inherit=True,
        )
        if "asyncio.run(" in source:
            exec(code, {"__name__": "__main__"})  # noqa: S102 - the README's own code
            return
        result = eval(code, example.namespace)  # noqa: S307 - the README's own code
        if inspect.iscoroutine(result):
            self.loop.run_until_complete(result)

    def toml(self, example: Example) -> None:
        self.pyproject = str(example.parsed)

    def _run_test_file(self, name: str, source: str) -> None:
        assert self.pyproject is not None, "a test file needs the README's toml block above it"
        self.pytester.makefile(".toml", pyproject=self.pyproject)
        self.pytester.makepyfile(**{name: source})
        here = Path.cwd()
        os.chdir(self.pytester.path)  # the new project, not this repository
        try:
            result = self.pytester.runpytest_subprocess(
                f"{name}.py", "-p", "no:cacheprovider", "-W", "error"
            )  # this block's file alone: an earlier block's stays in the project
        finally:
            os.chdir(here)
        result.assert_outcomes(
            passed=source.count("\nasync def test_") + source.count("\ndef test_")
        )


@pytest.fixture
def quick_start_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``clerk-orgs emulator`` in its own process, its two lines exported, as the README says."""
    loop = asyncio.new_event_loop()
    context = emulator_process()
    emu = loop.run_until_complete(context.__aenter__())
    monkeypatch.setenv("CLERK_API_URL", emu.base_url)
    monkeypatch.setenv("CLERK_SECRET_KEY", emu.secret_key)
    try:
        yield
    finally:
        loop.run_until_complete(context.__aexit__(None, None, None))
        loop.close()


async def _close_what_is_left(namespace: dict[str, Any]) -> None:
    """``await clerk.aclose()`` and ``await emu.close()``, as the README tells the reader."""
    for value in namespace.values():
        if isinstance(value, ClerkClient):
            await value.aclose()
    for value in namespace.values():
        if isinstance(value, ClerkEmulator):
            await value.close()


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
@pytest.mark.usefixtures("quick_start_environment")
def test_every_python_block_runs(
    document: Path, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # pytester moved to a temporary directory; the README runs here
    loop = asyncio.new_event_loop()
    evaluator = Evaluator(loop, pytester)
    sybil = Sybil(
        parsers=[
            CodeBlockParser(language="python", evaluator=evaluator.python),
            CodeBlockParser(language="toml", evaluator=evaluator.toml),
        ]
    )
    parsed = sybil.parse(document)
    ran = 0
    try:
        for example in parsed:
            try:
                example.evaluate()
            except Exception as error:
                raise AssertionError(
                    f"{document.name}: the block at line {example.line} failed: {error!r}"
                ) from error
            ran += 1
    finally:
        loop.run_until_complete(_close_what_is_left(parsed.namespace))
        loop.close()
    expected = [b for b in blocks(document) if b.language in ("python", "toml")]
    assert ran == len(expected) > 0
