"""Client-side pacing: a rate limit shared by every task of a client, and a pause after 429."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Literal

import attrs
from yarl import URL

from . import _retry

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
    """Paces requests and holds every task back while a ``Retry-After`` runs."""

    def __init__(self, limit: RateLimit | None) -> None:
        self.limit = limit
        self._limiter = _limiter(limit) if limit else None
        self._paused_until = 0.0

    async def acquire(self) -> None:
        """Wait for a pause to end, then for room in the rate limit."""
        wait = self._paused_until - asyncio.get_running_loop().time()
        if wait > 0:
            await _retry.sleep(wait)
        if self._limiter is not None:
            await self._limiter.acquire()

    def pause(self, seconds: float) -> None:
        """Hold every new request back for ``seconds`` (Clerk's Retry-After)."""
        until = asyncio.get_running_loop().time() + seconds
        self._paused_until = max(self._paused_until, until)


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
