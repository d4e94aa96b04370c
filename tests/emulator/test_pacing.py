"""Rate limiting like Clerk's and added latency."""

from __future__ import annotations

import random
import time

import pytest

from clerk_orgs_async.testing import ClerkEmulator
from clerk_orgs_async.testing._pacing import RateLimiter, latency_seconds

from ._support import Api


@pytest.mark.clerk_emulator(rate_limit=(3, 60.0))
async def test_requests_past_the_budget_get_429(api: Api, clerk_emulator: ClerkEmulator) -> None:
    statuses = [(await api.call("GET", "/organizations")).status for _ in range(3)]
    limited = await api.call("GET", "/organizations")
    assert statuses == [200, 200, 200]
    assert (limited.status, limited.error_code()) == (429, "too_many_requests")
    assert 59 <= int(limited.headers["Retry-After"]) <= 60
    assert clerk_emulator.stats.faults["rate_limit"] == 1
    assert clerk_emulator.requests[-1].fault == "rate_limit"


def test_the_window_slides() -> None:
    now = [0.0]
    limiter = RateLimiter(2, 10.0, clock=lambda: now[0])
    assert limiter.admit() is None
    now[0] = 4.0
    assert limiter.admit() is None
    assert limiter.admit() == 6  # the first request leaves the window at t=10
    now[0] = 10.0
    assert limiter.admit() is None
    assert limiter.admit() == 4


def test_a_rate_limit_needs_a_budget() -> None:
    with pytest.raises(ValueError, match="rate limit"):
        RateLimiter(0, 10.0)


@pytest.mark.clerk_emulator(latency=0.1)
async def test_fixed_latency_delays_each_request(api: Api) -> None:
    start = time.monotonic()
    await api.call("GET", "/organizations")
    await api.call("GET", "/organizations")
    assert time.monotonic() - start >= 0.2


def test_jittered_latency_stays_in_its_bounds() -> None:
    rng = random.Random(1)
    delays = [latency_seconds((0.01, 0.03), rng) for _ in range(200)]
    assert all(0.01 <= d <= 0.03 for d in delays)
    assert max(delays) - min(delays) > 0.01
    assert latency_seconds(0.5, rng) == 0.5


@pytest.mark.clerk_emulator(rate_limit=(2, 60.0))
async def test_a_caller_with_a_wrong_key_neither_spends_nor_sees_the_budget(
    api: Api, clerk_emulator: ClerkEmulator
) -> None:
    wrong = [(await api.call("GET", "/organizations", key="sk_test_no")).status for _ in range(5)]
    assert wrong == [401] * 5
    right = [(await api.call("GET", "/organizations")).status for _ in range(3)]
    assert right == [200, 200, 429]
    # Once the budget is spent, a wrong key still gets 401, never the real caller's 429.
    assert (await api.call("GET", "/organizations", key="sk_test_no")).status == 401
    assert clerk_emulator.stats.faults["rate_limit"] == 1
