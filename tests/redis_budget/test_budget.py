"""The shared budget in one process against a real redis-server: its semantics, what it stores,
and what it does when Redis is gone, hung or back."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator, Callable

import pytest

from clerk_orgs_async import ClientClosedError, RedisRateLimit, _redis_budget, _redis_store
from clerk_orgs_async._pacing import Pacer
from clerk_orgs_async._redis_budget import RedisBudget, SharedPermit
from clerk_orgs_async._resource import Call, build_path
from clerk_orgs_async.testing import ClerkEmulator
from tests.redis_budget._server import RedisServer, free_port

SECRET = "sk_test_Budget0Secret0Never0In0Redis"
Budgets = Callable[..., RedisBudget]


@pytest.fixture
async def budgets() -> AsyncIterator[Budgets]:
    """``budgets(url, secret=SECRET, **options)``: budgets closed when the test ends."""
    made: list[RedisBudget] = []

    def make(url: str, secret: str = SECRET, **options: float | str) -> RedisBudget:
        budget = RedisRateLimit(url, **options).budget(secret)  # type: ignore[arg-type]
        made.append(budget)
        return budget

    yield make
    for budget in made:
        await budget.aclose()


async def take(budget: RedisBudget, latest: float | None = None) -> SharedPermit:
    permit = await asyncio.wait_for(budget.acquire(latest), 10)
    assert permit is not None
    return permit


def soon(seconds: float = 0.3) -> float:
    return asyncio.get_running_loop().time() + seconds


async def test_clients_of_one_key_share_its_permits_and_other_keys_do_not(
    redis_server: RedisServer, budgets: Budgets
) -> None:
    a, b = (
        budgets(redis_server.url, requests=3, per_seconds=30),
        budgets(redis_server.url, requests=3, per_seconds=30),
    )
    other = budgets(redis_server.url, "sk_test_another_instance", requests=3, per_seconds=30)
    held = [await take(a), await take(a), await take(b)]
    # Every permit is taken: none can come back within the deadline, in either client.
    assert await b.acquire(soon()) is None
    assert await a.acquire(soon()) is None
    assert await other.acquire(soon()) is not None
    for permit in held:
        permit.release()
    assert await a.acquire(soon()) is None  # released: back only a window after the answer


async def test_a_permit_comes_back_one_window_after_its_answer_in_another_client(
    redis_server: RedisServer, budgets: Budgets
) -> None:
    a, b = (budgets(redis_server.url, requests=1, per_seconds=0.3) for _ in range(2))
    loop = asyncio.get_running_loop()
    permit = await take(a)
    await asyncio.sleep(0.1)  # the request's round trip
    permit.release()
    answered = loop.time()
    await take(b)
    assert loop.time() - answered >= 0.28


async def test_a_permit_given_back_unsent_is_free_at_once_in_every_client(
    redis_server: RedisServer, budgets: Budgets
) -> None:
    # Connecting failed: Clerk counted nothing, so neither this client nor another waits.
    a, b = (budgets(redis_server.url, requests=1, per_seconds=30) for _ in range(2))
    (await take(a)).give_back()
    (await take(a, soon())).give_back()
    await take(b, soon())


async def test_a_waiter_sleeps_until_a_permit_can_come_back_rather_than_polling(
    redis_server: RedisServer, budgets: Budgets
) -> None:
    a, b = (budgets(redis_server.url, requests=1, per_seconds=0.5) for _ in range(2))
    permit = await take(a)
    with redis_server.client() as client:
        client.config_resetstat()
    waiting = asyncio.ensure_future(take(b))
    await asyncio.sleep(0.2)
    permit.release()
    await waiting
    with redis_server.client() as client:
        scripts = client.info("commandstats")["cmdstat_evalsha"]["calls"]
    # b asks at once, wakes when a permit could first come back, and once more when it does;
    # a gives its permit back: a handful of calls over 0.7 s, not a poll loop.
    assert scripts <= 6


async def test_what_redis_holds_is_a_hash_of_the_key_and_random_ids_never_the_secret(
    redis_server: RedisServer,
) -> None:
    secret = "sk_test_" + "Q" * 40
    async with (
        ClerkEmulator(secret_key=secret, users=["user_1"]) as emu,
        emu.client(
            rate_limit=RedisRateLimit(redis_server.url, requests=50, per_seconds=5)
        ) as clerk,
    ):
        org = await clerk.organizations.create(name="Acme", created_by="user_1")
        await clerk.organizations.get(org.id)
        await clerk.organizations.list(limit=1)
        with redis_server.client() as client:
            stored = {key: client.zrange(key, 0, -1, withscores=True) for key in client.scan_iter()}
            types = {client.type(key) for key in stored}
    key = "clerk-orgs-async:budget:" + hashlib.sha256(secret.encode()).hexdigest()
    assert set(stored) == {key, key + ":clients"}
    assert types == {"zset"}
    assert len(stored[key]) == 3 and len(stored[key + ":clients"]) == 1
    text = repr(stored)
    for part in (secret, secret[len("sk_test_") :], "Q" * 12):
        assert part not in text
    with redis_server.client() as client:
        assert client.zcard(key + ":clients") == 0  # the closed client left the budget


async def test_a_named_key_is_used_as_given(redis_server: RedisServer, budgets: Budgets) -> None:
    budget = budgets(redis_server.url, key="myapp:clerk-budget", requests=5)
    (await take(budget)).release()
    with redis_server.client() as client:
        assert set(client.scan_iter()) == {"myapp:clerk-budget", "myapp:clerk-budget:clients"}


async def test_a_share_caps_its_client_and_leaves_the_rest_to_others(
    redis_server: RedisServer, budgets: Budgets
) -> None:
    half = budgets(redis_server.url, requests=10, per_seconds=30, share=0.5)
    whole = budgets(redis_server.url, requests=10, per_seconds=30)
    held = [await take(half) for _ in range(5)]
    assert await half.acquire(soon()) is None  # its half is used, though 5 permits are free
    for _ in range(5):
        await take(whole)
    assert await whole.acquire(soon()) is None
    for permit in held:
        permit.release()
    assert await half.acquire(soon()) is None  # answered: back only a window later


async def test_a_waiter_behind_another_gives_up_at_its_own_deadline(
    redis_server: RedisServer, budgets: Budgets
) -> None:
    budget = budgets(redis_server.url, requests=1, per_seconds=0.5)
    (await take(budget)).release()
    first = asyncio.ensure_future(budget.acquire(soon(2)))  # waits for the permit to come back
    await asyncio.sleep(0.05)
    assert await budget.acquire(soon(0.1)) is None  # behind it, and would pass its deadline
    assert await first is not None


async def test_a_crashed_clients_permits_come_back_when_their_lease_ends(
    redis_server: RedisServer, budgets: Budgets
) -> None:
    crashed, alive = (budgets(redis_server.url, requests=1, per_seconds=0.2) for _ in range(2))
    loop = asyncio.get_running_loop()
    await take(crashed, soon(0.3))  # never released: its lease is the deadline plus a window
    started = loop.time()
    await take(alive)
    assert loop.time() - started >= 0.4


async def test_requests_default_to_the_keys_documented_budget(redis_server: RedisServer) -> None:
    limit = RedisRateLimit(redis_server.url)
    assert limit.budget("sk_test_x").requests == 100
    assert limit.budget("sk_live_x").requests == 1000
    assert RedisRateLimit(redis_server.url, requests=7).budget("sk_live_x").requests == 7


async def test_redis_lost_mid_run_paces_locally_warns_once_and_shares_again_when_back(
    redis_server: RedisServer, budgets: Budgets, caplog: pytest.LogCaptureFixture
) -> None:
    budget = budgets(redis_server.url, requests=20, per_seconds=0.3)
    for _ in range(3):
        (await take(budget)).release()
    redis_server.kill()
    with caplog.at_level(logging.INFO, logger="clerk_orgs_async"):
        for _ in range(30):  # paced locally: 20 per window (this client is the only one seen)
            (await take(budget)).release()
        in_flight = await take(budget)
        assert not budget.shared
        redis_server.start()
        for _ in range(100):
            if budget.shared:
                break
            await asyncio.sleep(0.05)
        assert budget.shared
        with redis_server.client() as client:
            (key,) = [k for k in client.scan_iter() if not k.endswith(":clients")]
            assert client.zrange(key, 0, -1) == [in_flight.member]  # entered when it came back
            client.config_resetstat()
        in_flight.release()
        for _ in range(5):
            (await take(budget)).release()
        with redis_server.client() as client:
            assert client.info("commandstats")["cmdstat_evalsha"]["calls"] >= 5
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "is unreachable" in warnings[0].getMessage()
    assert "20 requests per 0.3s" in warnings[0].getMessage()
    assert sum("answers again" in r.getMessage() for r in caplog.records) == 1


async def test_when_redis_returns_a_client_keeps_to_its_local_pace_for_one_more_window(
    redis_server: RedisServer, budgets: Budgets, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_redis_budget, "_PROBE_EVERY", 0.05)
    monkeypatch.setattr(_redis_budget, "TIMEOUT", 0.05)  # the guard: window + probe + timeout
    a, b = (budgets(redis_server.url, requests=20, per_seconds=0.3) for _ in range(2))
    (await take(b)).release()
    held = [await take(a)]  # a has seen two clients: its local pace is 20 / 2
    redis_server.kill()
    held += [await take(a) for _ in range(9)]
    assert not a.shared
    assert await a.acquire(soon(0.1)) is None  # ten in flight: its local pace
    await asyncio.sleep(0.15)  # a probe or two find Redis still down
    redis_server.start()
    for _ in range(100):
        if a.shared:
            break
        await asyncio.sleep(0.02)
    assert a.shared
    assert await a.acquire(soon(0.1)) is None  # still ten at most, for a window
    await asyncio.sleep(0.4)
    held.append(await take(a))  # then its whole share again, through Redis
    with redis_server.client() as client:
        (key,) = [k for k in client.scan_iter() if not k.endswith(":clients")]
        assert set(client.zrange(key, 0, -1)) == {permit.member for permit in held}
    for permit in held:
        permit.release()


async def test_a_redis_never_reached_paces_at_the_default_worker_count(
    budgets: Budgets, caplog: pytest.LogCaptureFixture
) -> None:
    budget = budgets(f"redis://127.0.0.1:{free_port()}/0", requests=16, per_seconds=30)
    with caplog.at_level(logging.WARNING, logger="clerk_orgs_async"):
        await take(budget)
        await take(budget)  # 16 / 8 workers: two per window
        assert await budget.acquire(soon()) is None
    assert len(caplog.records) == 1
    assert "over 8 clients" in caplog.records[0].getMessage()


async def test_a_hung_redis_costs_one_timeout_then_nothing(
    budgets: Budgets, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_redis_store, "TIMEOUT", 0.3)  # 2 s by default
    connections = 0

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await reader.read()  # never answers; returns when the client goes
        writer.close()

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        budget = budgets(f"redis://127.0.0.1:{port}/0", requests=80, per_seconds=30)
        for _ in range(5):
            await take(budget)
        assert not budget.shared
        assert connections == 1  # the later permits did not wait on Redis
        await budget.aclose()
    finally:
        server.close()
        await server.wait_closed()


async def test_a_password_in_the_url_never_shows(
    redis_server: RedisServer, budgets: Budgets, caplog: pytest.LogCaptureFixture
) -> None:
    with redis_server.client() as client:
        client.config_set("requirepass", "the-right-one")
    url = redis_server.url.replace("redis://", "redis://:Pw0rdNeverShown@")
    limit = RedisRateLimit(url, requests=5)
    assert "Pw0rdNeverShown" not in repr(limit)
    budget = budgets(url, requests=5)  # a wrong password: AUTH fails
    with caplog.at_level(logging.WARNING, logger="clerk_orgs_async"):
        await take(budget)
    assert not budget.shared
    assert "Pw0rdNeverShown" not in caplog.text
    assert "redis://:***@127.0.0.1" in caplog.text


async def test_a_closed_client_left_the_budget_and_refuses_new_permits(
    redis_server: RedisServer, budgets: Budgets
) -> None:
    budget = budgets(redis_server.url, requests=5)
    (await take(budget)).release()
    await budget.aclose()
    with redis_server.client() as client:
        assert [k for k in client.scan_iter() if k.endswith(":clients")] == []
    with pytest.raises(ClientClosedError):
        await budget.acquire(None)


async def test_closing_ends_every_waiter_at_once_and_opens_no_connection_after(
    redis_server: RedisServer, budgets: Budgets
) -> None:
    budget = budgets(redis_server.url, requests=1, per_seconds=30)
    (await take(budget)).release()  # the one permit is back in 30 s
    waiters = [asyncio.ensure_future(budget.acquire(None)) for _ in range(5)]
    await asyncio.sleep(0.2)
    await budget.aclose()
    done, pending = await asyncio.wait(waiters, timeout=5)  # a hang is 30 s or more
    assert not pending
    assert all(isinstance(waiter.exception(), ClientClosedError) for waiter in done)
    with redis_server.client() as client:
        assert len(client.client_list()) == 1  # this one: the budget reconnected nowhere


async def test_the_client_takes_a_redis_rate_limit(redis_server: RedisServer) -> None:
    limit = RedisRateLimit(redis_server.url, share=0.5)
    async with ClerkEmulator() as emu, emu.client(rate_limit=limit) as clerk:
        assert clerk.rate_limit is limit
        await clerk.organizations.list(limit=1)
    with redis_server.client() as client:
        (permits,) = [k for k in client.scan_iter() if not k.endswith(":clients")]
        ((_, back),) = client.zrange(permits, 0, -1, withscores=True)
        seconds, micros = client.time()
        # Given back when answered: it comes back one window (10 s) later. The client left.
        assert 9_000 < back - (seconds * 1000 + micros / 1000) <= 10_000
        assert client.zcard(permits + ":clients") == 0


async def test_per_organization_limits_stay_in_each_process(redis_server: RedisServer) -> None:
    limit = RedisRateLimit(redis_server.url, requests=1000)
    route = "/organizations/{organization_id}"
    patch: Call[object] = Call(
        method="PATCH",
        route=route,
        path=build_path(route, {"organization_id": "org_a"}),
        decode=lambda v: v,
    )
    first, second = Pacer(limit, SECRET), Pacer(limit, SECRET)
    try:
        for pacer in (first, second):  # each process has its own 10 writes per 10 s
            for _ in range(10):
                ticket = await pacer.acquire(patch, soon())
                assert ticket is not None
                ticket.release()
        assert await first.acquire(patch, soon()) is None
    finally:
        await first.aclose()
        await second.aclose()
