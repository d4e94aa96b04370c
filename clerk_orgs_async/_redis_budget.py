"""The instance budget shared through Redis by every process and host (``RedisRateLimit``).

The semantics are the local budget's (``_budget.py``): a request holds one of N permits from
the moment it leaves until one window after its answer, so Clerk never counts more than N in
any window whatever the delays. Here the permits are held in Redis (``_redis_store.py``); a
permit in flight is leased until the call's deadline plus a window, so a crashed process
cannot hold it for ever. Each client also keeps a ledger of the permits it holds itself,
which caps it at ``share`` of N in any window and paces it while Redis is out of reach.

One task per client talks to Redis for its callers: it takes permits in batches (one script
for every caller waiting) and keeps ahead as many as callers came in its last round trip, so
that a Redis far away costs a busy client no wait. A permit kept ahead is held in Redis like
one in flight, so the budget is never overrun; it goes back as soon as no caller waits for
it. A caller cancelled or timed out while its permit is being taken never cancels a script:
the permit it would have had goes to the next caller, or back to Redis at once.

When Redis cannot be reached, the client paces by its ledger alone at ``share * N / workers``
(workers: the clients seen using the key in Redis in the last minute, else
``FALLBACK_WORKERS``), warns once, and probes Redis every second in the background. When it
answers, the permits held meanwhile are entered there, and for one window (and a probe) the
client still keeps to its fallback pace: a restarted Redis starts empty, and by then every
client has entered what it holds. A Redis that restarted empty between two calls is told by
its ``run_id``: the first script to see a new one gives nothing, the client warns, enters
again what it holds and keeps to the fallback pace for one window, as above. Only the window
in which Redis is lost can overrun the budget (each client then knows what it holds itself,
not what the others hold), and after a restart, the requests still in flight of a client
that has not called Redis since. No caller waits on an unreachable Redis beyond the one
command that found it so (``_redis_store.TIMEOUT`` at most), nor ever sees an error from it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import secrets
from collections import deque

from ._redis_store import TIMEOUT, RedisStore, RedisUnavailable, masked
from .errors import ClientClosedError

logger = logging.getLogger("clerk_orgs_async")

FALLBACK_WORKERS = 8
"""Clients assumed to share the key when Redis is unreachable and none was ever seen there."""
_SEEN_FOR = 60.0  # a client counts as sharing the key this long after its last call
_PROBE_EVERY = 1.0
_LEASE_WITHOUT_DEADLINE = 60.0  # a call with no deadline: twice the default timeout
_KEEP_AHEAD_FOR = 0.1  # seconds without a caller (at least) before half of those kept go back
_AHEAD_SLACK = 5.0  # seconds a permit kept ahead may wait for its call, lease-wise


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


class _Waiter:
    __slots__ = ("future", "latest")

    def __init__(self, future: asyncio.Future[SharedPermit | None], latest: float | None) -> None:
        self.future = future
        self.latest = latest


class RedisBudget:
    """The instance budget in Redis, and this client's own ledger of what it holds."""

    def __init__(self, url: str, *, requests: int, window: float, share: float, key: str) -> None:
        self.requests = requests
        self.window = window
        self.share = share
        self._store = RedisStore(url, key)
        self._where = masked(url)
        self._client = secrets.token_hex(8)
        self._next_number = 0
        self._share = max(1, int(share * requests))
        self._waiters: deque[_Waiter] = deque()  # first come, first served
        self._ahead: deque[SharedPermit] = deque()  # taken in Redis, not yet handed out
        self._keep_ahead = 0  # permits kept ahead of the callers to come
        self._asked = 0  # callers so far
        self._asked_then = 0  # ... when the last take was sent
        self._last_take = 0.0  # loop time the last take was sent
        self._round_trip = 0.0  # of the last take
        self._rate = 0.0  # callers per second, smoothed
        self._last_horizon = _LEASE_WITHOUT_DEADLINE  # seconds to the last caller's deadline
        self._none_until = 0.0  # loop time before which Redis said no permit comes back
        self._taker: asyncio.Task[None] | None = None
        self._demand = asyncio.Event()  # a caller came (or aclose())
        self._freed = asyncio.Event()  # a permit was answered or given back (or aclose())
        self._in_flight: set[SharedPermit] = set()
        self._answered: deque[tuple[float, str]] = deque()  # (loop time it comes back, member)
        self._workers: int | None = None
        self._run_id: str | None = None
        self._reachable = True
        self._fallback: int | None = None  # the pace while Redis is out of reach, and just after
        self._guard_until = 0.0
        self._probe: asyncio.Task[None] | None = None
        self._stale: list[str] = []  # kept ahead when Redis was lost: free when it answers
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
            raise _closed()
        loop = asyncio.get_running_loop()
        self._asked += 1
        self._last_horizon = _LEASE_WITHOUT_DEADLINE if latest is None else latest - loop.time()
        if not self._waiters and self._ahead and self._fits(self._ahead[0], latest):
            permit = self._ahead.popleft()
            self._in_flight.add(permit)
            self._wake_taker()  # to take more ahead, or give back what is kept
            return permit
        waiter = _Waiter(loop.create_future(), latest)
        self._waiters.append(waiter)
        self._wake_taker()
        timeout = None if latest is None else max(0.0, latest - loop.time())
        try:
            # Not wait_for: a cancel must not cancel the future the taker hands a permit to.
            await asyncio.wait((waiter.future,), timeout=timeout)
        except BaseException:
            self._leave(waiter)
            raise
        if not waiter.future.done():  # the deadline came first
            self._leave(waiter)
            return None
        return waiter.future.result()  # ClientClosedError when the budget closed meanwhile

    def _fits(self, permit: SharedPermit, latest: float | None) -> bool:
        """Whether ``permit``'s lease covers a call ending at ``latest``, plus a window (a
        call without a deadline: half the lease such a call is given, so a permit taken for
        it still fits when handed over)."""
        if latest is None:
            latest = asyncio.get_running_loop().time() + _LEASE_WITHOUT_DEADLINE / 2
        return permit.lease_until >= latest + self.window

    def _leave(self, waiter: _Waiter) -> None:
        """A caller stops waiting: a permit handed to it meanwhile goes to the next one."""
        future = waiter.future
        if future.done() and not future.cancelled() and future.exception() is None:
            permit = future.result()
            if permit is not None:
                self._in_flight.discard(permit)
                self._reuse(permit)
            return
        future.cancel()
        with contextlib.suppress(ValueError):
            self._waiters.remove(waiter)

    def _reuse(self, permit: SharedPermit) -> None:
        """An unused permit, still held in Redis: the next caller's, else free in Redis now."""
        if self._waiters and self._reachable:
            self._ahead.appendleft(permit)
            self._wake_taker()
        else:
            self._back_in_redis((asyncio.get_running_loop().time(), permit.member))
            self._freed.set()

    def _wake_taker(self) -> None:
        self._demand.set()
        if not self._closed and (self._taker is None or self._taker.done()):
            self._taker = asyncio.get_running_loop().create_task(self._take_for_callers())

    async def _take_for_callers(self) -> None:
        """Hand permits to the waiting callers, taking them from Redis in batches."""
        loop = asyncio.get_running_loop()
        while not self._closed:
            self._hand_ahead()
            now = loop.time()
            room = self._cap() - self._holding(now)
            if not self._waiters and (len(self._ahead) >= self._keep_ahead or room <= 0):
                if len(self._ahead) > self._keep_ahead:
                    self._give_back_ahead(len(self._ahead) - self._keep_ahead)
                if not self._ahead:
                    return
                idle = max(_KEEP_AHEAD_FOR, 2 * self._round_trip)
                if not await self._until(self._demand, seconds=idle):
                    self._keep_ahead //= 2  # no caller for two round trips: give half back
                continue
            if room <= 0:
                # Until a permit comes back or is answered, a caller comes or leaves, or the
                # pace after a Redis outage ends.
                wake = [self._guard_until - now] if self._fallback is not None else []
                if self._answered:
                    wake.append(self._answered[0][0] - now)
                    self._refuse_waiters_before(self._answered[0][0])
                await self._until(self._freed, self._demand, seconds=min(wake, default=None))
                continue
            if now < self._none_until and self._reachable:
                # Sleep until the earliest moment a permit can come back in Redis, never
                # spin; a caller that cannot wait that long is told at once.
                self._refuse_waiters_before(self._none_until)
                if not self._waiters and not self._ahead:
                    return
                await self._until(self._demand, seconds=self._none_until - now)
                continue
            if not self._reachable:
                if not self._waiters:
                    return  # nothing is kept ahead of a local pace; a new caller wakes a taker
                for _ in range(min(room, len(self._waiters))):
                    latest = self._waiters[0].latest
                    end = now + _LEASE_WITHOUT_DEADLINE if latest is None else latest
                    self._hand(SharedPermit(self, self._new_member(), end + self.window))
                continue
            await self._take(room)

    async def _take(self, room: int) -> None:
        """One script: permits for the callers waiting, and to keep ahead of those to come."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        # Callers per second, smoothed; keep ahead three times those expected in one round
        # trip, so that they find a permit ready (none for a lone caller: its own take is its
        # round trip).
        since, self._last_take = max(now - self._last_take, self._round_trip, 1e-3), now
        rate = (self._asked - self._asked_then) / since
        self._asked_then = self._asked
        self._rate = rate if since > 1.0 else (self._rate + rate) / 2
        expected = self._rate * self._round_trip
        # And as many as calls in flight: each may come back for another when answered.
        wanted = max(math.ceil(3 * expected), len(self._in_flight)) if expected >= 1 else 0
        self._keep_ahead = min(wanted, self._share // 4)
        count = min(
            room, max(len(self._waiters), len(self._waiters) + self._keep_ahead - len(self._ahead))
        )
        if count <= 0:
            return
        ends = [
            now + _LEASE_WITHOUT_DEADLINE if w.latest is None else w.latest for w in self._waiters
        ]
        if count > len(self._waiters):
            # Kept ahead: for calls like the last one, handed over within moments (else
            # given back, as a permit whose lease ends too soon for its call).
            ends.append(now + self._last_horizon + _AHEAD_SLACK)
        lease_until = max(ends) + self.window
        first = self._next_number
        self._next_number += count
        try:
            taken = await self._store.take(
                limit=self.requests,
                client=self._client,
                first=first,
                count=count,
                lease=lease_until - now,
                window=self.window,
                seen=self._seen_for(),
                run_id=self._run_id,
            )
        except RedisUnavailable as exc:
            self._lose_redis(exc)
            return
        self._round_trip = loop.time() - now
        if self._run_id is not None and taken.run_id != self._run_id:
            await self._restarted(taken.run_id, taken.clients)
            return
        self._run_id = taken.run_id
        self._workers = taken.clients
        for number in range(first, first + taken.permits):
            self._ahead.append(SharedPermit(self, f"{self._client}:{number}", lease_until))
        if not taken.permits:
            self._none_until = loop.time() + taken.wait

    def _hand_ahead(self) -> None:
        """The permits kept ahead to the callers waiting, in order."""
        while self._waiters and self._ahead:
            if self._fits(self._ahead[0], self._waiters[0].latest):
                self._hand(self._ahead.popleft())
            else:  # leased too short for this call: free it, take one that fits
                self._give_back_ahead(1)

    def _hand(self, permit: SharedPermit) -> None:
        waiter = self._waiters.popleft()
        self._in_flight.add(permit)
        waiter.future.set_result(permit)

    def _give_back_ahead(self, count: int) -> None:
        now = asyncio.get_running_loop().time()
        for _ in range(count):
            self._back_in_redis((now, self._ahead.popleft().member))

    def _refuse_waiters_before(self, back: float) -> None:
        """None for the callers whose deadline comes before a permit can: no point waiting."""
        for waiter in [w for w in self._waiters if w.latest is not None and w.latest < back]:
            self._waiters.remove(waiter)
            if not waiter.future.done():
                waiter.future.set_result(None)

    def _new_member(self) -> str:
        self._next_number += 1
        return f"{self._client}:{self._next_number - 1}"

    def _cap(self) -> int:
        """The permits this client may hold now: its share, or its fallback pace."""
        if (
            self._fallback is not None
            and self._reachable
            and asyncio.get_running_loop().time() > self._guard_until
        ):
            self._fallback = None
        return self._fallback or self._share

    def _holding(self, now: float) -> int:
        while self._answered and self._answered[0][0] <= now:
            self._answered.popleft()
        return len(self._in_flight) + len(self._answered) + len(self._ahead)

    async def _until(self, *events: asyncio.Event, seconds: float | None) -> bool:
        """Wait for one of ``events`` (``aclose()`` sets them all) at most ``seconds``, or
        forever with None; whether one came."""
        if self._closed:
            return True
        for event in events:
            event.clear()
        waits = [asyncio.ensure_future(event.wait()) for event in events]
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
        return any(event.is_set() for event in events)

    def _answered_now(self, permit: SharedPermit) -> None:
        self._in_flight.discard(permit)
        loop = asyncio.get_running_loop()
        back = (loop.time() + self.window, permit.member)
        self._answered.append(back)
        self._freed.set()
        self._back_in_redis(back)

    def _unused(self, permit: SharedPermit) -> None:
        # Not in the ledger of answers (kept in order of return); free at once.
        self._in_flight.discard(permit)
        if not self._closed:
            self._reuse(permit)

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
                clients, run_id = await self._store.hold(self._client, held, seen=self._seen_for())
            except RedisUnavailable as exc:
                self._lose_redis(exc)
                return
            if self._run_id is not None and run_id != self._run_id:
                await self._restarted(run_id, clients)
            else:
                self._workers = clients

    def _held(self, now: float) -> list[tuple[float, str]]:
        """What this client holds (seconds until each comes back, member), to enter again."""
        held = [(p.lease_until - now, p.member) for p in self._in_flight]
        return held + [(back - now, member) for back, member in self._answered if back > now]

    async def _restarted(self, run_id: str, clients: int) -> None:
        """Redis restarted empty: enter again what this client holds, keep to the fallback
        pace until every client has, and warn."""
        if run_id == self._run_id or self._closed or not self._reachable:
            return  # seen by another of this client's commands, or the probe will enter all
        self._run_id = run_id
        self._ahead.clear()  # lost with the old Redis, never handed out
        # Who used the key was lost too, and this client may have last called before others
        # came: assume as many as when Redis was never reached, at least.
        workers = max(self._workers or 1, clients, FALLBACK_WORKERS)
        self._fallback = max(1, int(self.share * self.requests / workers))
        loop = asyncio.get_running_loop()
        self._guard_until = loop.time() + self.window + TIMEOUT
        held = self._held(loop.time())
        logger.warning(
            "Redis at %s restarted and lost the permits it held: entering again the %d this "
            "client holds, and pacing at %d requests per %gs (share %g of %d, over %d "
            "clients) for one window, while the others do",
            self._where,
            len(held),
            self._fallback,
            self.window,
            self.share,
            self.requests,
            workers,
        )
        try:
            await self._store.hold(self._client, held, seen=self._seen_for())
        except RedisUnavailable as exc:
            self._lose_redis(exc)

    def _lose_redis(self, error: RedisUnavailable) -> None:
        """Pace by this client's ledger alone, probe Redis in the background; warn once."""
        if not self._reachable or self._closed:
            return
        self._reachable = False
        workers = self._workers or FALLBACK_WORKERS
        self._fallback = max(1, int(self.share * self.requests / workers))
        self._to_give_back.clear()
        self._stale += [permit.member for permit in self._ahead]
        self._ahead.clear()
        self._keep_ahead = 0  # the local pace makes each permit when it is asked for
        logger.warning(
            "Redis at %s is unreachable (%s): pacing locally at %d requests per %gs "
            "(share %g of %d, over %d clients) until it answers",
            self._where,
            error,
            self._fallback,
            self.window,
            self.share,
            self.requests,
            workers,
        )
        self._probe = asyncio.get_running_loop().create_task(self._wait_for_redis())

    async def _wait_for_redis(self) -> None:
        """Probe Redis; when it answers, enter the permits held meanwhile and share again."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(_PROBE_EVERY)
            held = self._held(loop.time()) + [(0.0, member) for member in self._stale]
            try:
                self._workers, self._run_id = await self._store.hold(
                    self._client, held, seen=self._seen_for()
                )
            except RedisUnavailable:
                continue
            self._stale.clear()
            self._reachable = True
            # Until every client has probed and entered what it holds, keep to the fallback.
            self._guard_until = loop.time() + self.window + _PROBE_EVERY + TIMEOUT
            logger.info("Redis at %s answers again: the budget is shared through it", self._where)
            return

    def _seen_for(self) -> float:
        return max(_SEEN_FOR, 3 * self.window)

    async def aclose(self) -> None:
        """Fail the callers waiting, stop probing, give back what was answered or kept ahead,
        leave the budget, close the connection."""
        if self._closed:
            return
        self._closed = True
        waiters, self._waiters = self._waiters, deque()
        for waiter in waiters:
            if not waiter.future.done():
                waiter.future.set_exception(_closed())
        self._demand.set()
        self._freed.set()
        if self._probe is not None:
            self._probe.cancel()
        # The taker ends after its script, if one is running: cancelling it could leave a
        # permit taken in Redis that nobody gives back.
        tasks = [task for task in (self._probe, self._taker, self._giving_back) if task]
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._reachable and self._workers is not None:
            # Unreachable, its presence in Redis expires by itself within a minute.
            with contextlib.suppress(RedisUnavailable):
                if self._ahead:
                    unused = [(0.0, permit.member) for permit in self._ahead]
                    await self._store.hold(self._client, unused, seen=self._seen_for())
                await self._store.leave(self._client)
        await self._store.aclose()


def _closed() -> ClientClosedError:
    return ClientClosedError("the ClerkClient was closed before the request was sent")
