"""Client-side pacing: a rate limit shared by every task of a client, and per-endpoint blocks.

Clerk answers 429 when a key goes over its budget and then blocks **that endpoint** for the
``Retry-After`` it gives (``RATE-LIMITS.md``), so a 429 holds back only the calls to the same
method and route template, never the whole client.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Literal

import attrs
from yarl import URL

if TYPE_CHECKING:
    from aiolimiter import AsyncLimiter

# Clerk's documented limits for its Backend API (requests per 10 s).
_DEVELOPMENT = 100
_PRODUCTION = 1000
_CLERK_HOST = "api.clerk.com"


@attrs.frozen
class RateLimit:
    """At most ``requests`` requests in any window of ``per_seconds`` seconds."""

    requests: int = attrs.field(validator=attrs.validators.gt(0))
    per_seconds: float = attrs.field(validator=attrs.validators.gt(0))


def resolve(
    setting: RateLimit | Literal["auto"] | None, key: str, base_url: URL
) -> RateLimit | None:
    """``"auto"`` paces Clerk's own API by the key's kind and leaves other hosts unpaced."""
    if setting != "auto":
        return setting
    if base_url.host != _CLERK_HOST:
        return None
    if key.startswith("sk_live_"):
        return RateLimit(_PRODUCTION, 10.0)
    return RateLimit(_DEVELOPMENT, 10.0)


class Pacer:
    """Paces requests, and remembers which endpoints a 429 has blocked until when."""

    def __init__(self, limit: RateLimit | None) -> None:
        self.limit = limit
        self._limiter = _limiter(limit) if limit else None
        self._blocked: dict[str, float] = {}

    async def acquire(self) -> None:
        """Wait for room in the rate limit."""
        if self._limiter is not None:
            await self._limiter.acquire()

    def block(self, route: str, seconds: float) -> None:
        """Hold calls to ``route`` (``"PATCH /organizations/{organization_id}"``) back."""
        until = asyncio.get_running_loop().time() + seconds
        self._blocked[route] = max(self._blocked.get(route, 0.0), until)

    def blocked_for(self, route: str) -> float:
        """Seconds ``route`` stays blocked (0 when it is not)."""
        until = self._blocked.get(route)
        if until is None:
            return 0.0
        left = until - asyncio.get_running_loop().time()
        if left <= 0:
            del self._blocked[route]
            return 0.0
        return left


def _limiter(limit: RateLimit) -> AsyncLimiter:
    # Imported here: aiolimiter reads its version through importlib.metadata at import,
    # a cost every `import clerk_orgs_async` would pay even where nothing is paced.
    from aiolimiter import AsyncLimiter

    # aiolimiter is a leaky bucket: a full bucket of `capacity` may go at once, then it drains
    # at `rate`. To stay within `requests` in any window of `per_seconds` (the way Clerk
    # counts), capacity + rate * per_seconds must stay below `requests`: allow a small burst
    # (a tenth of the budget) and drain the rest evenly, keeping 5% in hand because requests
    # released evenly here can reach the server bunched together.
    capacity = max(1, limit.requests // 10)
    rate = max(limit.requests * 0.95 - capacity, 1) / limit.per_seconds
    return AsyncLimiter(capacity, capacity / rate)
