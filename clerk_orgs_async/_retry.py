"""Retry policy and the pure decisions of the retry loop (backoff, what may be retried)."""

from __future__ import annotations

import asyncio
import enum
import random
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

import attrs

from . import _rules as rules
from .errors import (
    APIConnectionError,
    APIError,
    ClerkError,
    RateLimitError,
    UnexpectedResponseError,
)

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})

# instant_retries() swaps this for a recorder that returns at once.
sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


@contextmanager
def instant_retries() -> Iterator[list[float]]:
    """Record the waits of retries, backoff and 429 pauses instead of sleeping through them.

    The testing switch of the retry loop (as stamina's ``set_testing``): tests of code that
    retries stay fast and deterministic. Also importable from ``clerk_orgs_async.testing``.

    Returns:
        A context manager whose value is the list of the waits, in seconds, in order.

    Example:
        ```python
        with instant_retries() as waits:
            emu.faults.status(429, retry_after=30)
            await clerk.organizations.get("acme")   # returns at once

        assert waits[0] == 30
        ```
    """
    global sleep
    waits: list[float] = []
    original = sleep

    async def record(delay: float) -> None:
        waits.append(delay)

    sleep = record
    try:
        yield waits
    finally:
        sleep = original


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How a call is retried: exponential backoff with full jitter, attempts and a deadline.

    The n-th retry waits a random time in ``[0, min(max_delay, initial_delay *
    multiplier ** (n - 1))]`` (the whole cap when ``jitter`` is False), or what Clerk's
    ``Retry-After`` asks. ``max_attempts`` counts the first try. No retry starts, and no wait
    runs, past ``deadline`` seconds from the call's start.
    """

    max_attempts: int = attrs.field(default=4, validator=rules.whole_number(1))
    initial_delay: float = attrs.field(default=0.5, validator=rules.seconds())
    max_delay: float = attrs.field(default=8.0, validator=rules.seconds())
    multiplier: float = attrs.field(default=2.0, validator=rules.seconds(minimum=1))
    jitter: bool = attrs.field(default=True, validator=rules.boolean_setting)
    deadline: float | None = attrs.field(
        default=60.0, validator=rules.seconds(above=True, optional=True)
    )

    def backoff(self, retry: int, rng: Callable[[], float] = random.random) -> float:
        """The wait before retry number ``retry`` (1 for the first retry)."""
        cap = min(self.max_delay, self.initial_delay * self.multiplier ** (retry - 1))
        return cap * rng() if self.jitter else cap


@attrs.frozen(kw_only=True)
class RetryEvent:
    """Passed to the ``on_retry`` hook before each retry, for metrics."""

    method: str
    path: str
    attempt: int
    """The attempt that failed (1 for the first try)."""
    delay: float
    status: int | None
    error: ClerkError
    clerk_trace_id: str | None


class Recovery(enum.Enum):
    """What a POST's lookup after an ambiguous failure found, when not the created object."""

    NOT_APPLIED = "not applied"
    """This call created nothing: the POST is safe to retry."""
    UNKNOWN = "unknown"
    """Cannot tell: raise rather than risk a duplicate."""


class Failure(enum.Enum):
    """The kinds of failure the retry loop tells apart."""

    RATE_LIMITED = "429"
    UNAVAILABLE = "500, 502, 503, 504"
    FAILED = "any other 5xx"
    REFUSED = "any other error status"
    NOT_SENT = "connecting failed: the request never left"
    LOST = "timeout or dropped connection after sending"
    UNREADABLE = "a success status with a body that cannot be read"


@attrs.frozen
class Rule:
    """How the retry loop treats one kind of failure."""

    retryable: bool
    """Worth another attempt (after a lookup, for a POST whose outcome is unknown)."""
    outcome_unknown: bool
    """The server may have acted on the request although it failed."""
    honours_retry_after: bool
    """A ``Retry-After`` header sets the least wait before the next attempt."""


RULES: dict[Failure, Rule] = {
    # Clerk refuses a 429 before processing: nothing was applied.
    Failure.RATE_LIMITED: Rule(retryable=True, outcome_unknown=False, honours_retry_after=True),
    # A 5xx may come after the work was done (a proxy timing out, a crash after commit).
    Failure.UNAVAILABLE: Rule(retryable=True, outcome_unknown=True, honours_retry_after=True),
    # Not worth repeating, but the server may have failed after doing the work.
    Failure.FAILED: Rule(retryable=False, outcome_unknown=True, honours_retry_after=False),
    Failure.REFUSED: Rule(retryable=False, outcome_unknown=False, honours_retry_after=False),
    Failure.NOT_SENT: Rule(retryable=True, outcome_unknown=False, honours_retry_after=False),
    Failure.LOST: Rule(retryable=True, outcome_unknown=True, honours_retry_after=False),
    # The server answered success: the write was applied, only its answer is unreadable.
    Failure.UNREADABLE: Rule(retryable=False, outcome_unknown=False, honours_retry_after=False),
}
"""The one table the loop decides from: "retryable" and "may have been applied" live together."""


def classify(error: ClerkError) -> Failure:
    """The kind of failure an error stands for."""
    if isinstance(error, RateLimitError):
        return Failure.RATE_LIMITED
    if isinstance(error, UnexpectedResponseError):
        return Failure.UNREADABLE
    if isinstance(error, APIError):
        if error.status in RETRYABLE_STATUSES:
            return Failure.UNAVAILABLE
        return Failure.FAILED if error.status >= 500 else Failure.REFUSED
    if isinstance(error, APIConnectionError):
        return Failure.LOST if error.request_sent else Failure.NOT_SENT
    return Failure.REFUSED


@attrs.frozen
class Decision:
    """What the loop does after a failed attempt."""

    look_up: bool
    """Find out first whether this POST created its object (then return it, not a failure)."""
    retry: bool
    delay: float = 0.0
    """Seconds to wait before the next attempt."""


def decide(
    failure: Failure,
    *,
    method: str,
    attempt: int,
    policy: RetryPolicy | None,
    retry_after: float | None = None,
    time_left: float | None = None,
    can_look_up: bool = False,
    looked_up: bool = False,
    backoff: float | None = None,
) -> Decision:
    """The next step after attempt number ``attempt`` failed with ``failure``.

    A POST whose outcome is unknown is never retried blindly: it is looked up first (and
    raises when it cannot be). A POST that answered success unreadably, or that is refused
    after a lookup found nothing (its first attempt may have committed late), is looked up
    too. Every retry waits at least the policy's backoff, and at least ``Retry-After`` where
    the rule honours it, so a zero or past ``Retry-After`` never makes a tight loop. No retry
    is decided when its wait would outlast ``time_left``, the call's deadline.

    Args:
        can_look_up: a lookup exists for this request.
        looked_up: an earlier lookup of this call found nothing.
        backoff: the policy's wait for this retry, when already drawn (tests pin it).
    """
    rule = RULES[failure]
    post = method == "POST"
    look_up = (
        post
        and can_look_up
        and (
            rule.outcome_unknown
            or failure is Failure.UNREADABLE
            or (looked_up and failure is Failure.REFUSED)
        )
    )
    blind = post and rule.outcome_unknown and not can_look_up
    if policy is None or blind or not rule.retryable or attempt >= policy.max_attempts:
        return Decision(look_up=look_up, retry=False)
    delay = policy.backoff(attempt) if backoff is None else backoff
    if rule.honours_retry_after and retry_after is not None:
        delay = max(delay, retry_after)
    if time_left is not None and delay > time_left:
        return Decision(look_up=look_up, retry=False)
    return Decision(look_up=look_up, retry=True, delay=delay)
