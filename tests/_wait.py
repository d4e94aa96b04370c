"""Waiting for a condition that has no event to await: a state the emulator reaches, a log line."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def until(condition: Callable[[], bool], *, within: float = 30.0) -> None:
    """Return once ``condition()`` holds, polling; fail after ``within`` seconds.

    ``within`` only bounds a hang: it is not how long the test expects to wait, so it stays
    generous whatever the load.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, f"still not true after {within:g} s: {condition}"
        await asyncio.sleep(0.005)
