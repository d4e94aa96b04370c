"""Pacing: Clerk's rate limit (N requests per window, then 429) and added network latency."""

from __future__ import annotations

import math
import random
import time
from collections import deque
from collections.abc import Callable

Latency = float | tuple[float, float]
"""Seconds added to every request: fixed, or drawn uniformly from ``(low, high)``."""


class RateLimiter:
    """A sliding window of ``requests`` per ``per_seconds``, like Clerk's per-instance limit.

    Clerk allows 100 requests per 10 seconds on development instances and 1,000 on
    production ones.
    """

    def __init__(
        self,
        requests: int,
        per_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if requests < 1 or per_seconds <= 0:
            raise ValueError("a rate limit needs at least 1 request per a positive window")
        self.requests = requests
        self.per_seconds = per_seconds
        self._clock = clock
        self._admitted: deque[float] = deque()

    def admit(self) -> int | None:
        """Count a request; return ``None`` if it fits, else the ``Retry-After`` in seconds."""
        now = self._clock()
        while self._admitted and self._admitted[0] <= now - self.per_seconds:
            self._admitted.popleft()
        if len(self._admitted) < self.requests:
            self._admitted.append(now)
            return None
        return max(1, math.ceil(self._admitted[0] + self.per_seconds - now))

    def idle(self) -> bool:
        """Whether no admitted request is still inside the window."""
        return not self._admitted or self._admitted[-1] <= self._clock() - self.per_seconds


def latency_seconds(latency: Latency, rng: random.Random) -> float:
    """The delay to add to one request."""
    if isinstance(latency, tuple):
        low, high = latency
        return rng.uniform(low, high)
    return latency
