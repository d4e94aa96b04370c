"""Fixtures for the emulator's tests: seeded users, a plain aiohttp caller, spec conformance.

Every emulator started in the test suite reports each response to the session-wide
conformance checker of ``tests/conftest.py``; here it also gets the users below.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from clerk_orgs_async.testing import ClerkEmulator

from ._support import USERS, Api, Conformance


@pytest.fixture
def emulator_options(conformance: Conformance) -> dict[str, Any]:
    """Options every emulator in these tests gets: the users above and the conformance hook."""
    return {"users": USERS, "on_response": conformance.record}


@pytest.fixture
def clerk_emulator_options(emulator_options: dict[str, Any]) -> dict[str, Any]:
    return emulator_options


@pytest.fixture
async def api(clerk_emulator: ClerkEmulator) -> AsyncIterator[Api]:
    # A fresh connection per request: aiohttp silently retries a request whose reused
    # connection drops, which would hide the emulator's dropped connections.
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        yield Api(session, clerk_emulator)
