"""Fixtures shared by every test module."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

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
