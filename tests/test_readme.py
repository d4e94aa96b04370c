"""Every Python block of README.md and docs/ runs here, verbatim, so the text cannot drift.

The tool is Sybil: it lexes Markdown's fenced blocks with their line numbers and evaluates them
in order in one namespace per document; it has no runtime dependencies, has been maintained
since 2011, and takes custom evaluators, which top-level ``await`` needs. (pytest-examples runs
each block as a module of its own, without top-level ``await``; pytest-markdown-docs wants the
fixtures a block uses named in the fence's info string, which a reader never sees.)

The convention, for whoever adds a block (nothing is set up that the README does not show):

- A complete program, one that ends in ``asyncio.run(main())``, runs as a script of its own,
  against a ``clerk-orgs emulator`` started as the Quick start says: users ``user_1`` …
  ``user_5``, its ``CLERK_API_URL`` and ``CLERK_SECRET_KEY`` exported.
- Any other block is a fragment: it is pasted, line by line, into an emulated
  ``python -m asyncio`` (``code.InteractiveConsole`` with top-level ``await``, as the asyncio
  REPL is), one per document, in order, with neither variable exported. So what a reader pastes
  is what runs: a block statement followed by an unindented line without a blank line between
  them is the REPL's ``SyntaxError`` here too, and a name or a key the document's own setup
  block (its first fragment) does not set is a failure.
- A block whose first line is ``# test_<name>.py`` is a test file: it runs under pytest (with
  ``-W error``) in a new project whose ``pyproject.toml`` is the README's ``toml`` block.
- ``sh`` blocks are not run (the install tests in ``test_install.py`` run the Quick start's).
"""

from __future__ import annotations

import ast
import asyncio
import code
import contextlib
import inspect
import os
import re
import types
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

_TEST_FILE = re.compile(r"# (test_\w+)\.py\n")


def _document(path: Path) -> Any:
    """A document to run; ``slow`` when a block is a test file, run by pytest in a process
    of its own (seconds each: make test runs those, make check does not)."""
    found = blocks(path)
    runs_pytest = any(b.language == "python" and _TEST_FILE.match(b.source) for b in found)
    return pytest.param(path, marks=[pytest.mark.slow] if runs_pytest else [])


DOCUMENTS = [
    _document(path)
    for path in [README, *sorted((ROOT / "docs").rglob("*.md"))]
    if any(b.language in ("python", "toml") for b in blocks(path))
]


class Paste(code.InteractiveConsole):
    """``python -m asyncio`` without a terminal: what a pasted fragment runs as.

    The asyncio REPL is an ``InteractiveConsole`` compiling with top-level ``await`` and running
    each statement as a function whose coroutine it awaits on the REPL's loop; this does the
    same, but lets a syntax error or an exception escape instead of printing it.
    """

    def __init__(self, namespace: dict[str, Any], loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(namespace)
        self.compile.compiler.flags |= ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        self.loop = loop

    def runcode(self, code: types.CodeType) -> None:
        result = types.FunctionType(code, self.locals)()
        if inspect.iscoroutine(result):
            self.loop.run_until_complete(result)

    def showsyntaxerror(self, filename: str | None = None, **kwargs: Any) -> None:
        raise  # called from runsource's except clause: re-raises its SyntaxError

    def paste(self, source: str) -> None:
        """Type ``source`` in line by line, then the blank line that ends an open block."""
        for line in [*source.splitlines(), ""]:
            self.push(line)


class Evaluator:
    """Runs a document's blocks the way the convention above says."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        pytester: pytest.Pytester,
        exported: dict[str, str],
    ) -> None:
        self.loop = loop
        self.pytester = pytester
        self.exported = exported
        self.pyproject: str | None = None

    def python(self, example: Example) -> None:
        source = str(example.parsed)
        if (test_file := _TEST_FILE.match(source)) is not None:
            self._run_test_file(test_file.group(1), source)
            return
        if "asyncio.run(" in source:
            padded = pad(source, example.line + example.parsed.line_offset)
            program = compile(padded, str(example.path), "exec", dont_inherit=True)
            with _exported(self.exported):
                exec(program, {"__name__": "__main__"})  # noqa: S102 - the docs' own code
            return
        console = example.namespace.setdefault("__console__", None)
        if console is None:
            console = example.namespace["__console__"] = Paste(example.namespace, self.loop)
        console.paste(source)

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


@contextlib.contextmanager
def _exported(variables: dict[str, str]) -> Iterator[None]:
    """The Quick start's two ``export`` lines, for one complete program."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in variables.items():
            patch.setenv(name, value)
        yield


@pytest.fixture
def quick_start_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """``clerk-orgs emulator`` in its own process, and the two lines the README exports."""
    monkeypatch.delenv("CLERK_API_URL", raising=False)  # a fragment must not rely on them
    monkeypatch.delenv("CLERK_SECRET_KEY", raising=False)
    loop = asyncio.new_event_loop()
    context = emulator_process()
    emu = loop.run_until_complete(context.__aenter__())
    try:
        yield {"CLERK_API_URL": emu.base_url, "CLERK_SECRET_KEY": emu.secret_key}
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


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_python_block_runs(
    document: Path,
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    quick_start_environment: dict[str, str],
) -> None:
    monkeypatch.chdir(ROOT)  # pytester moved to a temporary directory; the README runs here
    loop = asyncio.new_event_loop()
    evaluator = Evaluator(loop, pytester, quick_start_environment)
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
