"""A sliding-window budget paced on the server's answers: N requests per W seconds, no 429.

Clerk counts the requests that arrive within any window of W seconds. Here a request holds
one of N permits from the moment it leaves until W seconds after its answer arrives (or its
failure is known). Any request Clerk counted in a window ending now arrived at most W ago, so
it was answered at most W ago or is still in flight: it still holds its permit. Hence at most
N are ever counted, whatever the network's delays, with no margin to guess, and the budget is
used to ``W / (W + round trip)`` of its capacity (over 99% for Clerk's 10-second windows).

Hand-written rather than aiolimiter (a leaky bucket): a bucket knows nothing of answers, so
to stay within N in any window it must keep ``capacity + rate * W <= N`` plus a margin for
delays it cannot see, which caps sustained use well below the budget. Waiting tasks are
served first come, first served.
"""

from __future__ import annotations

import asyncio
import heapq
from collections import deque
from typing import Protocol

from .errors import ClientClosedError


class Permit:
    """One request's hold on a budget; ``release()`` when its answer (or failure) is known."""

    __slots__ = ("_budget", "_released")

    def __init__(self, budget: SlidingPermits) -> None:
        self._budget = budget
        self._released = False

    def release(self) -> None:
        """Give the permit back W seconds from now (safe to call twice)."""
        if not self._released:
            self._released = True
            self._budget._return_later()

    def give_back(self) -> None:
        """The request was never sent: the permit is free again now, not a window later."""
        if not self._released:
            self._released = True
            self._budget._return_now()


class SlidingPermits:
    """``requests`` permits, each back ``per_seconds`` after its request is answered."""

    def __init__(self, requests: int, per_seconds: float) -> None:
        self.requests = requests
        self.per_seconds = per_seconds
        self._free = requests
        self._returns: list[float] = []  # loop times at which held permits come back
        self._in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._closed = False

    async def acquire(self, latest: float | None) -> Permit | None:
        """A permit, first come, first served; None when none can be had by the loop time
        ``latest`` (at once when the permits held all come back later than that).

        Raises:
            ClientClosedError: the budget was closed, before or while waiting.
        """
        if self._closed:
            raise _closed()
        if self._free and not self._waiters:
            self._free -= 1
            self._in_flight += 1
            return Permit(self)
        loop = asyncio.get_running_loop()
        if latest is not None and self._comes_too_late(latest):
            return None
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        try:
            if latest is None:
                await waiter
            else:
                # Not wait_for: on Python 3.10 and 3.11 it returns, dropping the cancel, when
                # a cancel and the permit come in one loop iteration.
                await asyncio.wait((waiter,), timeout=max(0.0, latest - loop.time()))
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._return_now()  # handed a permit while leaving: hand it on
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise
        if not waiter.done():  # the deadline came first
            self._waiters.remove(waiter)
            return None
        waiter.result()  # ClientClosedError when the budget closed meanwhile
        return Permit(self)

    def _comes_too_late(self, latest: float) -> bool:
        """Whether, with no request in flight, this waiter's permit returns after ``latest``."""
        if self._in_flight:
            return False  # an answer may come any moment: its return time is unknown
        turn = len(self._waiters) + 1
        if len(self._returns) < turn:
            return False
        return heapq.nsmallest(turn, self._returns)[-1] > latest

    def _return_later(self) -> None:
        loop = asyncio.get_running_loop()
        self._in_flight -= 1
        back = loop.time() + self.per_seconds
        heapq.heappush(self._returns, back)
        loop.call_at(back, self._come_back)

    def _return_now(self) -> None:
        self._in_flight -= 1
        self._give()

    def _come_back(self) -> None:
        heapq.heappop(self._returns)
        self._give()

    def _give(self) -> None:
        """A permit is free: hand it to the first waiter still waiting, or keep it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                self._in_flight += 1
                return
        self._free += 1

    def close(self) -> None:
        """Fail every waiter, and every later ``acquire``, with ``ClientClosedError``."""
        self._closed = True
        waiters, self._waiters = self._waiters, deque()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(_closed())

    def idle(self) -> bool:
        """True when every permit is free: the budget may be forgotten."""
        return self._free == self.requests


class LocalBudget(SlidingPermits):
    """The instance budget kept in this process."""

    async def aclose(self) -> None:
        """Fail the calls still waiting: nothing else to let go of."""
        self.close()


class Releasable(Protocol):
    """A request's hold on a budget, released when its answer (or failure) is known."""

    def release(self) -> None: ...

    def give_back(self) -> None:
        """The request was never sent: Clerk counted nothing, the permit is free now."""


class InstanceBudget(Protocol):
    """The budget every request of the instance draws from (``LocalBudget`` or
    ``RedisBudget``)."""

    async def acquire(self, latest: float | None) -> Releasable | None:
        """A permit to send, or None when none can be had by the loop time ``latest``."""

    async def aclose(self) -> None:
        """When the client closes: fail the calls waiting for a permit with
        ``ClientClosedError``, and let go of what the budget holds (a connection)."""


def _closed() -> ClientClosedError:
    return ClientClosedError("the ClerkClient was closed before the request was sent")
