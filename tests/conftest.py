"""Fixtures shared by every test module."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tests._needs import missing, under_ci
from tests.emulator._support import SPEC, SPEC_MISSING, Conformance

# Hypothesis times each example against a 200 ms deadline and calls a slow data draw a failed
# health check: both measure the machine, not the code, and fail a run on a busy one.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")

SAMPLES = Path(__file__).parent / "samples"
SECRET = "sk_test_Wire0Secret0Value0Never0Shown"


def sample(name: str) -> Any:
    """A realistic payload from tests/samples (built from the spec's schemas)."""
    return json.loads((SAMPLES / f"{name}.json").read_text())


@pytest.fixture(autouse=True)
def _no_clerk_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's own key or URL must never leak into a test.
    monkeypatch.delenv("CLERK_SECRET_KEY", raising=False)
    monkeypatch.delenv("CLERK_API_URL", raising=False)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    # pytest-randomly puts its seed in the header, which -q hides: a failure that only one
    # order shows must be replayable from any run's last lines.
    seed = config.getoption("randomly_seed", default=None)
    if seed is not None:
        terminalreporter.write_line(f"random order: --randomly-seed={seed} replays it")


def pytest_report_header() -> str:
    if SPEC.exists():
        return f"spec conformance: every emulator response is checked against {SPEC}"
    return f"spec conformance: OFF ({SPEC_MISSING})"


@pytest.fixture(scope="session")
def conformance() -> Conformance:
    if not SPEC.exists() and under_ci():
        missing(SPEC_MISSING)  # fails: under CI every response must be checked
    return Conformance(SPEC)


@pytest.fixture(autouse=True)
def _emulator_responses_conform(
    conformance: Conformance, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Every response any emulator serves during a test must match the spec's schema."""
    from clerk_orgs_async.testing import _emulator

    original = _emulator.ClerkEmulator.__init__

    def checked_init(
        self: _emulator.ClerkEmulator,
        *args: Any,
        on_response: Callable[[Any], None] | None = None,
        **kwargs: Any,
    ) -> None:
        def record(response: Any) -> None:
            conformance.record(response)
            if on_response is not None and on_response != conformance.record:
                on_response(response)

        original(self, *args, on_response=record, **kwargs)

    monkeypatch.setattr(_emulator.ClerkEmulator, "__init__", checked_init)
    start = len(conformance.failures)
    yield
    failures = conformance.failures[start:]
    assert not failures, "responses that do not conform to the spec:\n" + "\n".join(failures)


def find_secret(
    value: object, secret: str, *, depth: int = 0, seen: set[int] | None = None
) -> str | None:
    """Where ``secret`` appears in ``value``: its str and repr, its attributes, and for an
    exception its ``__cause__`` and unsuppressed ``__context__``, recursively (None: nowhere)."""
    seen = set() if seen is None else seen
    if id(value) in seen or depth > 6 or value is None:
        return None
    seen.add(id(value))
    for text in (str(value), repr(value)):
        if secret in text:
            return f"{type(value).__name__}: {text[:200]}"
    children: list[object] = []
    if isinstance(value, BaseException):
        children.append(value.__cause__)
        if not value.__suppress_context__:
            children.append(value.__context__)
        children.extend(value.args)
    if isinstance(value, dict):
        children.extend(value.keys())
        children.extend(value.values())
    elif isinstance(value, list | tuple | set | frozenset):
        children.extend(value)
    elif not isinstance(value, str | bytes | int | float | bool):
        for name in dir(value):
            if name.startswith("__"):
                continue
            try:
                child = getattr(value, name)
            except Exception:  # noqa: S112 - a property may refuse; nothing to see there
                continue
            if not callable(child) or isinstance(child, BaseException):
                children.append(child)
    for child in children:
        found = find_secret(child, secret, depth=depth + 1, seen=seen)
        if found:
            return f"{type(value).__name__} -> {found}"
    return None
