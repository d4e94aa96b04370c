"""Counting the requests a job sends, by kind, even on a client other code shares.

A sync runs beside a web app on one client; what it spent must be told apart from what the
app did. A context variable carries the job's counter into every task the job starts (asyncio
copies the context into new tasks), and the client adds each attempt it sends to the counter
of the context it runs in.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

import attrs


@attrs.define
class RequestCounts:
    """The requests a job sent: ``reads`` (GET), ``writes`` (everything else) and, of all of
    them, ``retries`` (attempts after the first of a call; lookups after a lost answer count
    as reads)."""

    reads: int = 0
    writes: int = 0
    retries: int = 0

    @property
    def total(self) -> int:
        """Every request sent."""
        return self.reads + self.writes


_current: ContextVar[tuple[RequestCounts, ...]] = ContextVar("clerk_orgs_async_counts", default=())


@contextlib.contextmanager
def counting() -> Iterator[RequestCounts]:
    """Count the requests sent within the block (and the tasks it starts); blocks nest, an
    outer counter seeing what inner ones count."""
    counts = RequestCounts()
    token = _current.set((*_current.get(), counts))
    try:
        yield counts
    finally:
        _current.reset(token)


def count(method: str, attempt: int) -> None:
    """Add one attempt to the counters of the running context, if any."""
    for counts in _current.get():
        if method == "GET":
            counts.reads += 1
        else:
            counts.writes += 1
        if attempt > 1:
            counts.retries += 1
