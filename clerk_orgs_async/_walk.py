"""Which page to ask for next and which of its items are new: the walk, without I/O.

A ``Walk`` answers two questions, page after page: ``request()`` (the next ``offset, limit``)
and ``take(page)`` (the items of that page to yield). The ``Paginator`` does the I/O.

Plain walks (orders other than ``created_at``) page by offset. Drift-safe walks reach back
``overlap`` items and accept a page only when it shows where the walk is (it holds a recent
item, or crosses the last ``created_at``); otherwise they step back, gallop or bisect. At most
``8 + 4 * ceil(log2(1 + P / overlap))`` idle requests follow one another, so every walk ends.
The proof, and why no item comes twice: docs/design/walk.md.
"""

from __future__ import annotations

import enum
import math
from collections import deque
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import attrs

from .errors import PaginationError

T = TypeVar("T")

PLAIN_IDLE_BUDGET = 2
SHORT_ENDS = 3
"""Pages that end short of their own ``total_count`` in a row before the walk gives up."""


@attrs.frozen
class DriftKey(Generic[T]):
    """How a drift-safe walk reads an item: its sort key (never changing), ID and direction."""

    key: Callable[[T], Any]
    ident: Callable[[T], str]
    descending: bool
    label: str = "created_at"


class Reading(enum.Enum):
    """Where a page lies relative to the walk's place."""

    CHAINED = "holds a recently yielded item"
    STRADDLING = "crosses the anchor"
    BEFORE = "wholly before the anchor"
    AFTER = "wholly after the anchor"
    EMPTY = "empty"


class _Place(Generic[T]):
    """What a drift-safe walk remembers: the anchor key, its ties, the last IDs yielded."""

    def __init__(self, drift: DriftKey[T], window: int) -> None:
        self._drift = drift
        self._window = window
        self.started = False
        self._key: Any = None
        self._ties: set[str] = set()
        # The IDs of the last pages yielded, whole pages, at least `window` of them: a suffix
        # of everything yielded (a set per page: built and searched at C speed).
        self._recent: deque[set[str]] = deque()
        self._recent_count = 0

    def _seen(self, item: T) -> bool:
        """True when ``item`` sorts at or before the anchor (and, tied, was yielded)."""
        key = self._drift.key(item)
        if key == self._key:
            return self._drift.ident(item) in self._ties
        return bool(key > self._key) if self._drift.descending else bool(key < self._key)

    def read(self, items: list[T], at_start: bool) -> tuple[Reading, list[T]]:
        """Where ``items`` (in order) lie, and which of them are new.

        New items are only ever those past the anchor (ties told apart by ID): every item
        yielded sorts at or before the anchor, so no item can be yielded twice, whatever the
        server sends.
        """
        if not self.started:
            return Reading.STRADDLING, items
        seen = 0
        while seen < len(items) and self._seen(items[seen]):
            seen += 1
        new = self._past(items, seen)
        # Yielded items never sort past the anchor, so they can only be in the seen prefix.
        ident = self._drift.ident
        for index in range(seen - 1, -1, -1):
            if any(ident(items[index]) in page for page in self._recent):
                return Reading.CHAINED, new
        if not items:
            # An empty list at offset 0 is an answer (everything was deleted); further on,
            # the list may just have shrunk below the offset.
            return (Reading.STRADDLING, []) if at_start else (Reading.EMPTY, [])
        if seen == len(items):
            return Reading.BEFORE, []
        if seen == 0 and not at_start:
            return Reading.AFTER, []
        return Reading.STRADDLING, new

    def _past(self, items: list[T], start: int) -> list[T]:
        """``items[start:]`` without the ones tied with the anchor that were yielded."""
        key, end = self._drift.key, start
        while end < len(items) and key(items[end]) == self._key:
            end += 1
        if end == start:
            return items[start:]
        ties, ident = self._ties, self._drift.ident
        return [item for item in items[start:end] if ident(item) not in ties] + items[end:]

    def advance(self, items: list[T]) -> None:
        """Move past ``items``, just yielded in order."""
        if not items:
            return
        key, ident = self._drift.key, self._drift.ident
        last = key(items[-1])
        moved = not self.started or (
            last < self._key if self._drift.descending else last > self._key
        )
        if moved:
            self._key = last
            self._ties = set()
        if moved or last == self._key:
            for item in reversed(items):
                if key(item) != self._key:
                    break
                self._ties.add(ident(item))
        self.started = True
        page = set(map(ident, items))
        self._recent.append(page)
        self._recent_count += len(page)
        while self._recent_count - len(self._recent[0]) >= self._window:
            self._recent_count -= len(self._recent.popleft())


def check_order(items: list[T], drift: DriftKey[T], offset: int) -> None:
    """Raise ``PaginationError`` when ``items`` are not in the walk's order."""
    keys = list(map(drift.key, items))
    # Sorting sorted keys is one C-level pass: far cheaper than comparing pairs in Python.
    if keys == sorted(keys, reverse=drift.descending):
        return
    index = next(
        i
        for i in range(len(keys) - 1)
        if ((keys[i] < keys[i + 1]) if drift.descending else (keys[i] > keys[i + 1]))
    )
    order = f"{'-' if drift.descending else '+'}{drift.label}"
    raise PaginationError(
        f"the page at offset {offset} is not in {order} order (items {index} and "
        f"{index + 1}): the server does not sort as this walk relies on; nothing was "
        "yielded twice. Pass an order_by that is not by created_at to page by plain "
        "offset instead",
        offset=offset,
    )


class Walk(Generic[T]):
    """The state of one iteration: where it is, what it has yielded, how idle it has been."""

    def __init__(
        self,
        *,
        offset: int,
        size: int,
        max_items: int | None,
        drift: DriftKey[T] | None,
    ) -> None:
        self.size = size
        self.remaining = max_items
        self._drift = drift if size > 1 else None
        self.overlap = max(1, size // 100) if self._drift else 0
        self._place = _Place(self._drift, max(size, 100)) if self._drift else None
        self.position = offset
        """The first offset that no accepted page has covered yet."""
        self.done = max_items == 0
        self.idle = 0
        self._short_ends = 0
        self._furthest = offset
        self._searching = False
        self._low: int | None = None  # the place is at or after this offset
        self._high: int | None = None  # the place is at or before this offset
        self._ahead = 0  # how far the next forward probe skips
        self._back = 0  # how far the next backward probe steps
        self._probe = 0

    @property
    def _started(self) -> bool:
        return self._place is not None and self._place.started

    def request(self) -> tuple[int, int]:
        """The ``(offset, limit)`` of the next page to ask for."""
        if self._searching:
            return self._probe, self.size
        return self._forward(self.position, self.remaining)

    def _forward(self, position: int, remaining: int | None) -> tuple[int, int]:
        offset = max(0, position - self.overlap) if self._started else position
        limit = self.size if remaining is None else min(self.size, position - offset + remaining)
        return offset, limit

    def plan(self, count: int, total: int) -> list[tuple[int, int]]:
        """The next ``count`` requests if nothing drifts, for a prefetcher to start early."""
        if self._searching:
            return []
        requests: list[tuple[int, int]] = []
        position, remaining = self.position, self.remaining
        while len(requests) < count and position < total and (remaining is None or remaining > 0):
            offset, limit = self._forward(position, remaining)
            requests.append((offset, limit))
            if remaining is not None:
                remaining -= limit - (position - offset)
            position = offset + limit
        return requests

    @property
    def idle_budget(self) -> int:
        """How many idle requests in a row the walk tolerates (see the module's docstring)."""
        if self._drift is None:
            return PLAIN_IDLE_BUDGET
        return 8 + 4 * math.ceil(math.log2(1 + self._furthest / self.overlap))

    def take(self, offset: int, limit: int, items: list[T], total: int) -> list[T]:
        """The items of the page at ``offset`` to yield; updates the walk (``done``...).

        Raises:
            PaginationError: the page is out of order, or the walk stayed idle too long.
        """
        self._furthest = max(self._furthest, offset + len(items))
        if self._place is None:
            reading, new = Reading.STRADDLING, items
        else:
            assert self._drift is not None
            check_order(items, self._drift, offset)
            reading, new = self._place.read(items, at_start=offset == 0)
        if reading in (Reading.CHAINED, Reading.STRADDLING):
            new = self._accept(offset, limit, items, total, new)
        else:
            self._navigate(reading, offset, items, limit, total)
        self.idle = 0 if new else self.idle + 1
        if not self.done and (self.idle > self.idle_budget or self._short_ends >= SHORT_ENDS):
            raise self._stuck(offset, total)
        return new

    def _accept(self, offset: int, limit: int, items: list[T], total: int, new: list[T]) -> list[T]:
        self._searching = False
        self._low = self._high = None
        self._ahead = self._back = 0
        if self.remaining is not None:
            new = new[: self.remaining]
            self.remaining -= len(new)
        if self._place is not None:
            self._place.advance(new)
        self.position = offset + len(items)
        self.done = self.remaining == 0 or _ends(offset, limit, len(items), total)
        short = len(items) < limit and not self.done
        self._short_ends = self._short_ends + 1 if short and not new else 0
        return new

    def _navigate(
        self, reading: Reading, offset: int, items: list[T], limit: int, total: int
    ) -> None:
        """Aim the next request at the walk's place, which this page did not show.

        Past the page (creations in front pushed the place on): gallop forward, doubling.
        Below it (deletions pulled the place back): step back, doubling. Once both sides
        are known: bisect, then ask for the page that must hold the place.
        """
        self._searching = True
        if reading is Reading.BEFORE:
            if len(items) < limit and offset + len(items) >= total:
                # The list ends before the place: whatever came after it is gone.
                self.done = True
                return
            self._low = offset + len(items)
            if self._high is not None and self._high < self._low:
                self._high = None  # the list moved since: that bound is stale
        else:  # AFTER or EMPTY
            self._high = offset if self._high is None else min(self._high, offset)
            if self._low is not None and self._low > self._high:
                self._low = None
        if self._high is None:
            assert self._low is not None
            self._probe = self._low - self.overlap + self._ahead
            self._ahead = max(self.size, 2 * self._ahead)
        elif self._low is None:
            self._back = max(2 * self.overlap, 2 * self._back)
            self._probe = max(0, self._high - self._back)
        elif self._high - self._low < self.size - self.overlap:
            self._probe = max(0, self._low - self.overlap)
        else:
            self._probe = (self._low + self._high) // 2

    def _stuck(self, offset: int, total: int) -> PaginationError:
        if self._short_ends >= SHORT_ENDS:
            problem = (
                f"pages keep ending at offset {self.position} while total_count says {total} "
                "items exist (a lagging replica, or a total_count that is wrong)"
            )
        else:
            problem = (
                "cannot find its place again: the items it yielded last are neither at the "
                f"offsets it tried (last {offset}) nor where the order puts them (items are "
                "created or deleted faster than pages are read?)"
            )
        return PaginationError(
            f"the walk stopped after {self.idle} requests that yielded nothing: {problem}; "
            "every item yielded so far was distinct. Iterate again to start over",
            offset=offset,
        )


def _ends(offset: int, limit: int, count: int, total: int) -> bool:
    """A page is the last when its own ``total_count`` agrees that nothing follows it."""
    end = offset + count
    return end >= total if count < limit else end == total
