"""The paginator over an in-memory list: paging rules, prefetch, max_items and drift."""

from __future__ import annotations

import asyncio
import itertools

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clerk_orgs_async import InvalidRequestError, Page, Paginator
from clerk_orgs_async._walk import DriftKey


@attrs.frozen
class Item:
    id: str
    created_at: int


class FakeList:
    """Items ordered by -created_at, served by limit/offset like Clerk's listing."""

    def __init__(self, count: int) -> None:
        self._clock = itertools.count(1)
        self.items: list[Item] = []
        for _ in range(count):
            self.create()
        self.requests: list[tuple[int | None, int | None]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.delay = 0.0

    def create(self) -> Item:
        stamp = next(self._clock)
        item = Item(f"item_{stamp}", stamp)
        self.items.insert(0, item)
        return item

    async def fetch(self, limit: int | None, offset: int | None) -> Page[Item]:
        self.requests.append((limit, offset))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        start = offset or 0
        data = self.items[start : start + (limit or 10)]
        return Page(
            data=list(data),
            total_count=len(self.items),
            offset=start,
            limit=limit,
            fetch=self.fetch,
        )


NEWEST_FIRST = DriftKey[Item](key=lambda i: i.created_at, ident=lambda i: i.id, descending=True)


def paginator(source: FakeList, **options: object) -> Paginator[Item]:
    return Paginator(source.fetch, **options)  # type: ignore[arg-type]


async def test_await_gives_one_page_with_clerks_default_limit() -> None:
    source = FakeList(25)
    page = await paginator(source)
    assert len(page.data) == 10
    assert page.total_count == 25
    assert page.has_next_page
    assert source.requests == [(None, None)]


async def test_iterates_every_item_in_order_with_500_pages() -> None:
    source = FakeList(1234)
    ids = [item.id async for item in paginator(source)]
    assert ids == [item.id for item in source.items]
    assert source.requests == [(500, 0), (500, 500), (500, 1000)]


async def test_last_page_exactly_at_total_count_sends_no_extra_request() -> None:
    source = FakeList(20)
    items = await paginator(source, limit=10).collect()
    assert len(items) == 20
    assert source.requests == [(10, 0), (10, 10)]


async def test_empty_list_is_one_request() -> None:
    source = FakeList(0)
    assert await paginator(source, limit=10).collect() == []
    assert source.requests == [(10, 0)]


async def test_max_items_caps_the_total_and_trims_the_last_request() -> None:
    source = FakeList(100)
    items = await paginator(source, limit=30, max_items=45).collect()
    assert [i.id for i in items] == [i.id for i in source.items[:45]]
    assert source.requests == [(30, 0), (15, 30)]


async def test_max_items_zero_sends_nothing() -> None:
    source = FakeList(10)
    assert await paginator(source, max_items=0).collect() == []
    assert source.requests == []


async def test_pages_and_next_page() -> None:
    source = FakeList(25)
    sizes = [len(page.data) async for page in paginator(source, limit=10).pages()]
    assert sizes == [10, 10, 5]
    first = await paginator(source, limit=10, offset=10)
    second = await first.next_page()
    assert second is not None
    assert [i.id for i in second.data] == [i.id for i in source.items[20:25]]
    assert not second.has_next_page
    assert await second.next_page() is None


async def test_offset_start() -> None:
    source = FakeList(30)
    items = await paginator(source, limit=10, offset=25).collect()
    assert [i.id for i in items] == [i.id for i in source.items[25:]]


@pytest.mark.parametrize(
    "options",
    [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"max_items": -1}, {"prefetch": -2}],
)
def test_bad_arguments_are_refused(options: dict[str, int]) -> None:
    with pytest.raises(InvalidRequestError):
        paginator(FakeList(1), **options)


def test_repr_tells_page_size_from_total_cap() -> None:
    text = repr(Paginator(FakeList(1).fetch, limit=50, max_items=200, name="organizations.list"))
    assert "limit=50 (page size)" in text
    assert "max_items=200 (total cap)" in text


@pytest.mark.parametrize("depth", [1, 4, 16])
async def test_prefetch_keeps_pages_in_flight_in_order(depth: int) -> None:
    source = FakeList(1000)
    source.delay = 0.005
    ids = [item.id async for item in paginator(source, limit=50, prefetch=depth)]
    assert ids == [item.id for item in source.items]
    assert source.max_in_flight == min(depth, 19)
    assert len(source.requests) == 20


async def test_early_stop_cancels_pages_in_flight() -> None:
    source = FakeList(1000)
    source.delay = 0.01
    items = await paginator(source, limit=50, prefetch=8, max_items=120).collect()
    assert len(items) == 120
    await asyncio.sleep(0)
    assert source.in_flight == 0
    assert not [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]


async def test_breaking_out_cancels_pages_in_flight() -> None:
    source = FakeList(1000)
    source.delay = 0.01
    walk = paginator(source, limit=50, prefetch=8).pages()
    async for _ in walk:
        break
    await walk.aclose()  # type: ignore[attr-defined]
    assert source.in_flight == 0
    assert not [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]


async def test_a_failing_prefetched_page_raises_in_order() -> None:
    source = FakeList(300)

    async def failing(limit: int | None, offset: int | None) -> Page[Item]:
        if offset == 200:
            raise RuntimeError("page 3 failed")
        return await source.fetch(limit, offset)

    seen = []
    with pytest.raises(RuntimeError, match="page 3"):
        async for item in Paginator(failing, limit=100, prefetch=4):
            seen.append(item)
    assert len(seen) == 200


class DriftingList(FakeList):
    """Runs one scripted change (creates and deletes) before serving each page."""

    def __init__(self, count: int, script: list[tuple[int, list[int]]]) -> None:
        super().__init__(count)
        self.script = script
        self.original = {item.id for item in self.items}
        self.deleted: set[str] = set()

    async def fetch(self, limit: int | None, offset: int | None) -> Page[Item]:
        if self.requests and self.script:
            creates, deletes = self.script.pop(0)
            for _ in range(creates):
                self.create()
            for position in deletes:
                if self.items:
                    victim = self.items.pop(position % len(self.items))
                    self.deleted.add(victim.id)
        return await super().fetch(limit, offset)


changes = st.lists(
    st.tuples(st.integers(0, 60), st.lists(st.integers(0, 10_000), max_size=40)), max_size=30
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    count=st.integers(0, 400),
    size=st.integers(2, 60),
    script=changes,
    prefetch=st.sampled_from([0, 3]),
)
async def test_drift_safe_walk_never_repeats_and_never_misses(
    count: int, size: int, script: list[tuple[int, list[int]]], prefetch: int
) -> None:
    # An honest server (newest first) under any deletions, and fewer creations between two
    # requests than a page holds (Clerk's rate limits keep real churn far below that): the
    # walk must succeed, with every guarantee. Tests/test_walk.py covers servers that lie.
    overlap = max(1, size // 100)
    script = [(min(creates, size - overlap - 1), deletes) for creates, deletes in script]
    source = DriftingList(count, script)
    walk = Paginator(source.fetch, limit=size, prefetch=prefetch, drift=NEWEST_FIRST)

    ids = [item.id async for item in walk]

    assert len(ids) == len(set(ids)), "an item was yielded twice"
    survivors = source.original - source.deleted
    assert survivors <= set(ids), "an item that existed for the whole walk was missed"


async def test_without_drift_key_offsets_shift_and_repeat() -> None:
    # The failure mode drift-safety exists for: plain offset paging repeats items.
    source = DriftingList(30, [(5, [])])
    ids = [item.id async for item in Paginator(source.fetch, limit=10)]
    assert len(ids) != len(set(ids))


def test_only_created_at_orders_are_drift_safe() -> None:
    from clerk_orgs_async._pagination import created_at_order

    assert created_at_order(None) is None
    assert created_at_order("name") is None
    assert created_at_order("-members_count") is None
    newest: DriftKey[Item] | None = created_at_order("-created_at")
    oldest: DriftKey[Item] | None = created_at_order("+created_at")
    assert newest is not None and newest.descending
    assert oldest is not None and not oldest.descending
    assert created_at_order("created_at") is not None
