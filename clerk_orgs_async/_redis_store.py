"""The shared budget's state in Redis, changed only by Lua scripts (atomic across hosts).

Two sorted sets under the budget's key: ``KEY`` holds the permits taken, each scored with the
time (ms) it comes back; ``KEY:clients`` holds the clients using the budget, scored with when
each was last seen. Every time is Redis's own ``TIME``, so hosts whose clocks differ still
share one clock. Nothing else is stored: no secret, no request, no URL.

Hand-written rather than ``limits`` or ``pyrate-limiter``: both test-and-hit a counter, so a
waiter must poll, and neither can hold a permit until one window after its request's answer,
which is what keeps Clerk's count within the budget whatever the delays (``_budget.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

from yarl import URL

_NOW = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local function keep(key, ms)
    if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, math.ceil(ms)) end
end
local function seen(client, for_ms)
    redis.call('ZADD', KEYS[2], now, client)
    redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - for_ms)
    keep(KEYS[2], for_ms)
    return redis.call('ZCARD', KEYS[2])
end
"""

# ARGV: limit, member, lease ms, window ms, client, seen-for ms.
# Returns {1, 0, clients} when the permit is taken, else {0, ms until one can come back,
# clients}: the (held - limit + 1)-th earliest return, or one window from now, when a permit
# still in flight could be answered at once and come back then.
_TAKE = (
    _NOW
    + """
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[4])
local clients = seen(ARGV[5], tonumber(ARGV[6]))
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local held = redis.call('ZCARD', KEYS[1])
if held < limit then
    local lease = tonumber(ARGV[3])
    redis.call('ZADD', KEYS[1], now + lease, ARGV[2])
    keep(KEYS[1], lease)
    return {1, 0, clients}
end
local nth = redis.call('ZRANGE', KEYS[1], held - limit, held - limit, 'WITHSCORES')
local back = math.min(tonumber(nth[2]), now + window)
return {0, math.max(1, math.ceil(back - now)), clients}
"""
)

# ARGV: client, seen-for ms, then (ms from now, member) pairs: permits answered (back one
# window from now), or held while Redis was out of reach (entered again when it answers). A
# member whose lease ran out is added again, which can only hold the budget back, never
# overrun it. Returns the clients seen.
_HOLD = (
    _NOW
    + """
local clients = seen(ARGV[1], tonumber(ARGV[2]))
for i = 3, #ARGV, 2 do
    local ms = tonumber(ARGV[i])
    redis.call('ZADD', KEYS[1], now + ms, ARGV[i + 1])
    keep(KEYS[1], ms)
end
return clients
"""
)

TIMEOUT = 2.0
"""Seconds a Redis connect or command may take before Redis counts as unreachable."""


class RedisUnavailable(Exception):
    """Redis could not be reached or refused a command; the text says why (no credentials)."""


class RedisStore:
    """The permits and clients of one budget in Redis at ``url``, under ``key``."""

    def __init__(self, url: str, key: str) -> None:
        self._url = url
        self._keys = [key, key + ":clients"]
        # redis-py types its commands for its sync and async clients at once
        # (``Awaitable[T] | T``), which mypy cannot await: the client is kept untyped.
        self._redis: Any = None
        self._scripts: dict[str, Any] = {}
        self._closed = False
        self._password = URL(url).password or URL(url).query.get("password")

    async def take(
        self, *, limit: int, member: str, lease: float, window: float, client: str, seen: float
    ) -> tuple[bool, float, int]:
        """Take a permit: (taken, seconds until one may come back, clients seen)."""
        args = [limit, member, _ms(lease), _ms(window), client, _ms(seen)]
        taken, wait_ms, clients = await self._run(_TAKE, args)
        return bool(taken), int(wait_ms) / 1000, int(clients)

    async def hold(self, client: str, held: Sequence[tuple[float, str]], *, seen: float) -> int:
        """Hold each (seconds until it comes back, member) of ``held``; the clients seen."""
        args: list[object] = [client, _ms(seen)]
        for seconds, member in held:
            args += [_ms(seconds), member]
        return int(await self._run(_HOLD, args))

    async def leave(self, client: str) -> None:
        """``client`` no longer uses the budget (it closed)."""
        await self._call(lambda redis: redis.zrem(self._keys[1], client))

    async def aclose(self) -> None:
        """Close the connections, and open none again; safe to call twice."""
        self._closed = True
        redis, self._redis = self._redis, None
        if redis is not None:
            await redis.aclose()

    async def _run(self, script: str, args: Sequence[object]) -> Any:
        async def run(redis: Any) -> Any:
            registered = self._scripts.get(script)
            if registered is None:
                registered = self._scripts[script] = redis.register_script(script)
            # Run on this call's client: the one that registered the script may be closed.
            return await registered(keys=self._keys, args=args, client=redis)

        return await self._call(run)

    async def _call(self, command: Any) -> Any:
        from redis.exceptions import RedisError

        if self._closed:
            raise RedisUnavailable("closed")
        redis = self._redis
        try:
            if redis is None:
                redis = self._redis = _connect(self._url)
            return await command(redis)
        except (RedisError, OSError, asyncio.TimeoutError, ValueError) as exc:
            reason = f"{type(exc).__name__}: {exc}"[:300]
        # A pool that failed once is not trusted again (its other connections may be dead
        # too): the next call starts afresh.
        if self._redis is redis:
            self._redis = None
        if redis is not None:
            with contextlib.suppress(RedisError, OSError):
                await redis.aclose()
        if self._password:
            reason = reason.replace(self._password, "***")
        raise RedisUnavailable(reason)


def _connect(url: str) -> Any:
    import redis.asyncio
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    return redis.asyncio.Redis.from_url(
        url,
        socket_timeout=TIMEOUT,
        socket_connect_timeout=TIMEOUT,
        # No retries inside redis-py: the budget's own breaker decides when to try again.
        retry=Retry(NoBackoff(), 0),
    )


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))
