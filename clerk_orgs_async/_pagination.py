"""Limit/offset paging: one ``Page``, and a ``Paginator`` that walks them all.

``limit`` keeps Clerk's meaning everywhere, the size of one page; ``max_items`` caps how many
items an iteration yields in total.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

import attrs

from ._sansio import check_page_args
from .errors import InvalidRequestError

T = TypeVar("T")

MAX_LIMIT = 500
"""Clerk's largest page, and the page size used when iterating without a ``limit``."""

Fetch = Callable[[int | None, int | None], Awaitable["Page[T]"]]
"""Fetch one page: ``fetch(limit, offset)``."""


@attrs.frozen(kw_only=True)
class Page(Generic[T]):
    """One page of a list: ``data``, and ``total_count`` for the whole filtered set."""

    data: list[T]
    total_count: int
    offset: int = 0
    limit: int | None = None
    _fetch: Fetch[T] | None = attrs.field(default=None, alias="fetch", repr=False, eq=False)

    @property
    def has_next_page(self) -> bool:
        """True while items remain past this page by ``total_count`` and it was full."""
        if not self.data or self.offset + len(self.data) >= self.total_count:
            return False
        return self.limit is None or len(self.data) >= self.limit

    async def next_page(self) -> Page[T] | None:
        """The following page with the same ``limit``, or None after the last one."""
        if not self.has_next_page or self._fetch is None:
            return None
        return await self._fetch(self.limit, self.offset + len(self.data))

    def __iter__(self) -> Iterator[T]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


class DriftKey(Generic[T]):
    """Where an item sorts in a stable order: how iteration tells new items from seen ones.

    Only orders by a key that does not change (``created_at``) can be walked drift-safely.
    """

    def __init__(self, key: Callable[[T], Any], ident: Callable[[T], str], descending: bool):
        self.key = key
        self.ident = ident
        self.descending = descending


class _Created(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...


C = TypeVar("C", bound=_Created)


def created_at_order(order_by: str | None) -> DriftKey[C] | None:
    """The drift key of an order by ``created_at`` (``+`` or ``-``); None for any other order."""
    if order_by is None or order_by.lstrip("+-") != "created_at":
        return None
    return DriftKey(
        key=lambda item: item.created_at,
        ident=lambda item: item.id,
        descending=order_by.startswith("-"),
    )


class _Anchor(Generic[T]):
    """The last item yielded: its sort key, and the IDs yielded with that same key."""

    def __init__(self, drift: DriftKey[T]) -> None:
        self._drift = drift
        self._key: Any = None
        self._ties: set[str] = set()

    def is_new(self, item: T) -> bool:
        """True when ``item`` sorts after everything yielded so far."""
        key = self._drift.key(item)
        if key == self._key:
            return self._drift.ident(item) not in self._ties
        return bool(key < self._key) if self._drift.descending else bool(key > self._key)

    def new_items(self, items: list[T]) -> list[T]:
        """The items of a page (in sort order) that come after everything yielded."""
        start = 0
        while start < len(items) and not self.is_new(items[start]):
            start += 1
        # Past the first new item only a tie with the anchor can have been seen already.
        end = start
        while end < len(items) and self._drift.key(items[end]) == self._key:
            end += 1
        return [item for item in items[start:end] if self.is_new(item)] + items[end:]

    def advance(self, items: list[T]) -> None:
        """Move past ``items`` (in sort order): only the trailing run of equal keys matters."""
        if not items:
            return
        key = self._drift.key
        last = key(items[-1])
        tail = []
        for item in reversed(items):
            if key(item) != last:
                break
            tail.append(self._drift.ident(item))
        if last != self._key:
            self._key = last
            self._ties = set()
        self._ties.update(tail)


class _Prefetcher(Generic[T]):
    """Keeps the next pages' requests in flight, in order; any other request flushes them."""

    def __init__(self, fetch: Fetch[T], depth: int) -> None:
        self._fetch = fetch
        self.depth = depth
        self._queue: deque[tuple[tuple[int, int], asyncio.Future[Page[T]]]] = deque()

    async def get(self, offset: int, limit: int) -> Page[T]:
        if self._queue and self._queue[0][0] == (offset, limit):
            return await self._queue.popleft()[1]
        await self.cancel()
        return await self._fetch(limit, offset)

    def schedule(self, requests: list[tuple[int, int]]) -> None:
        queued = {request for request, _ in self._queue}
        for request in requests:
            if request not in queued:
                offset, limit = request
                future = asyncio.ensure_future(self._fetch(limit, offset))
                self._queue.append((request, future))

    async def cancel(self) -> None:
        futures = [future for _, future in self._queue]
        self._queue.clear()
        for future in futures:
            future.cancel()
        # Retrieve every outcome so no "exception was never retrieved" is left behind.
        await asyncio.gather(*futures, return_exceptions=True)


class Paginator(Generic[T]):
    """What ``list()`` returns: await it for one page, ``async for`` it for every item.

    - ``await paginator`` -> the one ``Page`` at ``offset`` with ``limit`` items at most
      (Clerk's default of 10 when ``limit`` is not given).
    - ``async for item in paginator`` -> every item, page after page. ``limit`` is still the
      size of one page (500 when not given, to spend few requests); ``max_items`` caps the
      total number of items yielded.
    - ``paginator.pages()`` -> the pages; ``await paginator.collect()`` -> a list.

    With ``prefetch=N``, up to N further pages are requested while the current one is
    consumed. When the order is by ``created_at`` (Clerk's default), iteration is drift-safe:
    it never yields an item twice and yields every item that exists for the whole walk, even
    while others are created or deleted (see ``README.md``, "Iterating every organization").
    """

    def __init__(
        self,
        fetch: Fetch[T],
        *,
        limit: int | None = None,
        offset: int | None = None,
        max_items: int | None = None,
        prefetch: int = 0,
        drift: DriftKey[T] | None = None,
        name: str = "list",
    ) -> None:
        check_page_args(limit, offset)
        if max_items is not None and (isinstance(max_items, bool) or max_items < 0):
            raise InvalidRequestError(f"max_items must be 0 or more, got {max_items!r}")
        if isinstance(prefetch, bool) or prefetch < 0:
            raise InvalidRequestError(f"prefetch must be 0 or more, got {prefetch!r}")
        self._fetch = fetch
        self.limit = limit
        self.offset = offset
        self.max_items = max_items
        self.prefetch = prefetch
        self._drift = drift
        self._name = name

    def __repr__(self) -> str:
        return (
            f"<Paginator {self._name} limit={self.limit} (page size) "
            f"max_items={self.max_items} (total cap) offset={self.offset} "
            f"prefetch={self.prefetch}>"
        )

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self._one_page().__await__()

    async def _one_page(self) -> Page[T]:
        limit = self.limit
        if self.max_items is not None:
            limit = max(1, min(limit or 10, self.max_items))
        return await self._fetch(limit, self.offset)

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.data:
                yield item

    async def collect(self) -> list[T]:
        """Every item (up to ``max_items``) in one list."""
        return [item async for item in self]

    def pages(self) -> AsyncIterator[Page[T]]:
        """Every page in order; under drift-safe iteration each holds only unseen items."""
        return self._walk()

    async def _walk(self) -> AsyncIterator[Page[T]]:
        size = self.limit or MAX_LIMIT
        # Drift-safe walks overlap each page with the end of the previous one, so a page
        # that does not reach back to the last item yielded shows that items shifted.
        drift = self._drift if size > 1 else None
        overlap = max(1, size // 100) if drift else 0
        anchor = _Anchor(drift) if drift else None
        remaining = self.max_items
        position = self.offset or 0  # where the first unseen item should be
        step_back = overlap
        started = False
        prefetcher = _Prefetcher(self._fetch, self.prefetch)
        try:
            while remaining is None or remaining > 0:
                offset, limit = _request(position, remaining, size, overlap if started else 0)
                page = await prefetcher.get(offset, limit)
                items = page.data
                if anchor is not None and started:
                    if offset > 0 and (not items or anchor.is_new(items[0])):
                        # The page does not reach back to what was yielded: deletions
                        # shifted the list, and unseen items may lie before this offset.
                        position = max(0, offset - step_back) + overlap
                        step_back *= 2
                        continue
                    step_back = overlap
                    new = anchor.new_items(items)
                else:
                    new = items
                if remaining is not None:
                    new = new[:remaining]
                    remaining -= len(new)
                if anchor is not None:
                    anchor.advance(new)
                started = True
                position = offset + len(items)
                done = len(items) < limit or position >= page.total_count
                if not done and prefetcher.depth:
                    prefetcher.schedule(
                        _plan(position, remaining, size, overlap, page.total_count, self.prefetch)
                    )
                if new:
                    yield Page(data=new, total_count=page.total_count, offset=position - len(new))
                if done:
                    return
        finally:
            await prefetcher.cancel()


def _request(position: int, remaining: int | None, size: int, overlap: int) -> tuple[int, int]:
    """The (offset, limit) that reaches back ``overlap`` items and covers what is still wanted."""
    offset = max(0, position - overlap)
    limit = size if remaining is None else min(size, position - offset + remaining)
    return offset, limit


def _plan(
    position: int, remaining: int | None, size: int, overlap: int, total: int, count: int
) -> list[tuple[int, int]]:
    """The next ``count`` requests if nothing drifts, for the prefetcher to start early."""
    requests: list[tuple[int, int]] = []
    while len(requests) < count and position < total and (remaining is None or remaining > 0):
        offset, limit = _request(position, remaining, size, overlap)
        requests.append((offset, limit))
        if remaining is not None:
            remaining -= limit - (position - offset)
        position = offset + limit
    return requests
