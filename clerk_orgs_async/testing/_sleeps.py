"""A switch that makes the client's retry waits instant, for fast, deterministic tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from clerk_orgs_async import _retry


@contextmanager
def instant_retries() -> Iterator[list[float]]:
    """Record the waits of retries, backoff and 429 pauses instead of sleeping through them.

    Returns:
        A context manager whose value is the list of the waits, in seconds, in order.

    Example:
        ```python
        with instant_retries() as waits:
            emu.faults.status(429, retry_after=30)
            await clerk.organizations.get("acme")   # returns at once

        assert waits[0] == 30
        ```
    """
    waits: list[float] = []
    original = _retry.sleep

    async def record(delay: float) -> None:
        waits.append(delay)

    _retry.sleep = record
    try:
        yield waits
    finally:
        _retry.sleep = original
