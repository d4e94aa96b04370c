"""Fixtures for the interop tests: Clerk's official SDKs, unchanged, against the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from clerk_backend_api import Clerk

from clerk_orgs_async.testing import ClerkEmulator
from tests.emulator._support import USERS


@pytest.fixture
def clerk_emulator_options() -> dict[str, Any]:
    return {"users": USERS}


@pytest.fixture
async def sdk(clerk_emulator: ClerkEmulator) -> AsyncIterator[Clerk]:
    """The Python SDK on the emulator; its ``*_async`` methods share the test's loop."""
    async with Clerk(
        bearer_auth=clerk_emulator.secret_key, server_url=clerk_emulator.base_url
    ) as client:
        yield client
