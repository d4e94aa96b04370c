"""The instance budget shared through Redis by every process and host (``RedisRateLimit``).

The semantics are the local budget's (``_budget.py``): a request holds one of N permits from
the moment it leaves until one window after its answer, so Clerk never counts more than N in
any window whatever the delays. Here the permits are held in Redis (``_redis_store.py``); a
permit in flight is leased until the call's deadline plus a window, so a crashed process
cannot hold it for ever. Each client also keeps a ledger of the permits it holds itself,
which caps it at ``share`` of N in any window and paces it while Redis is out of reach.

When Redis cannot be reached, the client paces by its ledger alone at ``share * N / workers``
(workers: the clients seen using the key in Redis in the last minute, else
``FALLBACK_WORKERS``), warns once, and probes Redis every second in the background. When it
answers, the permits held meanwhile are entered there, and for one window (and a probe) the
client still keeps to its fallback pace: a restarted Redis starts empty, and by then every
client has entered what it holds. Only the window in which Redis is lost can overrun the
budget: each client then knows what it holds itself, not what the others hold. No caller
waits on an unreachable Redis beyond the one command that found it so
(``_redis_store.TIMEOUT`` at most), nor ever sees an error from it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
from collections import deque

from ._redis_limit import RedisRateLimit, masked
from ._redis_store import TIMEOUT, RedisStore, RedisUnavailable
from .errors import ClientClosedError

logger = logging.getLogger("clerk_orgs_async")

FALLBACK_WORKERS = 8
"""Clients assumed to share the key when Redis is unreachable and none was ever seen there."""
_SEEN_FOR = 60.0  # a client counts as sharing the key this long after its last call
_PROBE_EVERY = 1.0
_LEASE_WITHOUT_DEADLINE = 60.0  # a call with no deadline: twice the default timeout


class SharedPermit:
    """One request's hold on the shared budget; ``release()`` when its answer is known."""

    __slots__ = ("_budget", "_released", "lease_until", "member")

    def __init__(self, budget: RedisBudget, member: str, lease_until: float) -> None:
        self._budget = budget
        self._released = False
        self.member = member
        self.lease_until = lease_until

    def release(self) -> None:
        """Give the permit back one window from now (safe to call twice)."""
        if not self._released:
            self._released = True
            self._budget._answered_now(self)

    def give_back(self) -> None:
        """The request was never sent: the permit is free again now, here and in Redis."""
        if not self._released:
            self._released = True
            self._budget._unused(self)


class RedisBudget:
    """The instance budget in Redis, and this client's own ledger of what it holds."""

    def __init__(self, limit: RedisRateLimit, requests: int, key: str) -> None:
        self.limit = limit
        self.requests = requests
        self.window = limit.per_seconds
        self._store = RedisStore(limit.url, key)
        self._where = masked(limit.url)
        self._client = secrets.token_hex(8)
        self._numbers = itertools.count()
        self._share = max(1, int(limit.share * requests))
        self._turn = asyncio.Lock()  # one task of this client takes a permit at a time, in order
        self._answer = asyncio.Event()
        self._closing = asyncio.Event()  # set on aclose(): ends every wait
        self._in_flight: set[SharedPermit] = set()
        self._answered: deque[tuple[float, str]] = deque()  # (loop time it comes back, member)
        self._workers: int | None = None
        self._reachable = True
        self._fallback: int | None = None  # the pace while Redis is out of reach, and just after
        self._guard_until = 0.0
        self._probe: asyncio.Task[None] | None = None
        self._to_give_back: list[tuple[float, str]] = []  # (loop time back, member)
        self._giving_back: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def shared(self) -> bool:
        """True while pacing goes through Redis (False while it is out of reach)."""
        return self._reachable

    async def acquire(self, latest: float | None) -> SharedPermit | None:
        """A permit, first come, first served in this client; None when none can be had by
        the loop time ``latest``."""
        if self._closed:
            raise ClientClosedError("the ClerkClient was closed before the request was sent")
        loop = asyncio.get_running_loop()
        try:
            if latest is None:
                await self._turn.acquire()
            else:
                await asyncio.wait_for(self._turn.acquire(), max(latest - loop.time(), 0))
        except asyncio.TimeoutError:
            return None
        try:
            return await self._take(latest)
        finally:
            self._turn.release()

    async def _take(self, latest: float | None) -> SharedPermit | None:
        loop = asyncio.get_running_loop()
        while True:
            if self._closed:
                raise ClientClosedError("the ClerkClient was closed before the request was sent")
            if self._fallback is not None and self._reachable and loop.time() > self._guard_until:
                self._fallback = None
            if not await self._room(self._fallback or self._share, latest):
                return None
            end = loop.time() + _LEASE_WITHOUT_DEADLINE if latest is None else latest
            permit = SharedPermit(self, f"{self._client}:{next(self._numbers)}", end + self.window)
            if not self._reachable:
                self._in_flight.add(permit)
                return permit
            try:
                taken, wait, self._workers = await self._store.take(
                    limit=self.requests,
                    member=permit.member,
                    lease=permit.lease_until - loop.time(),
                    window=self.window,
                    client=self._client,
                    seen=self._seen_for(),
                )
            except RedisUnavailable as exc:
                self._lose_redis(exc)
                continue
            if taken:
                self._in_flight.add(permit)
                return permit
            if latest is not None and loop.time() + wait > latest:
                return None
            # Sleep until the earliest moment a permit can come back, never spin.
            await self._nap(wait)

    async def _room(self, cap: int, latest: float | None) -> bool:
        """Wait until this client holds fewer than ``cap`` permits; False past ``latest``."""
        loop = asyncio.get_running_loop()
        while True:
            if self._closed:
                raise ClientClosedError("the ClerkClient was closed before the request was sent")
            now = loop.time()
            while self._answered and self._answered[0][0] <= now:
                self._answered.popleft()
            if len(self._in_flight) + len(self._answered) < cap:
                return True
            if self._answered:  # an answer now would come back later than these
                back = self._answered[0][0]
                if latest is not None and back > latest:
                    return False
                await self._nap(back - now)
                continue
            self._answer.clear()
            try:
                left = None if latest is None else max(latest - now, 0)
                await asyncio.wait_for(self._answer.wait(), left)
            except asyncio.TimeoutError:
                return False

    async def _nap(self, seconds: float) -> None:
        """Sleep ``seconds``, or until ``aclose()``."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)

    def _answered_now(self, permit: SharedPermit) -> None:
        self._in_flight.discard(permit)
        loop = asyncio.get_running_loop()
        back = (loop.time() + self.window, permit.member)
        self._answered.append(back)
        self._answer.set()
        self._back_in_redis(back)

    def _unused(self, permit: SharedPermit) -> None:
        # Not in the ledger of answers (kept in order of return); in Redis, back at once.
        self._in_flight.discard(permit)
        self._answer.set()
        self._back_in_redis((asyncio.get_running_loop().time(), permit.member))

    def _back_in_redis(self, back: tuple[float, str]) -> None:
        if self._reachable and not self._closed:
            self._to_give_back.append(back)
            if self._giving_back is None or self._giving_back.done():
                self._giving_back = asyncio.get_running_loop().create_task(self._give_back())

    async def _give_back(self) -> None:
        """Rescore answered permits in Redis, in batches: one command whatever the burst."""
        loop = asyncio.get_running_loop()
        while self._to_give_back and self._reachable:
            batch, self._to_give_back = self._to_give_back, []
            # Back one window after the answer, not after this command: under load the two
            # can be far apart, and the budget would lose the difference on every request.
            now = loop.time()
            held = [(back - now, member) for back, member in batch]
            try:
                self._workers = await self._store.hold(self._client, held, seen=self._seen_for())
            except RedisUnavailable as exc:
                self._lose_redis(exc)

    def _lose_redis(self, error: RedisUnavailable) -> None:
        """Pace by this client's ledger alone, probe Redis in the background; warn once."""
        if not self._reachable or self._closed:
            return
        self._reachable = False
        workers = self._workers or FALLBACK_WORKERS
        self._fallback = max(1, int(self.limit.share * self.requests / workers))
        self._to_give_back.clear()
        logger.warning(
            "Redis at %s is unreachable (%s): pacing locally at %d requests per %gs "
            "(share %g of %d, over %d clients) until it answers",
            self._where,
            error,
            self._fallback,
            self.window,
            self.limit.share,
            self.requests,
            workers,
        )
        self._probe = asyncio.get_running_loop().create_task(self._wait_for_redis())

    async def _wait_for_redis(self) -> None:
        """Probe Redis; when it answers, enter the permits held meanwhile and share again."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(_PROBE_EVERY)
            now = loop.time()
            held = [(p.lease_until - now, p.member) for p in self._in_flight]
            held += [(back - now, member) for back, member in self._answered if back > now]
            try:
                self._workers = await self._store.hold(self._client, held, seen=self._seen_for())
            except RedisUnavailable:
                continue
            self._reachable = True
            # Until every client has probed and entered what it holds, keep to the fallback.
            self._guard_until = loop.time() + self.window + _PROBE_EVERY + TIMEOUT
            logger.info("Redis at %s answers again: the budget is shared through it", self._where)
            return

    def _seen_for(self) -> float:
        return max(_SEEN_FOR, 3 * self.window)

    async def aclose(self) -> None:
        """Stop probing, give back what was answered, leave the budget, close the connection."""
        if self._closed:
            return
        self._closed = True
        self._closing.set()
        self._answer.set()
        tasks = [task for task in (self._probe, self._giving_back) if task is not None]
        if self._probe is not None:
            self._probe.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._reachable and self._workers is not None:
            # Unreachable, its presence in Redis expires by itself within a minute.
            with contextlib.suppress(RedisUnavailable):
                await self._store.leave(self._client)
        await self._store.aclose()
