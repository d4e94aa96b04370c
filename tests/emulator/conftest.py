"""Fixtures for the emulator's tests: seeded users, a plain aiohttp caller, spec conformance.

Every emulator these tests start (through the plugin's ``clerk_emulator`` fixture, whose
options this file overrides, or through ``emulator_options``) reports each response to a
session-wide checker that validates it against the response schema the spec gives for that
operation and status. A test during which a response did not conform fails at teardown.
The spec is read from ``../shared/clerk-api/`` beside the repository; without it the check is
off and the tests that need the spec skip.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest

from clerk_orgs_async.testing import ClerkEmulator

from ._support import SPEC, USERS, Api, Conformance


@pytest.fixture(scope="session")
def conformance() -> Conformance:
    return Conformance(SPEC)


@pytest.fixture(autouse=True)
def _responses_conform(conformance: Conformance) -> Iterator[None]:
    start = len(conformance.failures)
    yield
    failures = conformance.failures[start:]
    assert not failures, "responses that do not conform to the spec:\n" + "\n".join(failures)


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
