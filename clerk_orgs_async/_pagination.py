"""Limit/offset paging: one ``Page``, and a ``Paginator`` that walks them all.

``limit`` keeps Clerk's meaning everywhere, the size of one page; ``max_items`` caps how many
items an iteration yields in total. Which page to ask for next is decided in ``_walk``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from datetime import datetime
from operator import attrgetter
from typing import Any, Generic, Protocol, TypeVar

import attrs

from . import _rules
from ._walk import DriftKey, Walk
from .errors import InvalidRequestError

T = TypeVar("T")

MAX_LIMIT = _rules.MAX_PAGE
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
        """The following page with the same ``limit``, or None after the last one.

        Returns:
            The next ``Page``, or None when ``has_next_page`` is False.

        Raises:
            ClerkError: the request failed (after the client's retries).
        """
        if not self.has_next_page or self._fetch is None:
            return None
        return await self._fetch(self.limit, self.offset + len(self.data))

    def __iter__(self) -> Iterator[T]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


def page_decoder(
    items: Callable[[list[Any]], list[T]],
    *,
    offset: int | None,
    limit: int | None,
    fetch: Fetch[T],
) -> Callable[[Any], Page[T]]:
    """Build a ``Page`` from a list response, refusing any shape but ``{data, total_count}``.

    Raises (for the client to turn into ``UnexpectedResponseError``):
        TypeError: ``data`` is not a list, or ``total_count`` not a non-negative integer.
    """

    def decode(payload: Any) -> Page[T]:
        if not isinstance(payload, dict):
            raise TypeError(f"a list response is a JSON object, got {type(payload).__name__}")
        data, total = payload.get("data"), payload.get("total_count")
        if not isinstance(data, list):
            raise TypeError(f"'data' must be a list, got {type(data).__name__}")
        if isinstance(total, bool) or not isinstance(total, int) or total < 0:
            raise TypeError(f"'total_count' must be a non-negative integer, got {total!r}")
        return Page(
            data=items(data), total_count=total, offset=offset or 0, limit=limit, fetch=fetch
        )

    return decode


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
        key=attrgetter("created_at"),  # C-level getters: read for every item of every page
        ident=attrgetter("id"),
        descending=order_by.startswith("-"),
    )


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
    while others are created or deleted. Any iteration ends after a bounded number of
    requests whatever the server answers, or raises ``PaginationError`` when the pages
    contradict each other (docs/guides/iteration.md; the proof: docs/design/walk.md).
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
        _rules.page_args(limit, offset)
        if max_items is not None and (
            isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 0
        ):
            raise InvalidRequestError(f"max_items must be 0 or more, got {_rules.shown(max_items)}")
        if isinstance(prefetch, bool) or not isinstance(prefetch, int) or prefetch < 0:
            raise InvalidRequestError(f"prefetch must be 0 or more, got {_rules.shown(prefetch)}")
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
        """Every item (up to ``max_items``) in one list.

        Returns:
            The items, in the order iteration yields them.

        Raises:
            PaginationError: pages that contradict each other.
            ClerkError: a request failed (after the client's retries).
        """
        return [item async for item in self]

    def pages(self) -> AsyncIterator[Page[T]]:
        """Every page in order; under drift-safe iteration each holds only unseen items.

        Returns:
            An async iterator of ``Page`` objects; requests are sent as it is consumed.

        Raises:
            PaginationError: pages that contradict each other.
            ClerkError: a request failed (after the client's retries).
        """
        return self._walk()

    async def _walk(self) -> AsyncIterator[Page[T]]:
        walk = Walk(
            offset=self.offset or 0,
            size=self.limit or MAX_LIMIT,
            max_items=self.max_items,
            drift=self._drift,
        )
        prefetcher = _Prefetcher(self._fetch, self.prefetch)
        try:
            while not walk.done:
                offset, limit = walk.request()
                page = await prefetcher.get(offset, limit)
                new = walk.take(offset, limit, page.data, page.total_count)
                if not walk.done and prefetcher.depth:
                    prefetcher.schedule(walk.plan(self.prefetch, page.total_count))
                if new:
                    yield Page(
                        data=new, total_count=page.total_count, offset=walk.position - len(new)
                    )
        finally:
            await prefetcher.cancel()
