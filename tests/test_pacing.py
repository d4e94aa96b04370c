"""The pacing budget and its scopes, over real time but without a server."""

from __future__ import annotations

import asyncio
import random

import pytest

from clerk_orgs_async import APIConnectionError, ClerkClient, RateLimit
from clerk_orgs_async._budget import SlidingPermits
from clerk_orgs_async._pacing import SCOPED_LIMITS, EndpointLimit, Pacer
from clerk_orgs_async._resource import Call, build_path


async def test_no_window_ever_counts_more_than_the_budget_whatever_the_delays() -> None:
    # A server that counts arrivals in a sliding window, behind a network whose delays vary
    # from nothing to far more than the window's own resolution.
    budget = SlidingPermits(10, 0.2)
    loop = asyncio.get_running_loop()
    rng = random.Random(7)
    arrivals: list[float] = []

    async def one() -> None:
        permit = await budget.acquire(None)
        assert permit is not None
        there = rng.uniform(0, 0.05)  # to the server
        back = rng.uniform(0, 0.05)  # and back
        await asyncio.sleep(there)
        arrivals.append(loop.time())
        await asyncio.sleep(back)
        permit.release()

    await asyncio.gather(*(one() for _ in range(60)))
    assert len(arrivals) == 60
    arrivals.sort()
    for i, start in enumerate(arrivals):
        assert len([a for a in arrivals[i:] if a < start + 0.2]) <= 10
    # How much of the budget it uses is a benchmark figure (benchmarks/RESULTS.md), not a test.


async def test_waiters_are_served_first_come_first_served() -> None:
    budget = SlidingPermits(1, 0.01)
    order: list[int] = []

    async def one(n: int) -> None:
        permit = await budget.acquire(None)
        assert permit is not None
        order.append(n)
        permit.release()

    await asyncio.gather(*(one(n) for n in range(8)))
    assert order == list(range(8))


async def test_a_wait_past_the_deadline_is_refused_at_once_holding_nothing() -> None:
    budget = SlidingPermits(2, 3600.0)  # an hourly limit, already spent
    loop = asyncio.get_running_loop()
    for _ in range(2):
        permit = await budget.acquire(None)
        assert permit is not None
        permit.release()
    # Known at once, not found out at the deadline: both permits return in an hour.
    assert await asyncio.wait_for(budget.acquire(loop.time() + 3000), 30) is None
    assert not budget.idle()


async def test_a_cancelled_or_timed_out_waiter_loses_no_permit() -> None:
    budget = SlidingPermits(1, 0.05)
    loop = asyncio.get_running_loop()
    held = await budget.acquire(None)
    assert held is not None
    waiting = asyncio.ensure_future(budget.acquire(None))
    timing_out = asyncio.ensure_future(budget.acquire(loop.time() + 0.01))
    await asyncio.sleep(0)
    waiting.cancel()
    assert await timing_out is None  # the permit is in flight: it waited until its deadline
    held.release()
    await asyncio.sleep(0.08)
    assert budget.idle()
    again = await asyncio.wait_for(budget.acquire(None), 1)
    assert again is not None


async def test_a_cancel_that_comes_as_the_permit_is_handed_over_is_never_lost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # asyncio.wait_for (Python 3.10, 3.11) returned the permit and dropped the cancel when
    # both came in one loop iteration: the cancelled call went on and sent its request.
    budget = SlidingPermits(1, 0.02)
    loop = asyncio.get_running_loop()
    held = await budget.acquire(None)
    assert held is not None
    waiting = asyncio.ensure_future(budget.acquire(loop.time() + 5))
    hand_over = budget._give

    def hand_over_then_cancel() -> None:
        hand_over()
        waiting.cancel()

    monkeypatch.setattr(budget, "_give", hand_over_then_cancel)
    held.release()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert budget.idle()  # the permit the cancelled waiter was handed went back


def call(method: str, route: str, **ids: str) -> Call[object]:
    return Call(method=method, route=route, path=build_path(route, ids), decode=lambda v: v)


async def test_scopes_follow_clerks_per_organization_limits() -> None:
    pacer = Pacer(RateLimit(1000, 10.0), "sk_test_x")
    loop = asyncio.get_running_loop()
    patch = "/organizations/{organization_id}"
    tickets = [
        await pacer.acquire(call("PATCH", patch, organization_id="org_a"), None) for _ in range(10)
    ]
    for ticket in tickets:
        assert ticket is not None
        ticket.release()
    # The 11th write to org_a within 10 s would wait: refused against a short deadline...
    assert (
        await pacer.acquire(call("PATCH", patch, organization_id="org_a"), loop.time() + 1) is None
    )
    # ...while writes to another organization, and reads of org_a, go at once.
    other = await pacer.acquire(call("PATCH", patch, organization_id="org_b"), loop.time() + 1)
    read = await pacer.acquire(call("GET", patch, organization_id="org_a"), loop.time() + 1)
    assert other is not None and read is not None


BULK = "/organizations/{organization_id}/invitations/bulk"


async def test_a_call_that_never_left_gives_its_narrow_permit_back_at_once() -> None:
    # The instance budget is spent for 10 s. Bulk invitation calls refused for their
    # deadline, or cancelled, while waiting for it sent nothing: Clerk's 50 calls an hour
    # must all be left, not held for an hour each.
    pacer = Pacer(RateLimit(1, 10.0), "sk_test_x")
    loop = asyncio.get_running_loop()
    spent = await pacer.acquire(call("GET", "/organizations"), None)
    assert spent is not None
    spent.release()
    bulk = call("POST", BULK, organization_id="org_a")
    for _ in range(3):
        assert await pacer.acquire(bulk, loop.time() + 0.01) is None
    waiting = [asyncio.ensure_future(pacer.acquire(bulk, None)) for _ in range(5)]
    await asyncio.sleep(0.01)
    for task in waiting:
        task.cancel()
    await asyncio.gather(*waiting, return_exceptions=True)
    hourly = pacer._scoped_budget(bulk)
    assert hourly is not None and hourly.idle()


async def test_a_request_that_could_not_connect_gives_its_permit_back_at_once() -> None:
    async with ClerkClient(
        "sk_test_x",
        base_url="http://127.0.0.1:9/v1",  # nothing listens on port 9
        rate_limit=RateLimit(2, 10.0),
        retry=None,
        timeout=2.0,
    ) as clerk:
        for _ in range(5):  # Clerk counted none of them: none waits for the budget
            with pytest.raises(APIConnectionError) as caught:
                await clerk.organizations.get("org_1")
            assert not caught.value.request_sent


def test_the_client_lists_clerks_endpoint_limits_paced_or_not() -> None:
    for rate_limit in (RateLimit(100, 10), None):
        limits = ClerkClient("sk_test_x", rate_limit=rate_limit).endpoint_limits
        assert limits["POST " + BULK] == RateLimit(50, 3600)
        assert limits["POST /organizations/{organization_id}/invitations"] == RateLimit(250, 3600)
        assert limits["PATCH /organizations/{organization_id}"] == RateLimit(10, 10)
        assert len(limits) == len(SCOPED_LIMITS)


async def test_the_listed_endpoint_limit_is_the_one_the_pacer_applies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(
        SCOPED_LIMITS,
        ("POST", BULK),
        EndpointLimit("bulk invitation creates", 2, 30.0, per_resource=False),
    )
    assert ClerkClient("sk_test_x").endpoint_limits["POST " + BULK] == RateLimit(2, 30.0)
    pacer = Pacer(RateLimit(1000, 10.0), "sk_test_x")
    loop = asyncio.get_running_loop()
    for _ in range(2):
        ticket = await pacer.acquire(call("POST", BULK, organization_id="org_a"), None)
        assert ticket is not None
        ticket.release()
    # The third bulk call of the window would wait 30 s: refused against a 1 s deadline.
    third = call("POST", BULK, organization_id="org_b")  # one budget for the instance
    assert await pacer.acquire(third, loop.time() + 1) is None


async def test_without_a_rate_limit_nothing_is_paced() -> None:
    pacer = Pacer(None, "sk_test_x")
    route = "/organizations/{organization_id}"
    for _ in range(50):
        assert await pacer.acquire(call("PATCH", route, organization_id="org_a"), 0.0) is not None


async def test_a_block_holds_back_only_its_endpoint() -> None:
    pacer = Pacer(None, "sk_test_x")
    pacer.block("PATCH /organizations/{organization_id}", 30)
    assert 29 < pacer.blocked_for("PATCH /organizations/{organization_id}") <= 30
    assert pacer.blocked_for("GET /organizations/{organization_id}") == 0
    assert pacer.blocked_for("PATCH /organizations/{organization_id}/metadata") == 0


async def test_a_block_keeps_the_later_end_and_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    # The loop's clock held still (nothing is awaited meanwhile): a machine busy enough to
    # pause this test between two lines must not change what it sees.
    loop = asyncio.get_running_loop()
    now = [loop.time()]
    monkeypatch.setattr(loop, "time", lambda: now[0])
    pacer = Pacer(None, "sk_test_x")
    pacer.block("GET /organizations", 0.02)
    pacer.block("GET /organizations", 0.01)  # an earlier end never shortens a block
    assert pacer.blocked_for("GET /organizations") == pytest.approx(0.02)
    now[0] += 0.03
    assert pacer.blocked_for("GET /organizations") == 0
    monkeypatch.undo()


@pytest.mark.parametrize("requests", [1, 3])
async def test_permits_come_back_a_window_after_the_answer(requests: int) -> None:
    budget = SlidingPermits(requests, 0.05)
    loop = asyncio.get_running_loop()
    permits = [await budget.acquire(None) for _ in range(requests)]
    answered = loop.time()
    for permit in permits:
        assert permit is not None
        permit.release()
        permit.release()  # twice is harmless
    nxt = await budget.acquire(None)
    assert nxt is not None
    assert loop.time() - answered >= 0.045
