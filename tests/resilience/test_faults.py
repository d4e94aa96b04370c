"""Retries and safe writes end to end, against the emulator's fault injection."""

from __future__ import annotations

import asyncio

import pytest

from clerk_orgs_async import (
    APIConnectionError,
    APITimeoutError,
    ClerkClient,
    ClerkError,
    ClientClosedError,
    NotFoundError,
    RateLimit,
    RetryPolicy,
    ServerError,
    UnprocessableEntityError,
)
from clerk_orgs_async.testing import ClerkEmulator
from tests._wait import until

ORGS = "/v1/organizations"


def org_count(emu: ClerkEmulator, name: str) -> int:
    return sum(1 for org in emu.state.organizations.values() if org.name == name)


async def test_429_then_success_honours_retry_after(
    emu: ClerkEmulator, clerk: ClerkClient, sleeps: list[float]
) -> None:
    emu.faults.status(429, retry_after=1, method="GET")
    org = await clerk.organizations.create(name="Acme", slug="acme", created_by="user_owner")

    found = await clerk.organizations.get("acme")

    assert found.id == org.id
    assert sleeps[0] == 1.0
    assert emu.stats.statuses[429] == 1


async def test_two_503s_then_success(
    emu: ClerkEmulator, clerk: ClerkClient, sleeps: list[float]
) -> None:
    await clerk.organizations.create(name="Acme", slug="acme")
    emu.faults.status(503, times=2, method="GET")

    await clerk.organizations.get("acme")

    assert sleeps == [0.5, 1.0]
    assert emu.stats.statuses[503] == 2


async def test_five_502s_exhaust_the_attempts(
    emu: ClerkEmulator, clerk: ClerkClient, sleeps: list[float]
) -> None:
    emu.faults.status(502, times=5, method="GET")
    with pytest.raises(ServerError) as caught:
        await clerk.organizations.get("acme")
    assert caught.value.attempts == 4
    assert "<html" in caught.value.body.lower()
    assert emu.faults.pending == 1


async def test_client_errors_are_not_retried(
    emu: ClerkEmulator, clerk: ClerkClient, sleeps: list[float]
) -> None:
    await clerk.organizations.create(name="Acme", slug="acme")
    before = emu.stats.requests
    with pytest.raises(NotFoundError):
        await clerk.organizations.get("nope")
    with pytest.raises(UnprocessableEntityError):
        await clerk.organizations.create(name="Again", slug="acme")
    assert emu.stats.requests - before == 2
    assert sleeps == []


@pytest.mark.parametrize("fault", ["drop", "500", "hang"])
async def test_create_lost_after_apply_returns_the_one_created(
    emu: ClerkEmulator, clerk: ClerkClient, fault: str
) -> None:
    if fault == "drop":
        emu.faults.drop(method="POST", path=ORGS, after_apply=True)
    elif fault == "500":
        emu.faults.status(500, method="POST", path=ORGS, after_apply=True)
    else:
        emu.faults.hang(5, method="POST", path=ORGS, after_apply=True)

    org = await clerk.organizations.create(name="Acme", slug="acme", created_by="user_owner")

    assert org_count(emu, "Acme") == 1
    assert org.slug == "acme"
    assert emu.stats.faults  # the fault really happened


async def test_create_without_slug_raises_instead_of_duplicating(
    emu: ClerkEmulator, clerk: ClerkClient
) -> None:
    emu.faults.drop(method="POST", path=ORGS, after_apply=True)

    with pytest.raises(APIConnectionError) as caught:
        await clerk.organizations.create(name="Acme", created_by="user_owner")

    assert caught.value.outcome_unknown is True
    assert org_count(emu, "Acme") == 1


async def test_create_that_never_landed_is_retried(emu: ClerkEmulator, clerk: ClerkClient) -> None:
    emu.faults.status(500, method="POST", path=ORGS)  # before apply: nothing created

    org = await clerk.organizations.create(name="Acme", slug="acme")

    assert org_count(emu, "Acme") == 1
    assert org.slug == "acme"


async def test_membership_create_lost_after_apply(emu: ClerkEmulator, clerk: ClerkClient) -> None:
    org = await clerk.organizations.create(name="Acme", slug="acme", created_by="user_owner")
    emu.faults.drop(method="POST", path=f"{ORGS}/{org.id}/memberships", after_apply=True)

    member = await clerk.organization_memberships.create(
        org.id, user_id="user_1", role="org:member"
    )

    assert member.role == "org:member"
    page = await clerk.organization_memberships.list(org.id, user_id="user_1")
    assert page.total_count == 1
    assert (await clerk.organizations.get(org.id, include_members_count=True)).members_count == 2


async def test_delete_lost_after_apply_is_reported_done(
    emu: ClerkEmulator, clerk: ClerkClient
) -> None:
    org = await clerk.organizations.create(name="Acme", slug="acme")
    emu.faults.drop(method="DELETE", after_apply=True)

    deleted = await clerk.organizations.delete(org.id)

    assert deleted.deleted is True
    assert org.id not in emu.state.organizations


async def test_hang_times_out_then_succeeds(
    emu: ClerkEmulator, clerk: ClerkClient, sleeps: list[float]
) -> None:
    await clerk.organizations.create(name="Acme", slug="acme")
    emu.faults.hang(5, method="GET")

    # The retry must answer within the timeout: a second, not 0.2 s, on a loaded machine.
    org = await clerk.organizations.get("acme", timeout=1.0)

    assert org.slug == "acme"
    assert len(sleeps) == 1


async def test_hang_past_every_attempt_raises_timeout(
    emu: ClerkEmulator, clerk: ClerkClient
) -> None:
    emu.faults.hang(5, times=2, method="GET")
    with pytest.raises(APITimeoutError) as caught:
        await clerk.organizations.get("acme", timeout=0.1, retry=RetryPolicy(max_attempts=2))
    assert caught.value.attempts == 2


async def test_cancel_mid_request_leaves_nothing_behind(emu: ClerkEmulator) -> None:
    emu.faults.hang(5, method="GET")
    async with emu.client(max_connections=1) as clerk:
        task = asyncio.create_task(clerk.organizations.get("acme"))
        while emu.stats.requests == 0:
            await asyncio.sleep(0.005)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        with pytest.raises(NotFoundError):  # the pool's one connection is free again
            await asyncio.wait_for(clerk.organizations.get("acme"), 30)  # not a hang
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert not [t for t in others if "clerk" in repr(t.get_coro())]


async def test_close_during_flight_fails_clearly(emu: ClerkEmulator) -> None:
    emu.faults.hang(5, times=5, method="GET")
    clerk = emu.client()
    tasks = [asyncio.create_task(clerk.organizations.get(f"org_{i}")) for i in range(5)]
    while emu.stats.requests < 5:
        await asyncio.sleep(0.005)
    await clerk.aclose()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(result, ClientClosedError) for result in results)


async def test_close_ends_every_call_at_once_wherever_it_waits(emu: ClerkEmulator) -> None:
    # Calls in flight, waiting for a pooled connection, for a pacing permit (the budget is
    # spent for 10 s), and sleeping out a 429's Retry-After of 30 s: aclose() ends them all.
    emu.faults.hang(5, times=1000, method="GET")
    emu.faults.status(429, retry_after=30, times=1, method="POST")
    clerk = emu.client(rate_limit=RateLimit(6, 10.0), max_connections=2)
    create = asyncio.create_task(clerk.organizations.create(name="Acme"))
    while emu.stats.requests < 1:
        await asyncio.sleep(0.005)
    gets = [asyncio.create_task(clerk.organizations.get(f"org_{i}")) for i in range(300)]
    while emu.stats.requests < 3:  # two in flight on the pool's two connections
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.05)
    await clerk.aclose()
    done, pending = await asyncio.wait([create, *gets], timeout=5)  # a hang is 10 s or more
    assert not pending
    errors = [task.exception() for task in done]
    assert all(isinstance(error, ClientClosedError) for error in errors), {
        type(error).__name__ for error in errors
    }
    assert emu.stats.requests == 3  # and nothing was sent after the close


@pytest.mark.parametrize("rate_limit", [None, RateLimit(100, 10.0)])
async def test_a_write_in_flight_when_the_client_closes_may_have_been_applied(
    emu: ClerkEmulator, rate_limit: RateLimit | None
) -> None:
    clerk = emu.client(rate_limit=rate_limit, retry=RetryPolicy(initial_delay=30, jitter=False))
    org = await clerk.organizations.create(name="Acme")
    emu.faults.hang(30, method="POST", after_apply=True)
    emu.faults.status(503, method="PATCH", after_apply=True)
    emu.faults.hang(30, method="GET")
    create = asyncio.create_task(clerk.organizations.create(name="Beta"))
    update = asyncio.create_task(clerk.organizations.update(org.id, name="Acme 2"))
    read = asyncio.create_task(clerk.organizations.get(org.id))
    # Beta exists, its answer is pending; the new name landed, the update waits to retry.
    await until(
        lambda: org_count(emu, "Beta") == 1 and emu.state.organizations[org.id].name == "Acme 2"
    )
    await until(lambda: emu.stats.requests == 4)
    await clerk.aclose()
    errors = await asyncio.gather(create, update, read, return_exceptions=True)
    assert all(isinstance(error, ClientClosedError) for error in errors), errors
    created, updated, read_error = errors
    assert isinstance(created, ClerkError) and created.outcome_unknown and created.attempts == 1
    assert isinstance(updated, ClerkError) and updated.outcome_unknown and updated.attempts == 1
    assert isinstance(read_error, ClerkError) and not read_error.outcome_unknown  # a read


async def test_many_tasks_under_the_emulator_rate_limit(sleeps: list[float]) -> None:
    # The rate achieved is measured by benchmarks/; here: everything succeeds, few 429s.
    emu = ClerkEmulator(rate_limit=(100, 1.0))
    async with emu, emu.client(rate_limit=RateLimit(100, 1.0)) as clerk:
        org = await clerk.organizations.create(name="Acme", slug="acme")
        results = await asyncio.gather(*(clerk.organizations.get(org.id) for _ in range(150)))
    assert len(results) == 150
    # Paced on the answers, the client never sends more than Clerk counts, whatever the load.
    assert emu.stats.faults["rate_limit"] == 0


async def test_instant_retries_restores_real_sleeps(emu: ClerkEmulator) -> None:
    from clerk_orgs_async import _retry
    from clerk_orgs_async.testing import instant_retries

    real = _retry.sleep
    async with emu.client() as clerk:
        await clerk.organizations.create(name="Acme", slug="acme")
        with instant_retries() as waits:
            emu.faults.status(429, retry_after=30, method="GET")
            await clerk.organizations.get("acme")
        assert waits[0] == 30
    assert _retry.sleep is real
