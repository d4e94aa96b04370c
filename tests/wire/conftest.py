"""Exact wire checks with aioresponses (needs aiohttp < 3.14, see constraints/dev.txt)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aioresponses import aioresponses
from yarl import URL

from clerk_orgs_async import ClerkClient, RetryPolicy
from tests.conftest import SECRET

API = "https://api.clerk.com/v1"


@pytest.fixture
def mock() -> Iterator[aioresponses]:
    with aioresponses() as mocked:
        yield mocked


@pytest.fixture
async def clerk() -> AsyncIterator[ClerkClient]:
    policy = RetryPolicy(initial_delay=0, max_delay=0, jitter=False)
    async with ClerkClient(SECRET, retry=policy, rate_limit=None) as client:
        yield client


def sent(mock: aioresponses) -> list[tuple[str, URL, dict[str, Any]]]:
    """Every request the client sent: (method, URL with query, keyword arguments)."""
    calls: list[tuple[str, URL, dict[str, Any]]] = []
    for (method, url), requests in mock.requests.items():
        calls.extend((method, url, call.kwargs) for call in requests)
    return calls


def only_request(mock: aioresponses) -> tuple[str, URL, dict[str, Any]]:
    calls = sent(mock)
    assert len(calls) == 1, calls
    return calls[0]
