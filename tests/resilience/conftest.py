"""An emulator with users, and a client on it whose retry sleeps are recorded, not waited."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from clerk_orgs_async import ClerkClient, RetryPolicy
from clerk_orgs_async.testing import ClerkEmulator, instant_retries

USERS = ["user_owner", "user_1", "user_2", "user_3"]


@pytest.fixture
def sleeps() -> Iterator[list[float]]:
    with instant_retries() as waits:
        yield waits


@pytest.fixture
async def emu() -> AsyncIterator[ClerkEmulator]:
    async with ClerkEmulator(users=USERS) as emulator:
        yield emulator


@pytest.fixture
async def clerk(emu: ClerkEmulator, sleeps: list[float]) -> AsyncIterator[ClerkClient]:
    async with emu.client(retry=RetryPolicy(jitter=False), timeout=2.0) as client:
        yield client
