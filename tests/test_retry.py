"""Backoff maths and retry classification."""

from __future__ import annotations

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
    UnexpectedResponseError,
    UnprocessableEntityError,
    _retry,
)
from clerk_orgs_async._limits import resolve


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
    rules = {name: _retry.RULES[_retry.classify(error)] for name, error in cases.items()}
    retryable = {name for name, rule in rules.items() if rule.retryable}
    ambiguous = {name for name, rule in rules.items() if rule.outcome_unknown}
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


def test_the_table_keeps_retryable_and_maybe_applied_together() -> None:
    # Every failure kind has one row; "retry a POST blindly" never meets "may be applied".
    from clerk_orgs_async._retry import RULES, Failure

    assert set(RULES) == set(Failure)
    for failure, rule in RULES.items():
        decision = _retry.decide(failure, method="POST", attempt=1, policy=RetryPolicy())
        assert not (decision.retry and rule.outcome_unknown), failure


@pytest.mark.parametrize(
    ("error", "retry", "look_up"),
    [
        (RateLimitError(429), True, False),
        (ServerError(503), False, False),  # unknown outcome, nothing to look up: never blind
        (APITimeoutError("t"), False, False),
        (APIConnectionError("refused", request_sent=False), True, False),
        (BadRequestError(400), False, False),
        (ServerError(501), False, False),
    ],
)
def test_a_post_without_a_lookup(error: Exception, retry: bool, look_up: bool) -> None:
    failure = _retry.classify(error)  # type: ignore[arg-type]
    decision = _retry.decide(failure, method="POST", attempt=1, policy=RetryPolicy())
    assert (decision.retry, decision.look_up) == (retry, look_up)


@pytest.mark.parametrize(
    ("error", "looked_up", "retry", "look_up"),
    [
        (ServerError(503), False, True, True),
        (APITimeoutError("t"), False, True, True),
        (RateLimitError(429), False, True, False),
        # A refusal after a lookup found nothing may be the first attempt's late commit.
        (UnprocessableEntityError(422), True, False, True),
        (UnprocessableEntityError(422), False, False, False),
        (UnexpectedResponseError(200), False, False, True),
    ],
)
def test_a_post_with_a_lookup(
    error: Exception, looked_up: bool, retry: bool, look_up: bool
) -> None:
    failure = _retry.classify(error)  # type: ignore[arg-type]
    decision = _retry.decide(
        failure,
        method="POST",
        attempt=1,
        policy=RetryPolicy(),
        can_look_up=True,
        looked_up=looked_up,
    )
    assert (decision.retry, decision.look_up) == (retry, look_up)


def test_idempotent_methods_retry_every_transient_failure() -> None:
    for error in (
        RateLimitError(429),
        ServerError(502),
        APITimeoutError("t"),
        APIConnectionError("x"),
    ):
        for method in ("GET", "PUT", "PATCH", "DELETE"):
            decision = _retry.decide(
                _retry.classify(error), method=method, attempt=1, policy=RetryPolicy()
            )
            assert decision.retry and not decision.look_up


@pytest.mark.parametrize("retry_after", [0.0, None])
def test_a_zero_or_missing_retry_after_still_backs_off(retry_after: float | None) -> None:
    policy = RetryPolicy(jitter=False, initial_delay=0.5)
    decision = _retry.decide(
        _retry.Failure.RATE_LIMITED,
        method="GET",
        attempt=2,
        policy=policy,
        retry_after=retry_after,
    )
    assert decision.retry and decision.delay == 1.0  # the policy's second backoff


def test_retry_after_sets_the_least_wait_and_the_deadline_wins() -> None:
    policy = RetryPolicy(jitter=False)
    decide = _retry.decide
    rate_limited = _retry.Failure.RATE_LIMITED
    assert decide(rate_limited, method="GET", attempt=1, policy=policy, retry_after=30).delay == 30
    late = decide(rate_limited, method="GET", attempt=1, policy=policy, retry_after=30, time_left=5)
    assert not late.retry
    spent = decide(rate_limited, method="GET", attempt=4, policy=policy, retry_after=0)
    assert not spent.retry  # max_attempts counts the first try
    assert not decide(rate_limited, method="GET", attempt=1, policy=None).retry
