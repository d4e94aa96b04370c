"""Iteration against servers that misbehave: every walk ends, never repeats, never loses quietly.

The adversary is an in-memory list server whose behaviour hypothesis draws at random: the
order it sorts by, concurrent creates and deletes between requests, empty pages, a
``total_count`` that lies, pages longer than asked. Whatever it does, a walk must end within
the bound proven in docs/design/walk.md, yield no item twice, and either yield
every item that existed for the whole walk or raise a ``ClerkError``.
"""

from __future__ import annotations

import itertools
import math
import random

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clerk_orgs_async import ClerkError, Page, PaginationError, Paginator
from clerk_orgs_async._walk import DriftKey, Walk

ORDERS = ("newest first", "oldest first", "fixed shuffle", "reshuffled per request")
NEWEST_FIRST = DriftKey["Item"](key=lambda i: i.created_at, ident=lambda i: i.id, descending=True)
REQUEST_CAP = 20_000  # far above any bound below: a runaway walk fails instead of hanging


@attrs.frozen
class Item:
    id: str
    created_at: int


class Adversary:
    """Serves ``limit``/``offset`` pages of a changing list, misbehaving as ``draw`` says."""

    def __init__(self, draw: st.DataObject, count: int, order: str, seed: int) -> None:
        self.draw = draw
        self.order = order
        self.rng = random.Random(seed)
        self._clock = itertools.count(1)
        self.items: dict[str, Item] = {}
        for _ in range(count):
            self._create()
        self.original = set(self.items)
        self.deleted: set[str] = set()
        self.requests = 0
        self.furthest = 0
        self._shuffle_key = {i: self.rng.random() for i in self.items}

    def _create(self) -> None:
        stamp = next(self._clock)
        self.items[f"item_{stamp}"] = Item(f"item_{stamp}", stamp)

    def _ordered(self) -> list[Item]:
        items = list(self.items.values())
        if self.order == "newest first":
            return sorted(items, key=lambda i: -i.created_at)
        if self.order == "oldest first":
            return sorted(items, key=lambda i: i.created_at)
        if self.order == "fixed shuffle":
            for item in items:
                self._shuffle_key.setdefault(item.id, self.rng.random())
            return sorted(items, key=lambda i: self._shuffle_key[i.id])
        self.rng.shuffle(items)
        return items

    def _churn(self) -> None:
        for _ in range(self.draw.draw(st.integers(0, 6), label="creates")):
            self._create()
        for _ in range(self.draw.draw(st.integers(0, 6), label="deletes")):
            if self.items:
                victim = self.rng.choice(sorted(self.items))
                del self.items[victim]
                self.deleted.add(victim)

    async def fetch(self, limit: int | None, offset: int | None) -> Page[Item]:
        self.requests += 1
        assert self.requests < REQUEST_CAP, "the walk did not end"
        if self.requests > 1:
            self._churn()
        start, size = offset or 0, limit or 10
        ordered = self._ordered()
        behaviour = self.draw.draw(
            st.sampled_from(["honest"] * 6 + ["empty", "longer", "short"]), label="page"
        )
        if behaviour == "empty" and start > 0:
            data: list[Item] = []
        elif behaviour == "longer":
            data = ordered[start : start + size + self.draw.draw(st.integers(1, 5))]
        elif behaviour == "short":
            data = ordered[start : start + max(0, size - 1)]
        else:
            data = ordered[start : start + size]
        total = max(
            0,
            len(ordered)
            + self.draw.draw(
                st.sampled_from([0, 0, 0, 1, -1, 7, -7, 1000, -len(ordered)]), label="total lie"
            ),
        )
        end = start + len(data)
        looks_last = end >= total if len(data) < size else end == total
        if looks_last and end < len(ordered):
            # A page that says "nothing follows" while items do would hide them from any
            # client: lies may contradict the data, not deny it consistently.
            total = len(ordered)
        self.furthest = max(self.furthest, end)
        return Page(data=data, total_count=total, offset=start, limit=limit)

    @property
    def stable(self) -> set[str]:
        return self.original - self.deleted


def bound(yielded: int, furthest: int, size: int) -> int:
    """The documented bound: (yielded + 1) * (idle_budget + 1) requests at most."""
    overlap = max(1, size // 100)
    budget = 8 + 4 * math.ceil(math.log2(1 + furthest / overlap))
    return (yielded + 1) * (budget + 1)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    data=st.data(),
    count=st.integers(0, 120),
    size=st.integers(2, 30),
    order=st.sampled_from(ORDERS),
    prefetch=st.sampled_from([0, 2]),
    max_items=st.none() | st.integers(0, 150),
    seed=st.integers(0, 2**16),
)
async def test_any_server_walk_ends_never_repeats_never_loses_quietly(
    data: st.DataObject,
    count: int,
    size: int,
    order: str,
    prefetch: int,
    max_items: int | None,
    seed: int,
) -> None:
    server = Adversary(data, count, order, seed)
    walk = Paginator(
        server.fetch, limit=size, prefetch=prefetch, max_items=max_items, drift=NEWEST_FIRST
    )
    ids: list[str] = []
    raised: ClerkError | None = None
    try:
        async for item in walk:
            ids.append(item.id)
    except ClerkError as error:
        raised = error

    assert server.requests <= bound(len(ids), server.furthest, size), "the walk ran past its bound"
    assert len(ids) == len(set(ids)), "an item was yielded twice"
    if max_items is not None:
        assert len(ids) <= max_items
    if raised is None and (max_items is None or len(ids) < max_items):
        missing = server.stable - set(ids)
        assert not missing, f"ended quietly without {len(missing)} items that existed throughout"


class Scripted:
    """A list server built from a plain function, for the cases the issue names."""

    def __init__(self, serve: object) -> None:
        self.serve = serve
        self.requests: list[tuple[int | None, int | None]] = []

    async def fetch(self, limit: int | None, offset: int | None) -> Page[Item]:
        self.requests.append((limit, offset))
        assert len(self.requests) < 1000, "runaway walk"
        data, total = self.serve(limit or 10, offset or 0)  # type: ignore[operator]
        return Page(data=data, total_count=total, offset=offset or 0, limit=limit)


ITEMS = [Item(f"item_{n}", n) for n in range(1, 1201)]
NEWEST = sorted(ITEMS, key=lambda i: -i.created_at)


async def test_a_server_that_lists_oldest_first_raises_on_the_first_page() -> None:
    server = Scripted(lambda limit, offset: (ITEMS[offset : offset + limit], len(ITEMS)))
    walk = Paginator(server.fetch, limit=100, drift=NEWEST_FIRST)
    seen: list[Item] = []
    with pytest.raises(PaginationError, match="not in -created_at order") as raised:
        async for item in walk:
            seen.append(item)
    assert seen == [] and len(server.requests) == 1
    assert raised.value.offset == 0


async def test_empty_pages_after_the_first_end_in_an_error_not_a_loop() -> None:
    # A lagging replica: total_count (from the primary) says 1,200; the data has 500.
    def serve(limit: int, offset: int) -> tuple[list[Item], int]:
        return NEWEST[:500][offset : offset + limit], len(NEWEST)

    server = Scripted(serve)
    seen: list[str] = []
    with pytest.raises(PaginationError, match="total_count says 1200"):
        async for item in Paginator(server.fetch, drift=NEWEST_FIRST):
            seen.append(item.id)
    assert len(seen) == len(set(seen)) == 500
    assert len(server.requests) == 4  # the page, then the end checked three times


async def test_max_items_stops_a_walk_over_empty_pages() -> None:
    # Before the fix max_items could not stop it: nothing was yielded, the loop never ended.
    def serve(limit: int, offset: int) -> tuple[list[Item], int]:
        return (NEWEST[:limit] if offset == 0 else []), 10**6

    server = Scripted(serve)
    with pytest.raises(PaginationError):
        await Paginator(server.fetch, limit=50, max_items=10_000, drift=NEWEST_FIRST).collect()
    assert len(server.requests) <= 60


async def test_a_plain_walk_rechecks_a_page_that_contradicts_its_total_then_raises() -> None:
    server = Scripted(lambda limit, offset: (NEWEST[:15][offset : offset + limit], 1000))
    seen: list[str] = []
    with pytest.raises(PaginationError, match="total_count says 1000"):
        async for item in Paginator(server.fetch, limit=10):
            seen.append(item.id)
    assert len(seen) == 15
    assert len(server.requests) == 2 + 3


async def test_a_total_that_lies_low_does_not_cut_the_walk_short() -> None:
    server = Scripted(lambda limit, offset: (NEWEST[offset : offset + limit], 7))
    ids = [i.id async for i in Paginator(server.fetch, limit=100, drift=NEWEST_FIRST)]
    assert ids == [i.id for i in NEWEST]


async def test_pages_longer_than_the_limit_are_taken_whole() -> None:
    server = Scripted(lambda limit, offset: (NEWEST[offset : offset + 2 * limit], len(NEWEST)))
    ids = [i.id async for i in Paginator(server.fetch, limit=100, drift=NEWEST_FIRST)]
    assert ids == [i.id for i in NEWEST]


async def test_a_page_reordered_across_a_boundary_is_refused() -> None:
    # created_at changed by update(created_at=...) on a server that sorts by creation order:
    # the page is no longer sorted by created_at, and the walk says so instead of guessing.
    moved = [*NEWEST[:150], Item("item_moved", 5000), *NEWEST[150:]]

    def serve(limit: int, offset: int) -> tuple[list[Item], int]:
        return moved[offset : offset + limit], len(moved)

    seen: list[str] = []
    with pytest.raises(PaginationError, match="offset 99"):
        async for item in Paginator(Scripted(serve).fetch, limit=100, drift=NEWEST_FIRST):
            seen.append(item.id)
    assert len(seen) == 100 == len(set(seen))


def test_an_honest_walk_sends_exactly_the_pages_it_needs() -> None:
    walk: Walk[Item] = Walk(offset=0, size=500, max_items=None, drift=NEWEST_FIRST)
    sent = 0
    while not walk.done:
        offset, limit = walk.request()
        walk.take(offset, limit, NEWEST[offset : offset + limit], len(NEWEST))
        sent += 1
    # 1,200 items in pages of 500 reaching back 5 items: 0-499, 495-994, 990-1199.
    assert sent == math.ceil((1200 - 5) / (500 - 5))
