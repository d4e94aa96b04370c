"""The shared budget's state in Redis, changed only by Lua scripts (atomic across hosts).

Two sorted sets under the budget's key: ``KEY`` holds the permits taken, each scored with the
time (ms) it comes back (or its lease ends, while its request is in flight); ``KEY:clients``
holds the clients using the budget, scored with when each was last seen. Every time is
Redis's own ``TIME``, so hosts whose clocks differ still share one clock. Nothing else is
stored: no secret, no request, no URL. Each script answers with Redis's ``run_id``, which
changes when it restarts: the only way to tell a Redis that restarted empty while the
clients were idle (redis-py reconnects without a word) from one that kept their permits.

Hand-written rather than ``limits`` or ``pyrate-limiter``: both test-and-hit a counter, so a
waiter must poll, and neither can hold a permit until one window after its request's answer,
which is what keeps Clerk's count within the budget whatever the delays (``_budget.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Sequence
from typing import Any, NamedTuple

from yarl import URL

_NOW = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local run_id = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
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

# ARGV: limit, client, first number, count, lease ms, window ms, seen-for ms, the run_id the
# client knows ('' for none). Takes up to count permits, named client:number, and returns
# {taken, ms until one can come back, clients, run_id}: when none is free, the
# (held - limit + 1)-th earliest return, or one window from now, when a permit still in
# flight could be answered at once and come back then. A Redis that restarted (another
# run_id) may have lost permits the clients hold: it gives none until they are entered again.
_TAKE = (
    _NOW
    + """
local limit, count, window = tonumber(ARGV[1]), tonumber(ARGV[4]), tonumber(ARGV[6])
local clients = seen(ARGV[2], tonumber(ARGV[7]))
if ARGV[8] ~= '' and ARGV[8] ~= run_id then return {0, 0, clients, run_id} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local held = redis.call('ZCARD', KEYS[1])
if held < limit then
    local lease, first = tonumber(ARGV[5]), tonumber(ARGV[3])
    local taken = math.min(limit - held, count)
    for i = 0, taken - 1 do
        redis.call('ZADD', KEYS[1], now + lease, ARGV[2] .. ':' .. (first + i))
    end
    keep(KEYS[1], lease)
    return {taken, 0, clients, run_id}
end
local nth = redis.call('ZRANGE', KEYS[1], held - limit, held - limit, 'WITHSCORES')
local back = math.min(tonumber(nth[2]), now + window)
return {0, math.max(1, math.ceil(back - now)), clients, run_id}
"""
)

# ARGV: client, seen-for ms, then (ms from now, member) pairs: permits answered (back one
# window from now), held while Redis was out of reach or lost in a restart (entered again),
# or never used (0: free at once). A member whose lease ran out is added again, which can
# only hold the budget back, never overrun it. Returns {clients, run_id}.
_HOLD = (
    _NOW
    + """
local clients = seen(ARGV[1], tonumber(ARGV[2]))
for i = 3, #ARGV, 2 do
    local ms = tonumber(ARGV[i])
    if ms > 0 then
        redis.call('ZADD', KEYS[1], now + ms, ARGV[i + 1])
        keep(KEYS[1], ms)
    else
        redis.call('ZREM', KEYS[1], ARGV[i + 1])
    end
end
return {clients, run_id}
"""
)

KEY_PREFIX = "clerk-orgs-async:budget:"

TIMEOUT = 2.0
"""Seconds a Redis connect or command may take before Redis counts as unreachable."""


def budget_key(secret_key: str) -> str:
    """The Redis key of an instance's budget: a one-way hash, so the key never reaches Redis."""
    return KEY_PREFIX + hashlib.sha256(secret_key.encode()).hexdigest()


def masked(url: str) -> str:
    """``url`` (one yarl can parse) with any password it carries shown as ``***``."""
    parsed = URL(url)
    if parsed.password:
        parsed = parsed.with_password("***")
    if "password" in parsed.query:
        parsed = parsed.update_query({"password": "***"})
    return str(parsed) if parsed != URL(url) else url


class Taken(NamedTuple):
    """What a take got: how many permits, else how long until one may come back."""

    permits: int
    wait: float
    clients: int
    run_id: str
    """Redis's ``run_id``: another one means it restarted, and lost what it held."""


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
        self._retired: list[Any] = []  # pools that failed: closed, and closed again at the end
        self._closed = False
        self._password = URL(url).password or URL(url).query.get("password")

    async def take(
        self,
        *,
        limit: int,
        client: str,
        first: int,
        count: int,
        lease: float,
        window: float,
        seen: float,
        run_id: str | None,
    ) -> Taken:
        """Take up to ``count`` permits, ``client:first`` onwards, each leased ``lease`` s."""
        args = [limit, client, first, count, _ms(lease), _ms(window), _ms(seen), run_id or ""]
        taken, wait_ms, clients, ran = await self._run(_TAKE, args)
        return Taken(int(taken), int(wait_ms) / 1000, int(clients), _text(ran))

    async def hold(
        self, client: str, held: Sequence[tuple[float, str]], *, seen: float
    ) -> tuple[int, str]:
        """Hold each (seconds until it comes back, member) of ``held``, a member at 0 or less
        seconds being free at once; the clients seen and Redis's run_id."""
        args: list[object] = [client, _ms(seen)]
        for seconds, member in held:
            args += [max(0, round(seconds * 1000)), member]
        clients, ran = await self._run(_HOLD, args)
        return int(clients), _text(ran)

    async def leave(self, client: str) -> None:
        """``client`` no longer uses the budget (it closed)."""
        await self._call(lambda redis: redis.zrem(self._keys[1], client))

    async def aclose(self) -> None:
        """Close the connections, and open none again; safe to call twice."""
        from redis.exceptions import RedisError

        self._closed = True
        redis, self._redis = self._redis, None
        if redis is not None:
            await redis.aclose()
        # Again: a command still running when its pool failed gave its connection back after.
        retired, self._retired = self._retired, []
        for pool in retired:
            with contextlib.suppress(RedisError, OSError):
                await pool.aclose()

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
            self._retired.append(redis)
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


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))
