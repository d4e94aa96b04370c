"""Backoff maths and retry classification."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st
from yarl import URL

from clerk_orgs_async import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    NotFoundError,
    RateLimit,
    RateLimitError,
    RetryPolicy,
    ServerError,
    _retry,
)
from clerk_orgs_async._pacing import Pacer, resolve


def test_default_policy() -> None:
    policy = RetryPolicy()
    assert (policy.max_attempts, policy.initial_delay, policy.max_delay) == (4, 0.5, 8.0)
    assert (policy.multiplier, policy.jitter, policy.deadline) == (2.0, True, 60.0)


def test_backoff_without_jitter_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(jitter=False)
    assert [policy.backoff(n) for n in range(1, 8)] == [0.5, 1, 2, 4, 8, 8, 8]


@given(st.integers(1, 50), st.floats(0, 1, exclude_max=True))
def test_full_jitter_stays_within_the_cap(retry: int, draw: float) -> None:
    policy = RetryPolicy()
    cap = min(8.0, 0.5 * 2 ** (retry - 1))
    assert 0 <= policy.backoff(retry, lambda: draw) <= cap


@pytest.mark.parametrize(
    "options", [{"max_attempts": 0}, {"initial_delay": -1}, {"multiplier": 0.5}]
)
def test_bad_policies_are_refused(options: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=">="):
        RetryPolicy(**options)  # type: ignore[arg-type]


def test_what_is_retryable_and_what_is_ambiguous() -> None:
    cases = {
        "429": RateLimitError(429),
        "503": ServerError(503),
        "501": ServerError(501),
        "400": BadRequestError(400),
        "404": NotFoundError(404),
        "refused": APIConnectionError("x", request_sent=False),
        "reset": APIConnectionError("x"),
        "timeout": APITimeoutError("x"),
    }
    retryable = {name for name, error in cases.items() if _retry.is_retryable(error)}
    ambiguous = {name for name, error in cases.items() if _retry.outcome_unknown(error)}
    assert retryable == {"429", "503", "refused", "reset", "timeout"}
    assert ambiguous == {"503", "501", "reset", "timeout"}


@pytest.mark.parametrize(
    ("key", "url", "expected"),
    [
        ("sk_test_x", "https://api.clerk.com/v1", RateLimit(100, 10.0)),
        ("sk_live_x", "https://api.clerk.com/v1", RateLimit(1000, 10.0)),
        ("sk_live_x", "http://127.0.0.1:8787/v1", None),
        ("sk_test_x", "https://proxy.example.com/v1", None),
    ],
)
def test_auto_rate_limit(key: str, url: str, expected: RateLimit | None) -> None:
    assert resolve("auto", key, URL(url)) == expected
    assert resolve(None, key, URL(url)) is None
    assert resolve(RateLimit(5, 1), key, URL(url)) == RateLimit(5, 1)


async def test_pacer_never_exceeds_the_budget_in_any_window() -> None:
    pacer = Pacer(RateLimit(20, 0.2))
    loop = asyncio.get_running_loop()
    stamps: list[float] = []

    async def one() -> None:
        await pacer.acquire()
        stamps.append(loop.time())

    await asyncio.gather(*(one() for _ in range(60)))
    stamps.sort()
    for i, start in enumerate(stamps):
        in_window = [s for s in stamps[i:] if s < start + 0.2]
        assert len(in_window) <= 20 + 1  # one of slack for the timer's resolution


async def test_pause_holds_every_task_back() -> None:
    pacer = Pacer(None)
    loop = asyncio.get_running_loop()
    pacer.pause(0.05)
    start = loop.time()
    await asyncio.gather(pacer.acquire(), pacer.acquire())
    assert loop.time() - start >= 0.045
