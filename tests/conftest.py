"""Fixtures shared by every test module."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.emulator._support import SPEC, Conformance

SAMPLES = Path(__file__).parent / "samples"
SPECS = Path(__file__).resolve().parents[1].parent / "shared" / "clerk-api"
SECRET = "sk_test_Wire0Secret0Value0Never0Shown"


def sample(name: str) -> Any:
    """A realistic payload from tests/samples (built from the spec's schemas)."""
    return json.loads((SAMPLES / f"{name}.json").read_text())


@pytest.fixture(autouse=True)
def _no_clerk_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's own key or URL must never leak into a test.
    monkeypatch.delenv("CLERK_SECRET_KEY", raising=False)
    monkeypatch.delenv("CLERK_API_URL", raising=False)


@pytest.fixture(scope="session")
def conformance() -> Conformance:
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
