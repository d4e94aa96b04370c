"""Retry policy and the pure decisions of the retry loop (backoff, what may be retried)."""

from __future__ import annotations

import asyncio
import enum
import random
from collections.abc import Awaitable, Callable
from typing import Any

import attrs

from .errors import APIConnectionError, APIError, ClerkError, RateLimitError, ServerError

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})

# Tests swap this for a recorder that returns at once (see clerk_orgs_async.testing).
sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


def _at_least(minimum: float) -> Callable[[object, attrs.Attribute[Any], float], None]:
    def check(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
        if value < minimum:
            raise ValueError(f"{attribute.name} must be >= {minimum}, got {value!r}")

    return check


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How a call is retried: exponential backoff with full jitter, attempts and a deadline.

    The n-th retry waits a random time in ``[0, min(max_delay, initial_delay *
    multiplier ** (n - 1))]`` (the whole cap when ``jitter`` is False), or what Clerk's
    ``Retry-After`` asks. ``max_attempts`` counts the first try. No retry starts, and no wait
    runs, past ``deadline`` seconds from the call's start.
    """

    max_attempts: int = attrs.field(default=4, validator=_at_least(1))
    initial_delay: float = attrs.field(default=0.5, validator=_at_least(0))
    max_delay: float = attrs.field(default=8.0, validator=_at_least(0))
    multiplier: float = attrs.field(default=2.0, validator=_at_least(1))
    jitter: bool = True
    deadline: float | None = 60.0

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
    """Nothing was created: the POST is safe to retry."""
    UNKNOWN = "unknown"
    """Cannot tell: raise rather than risk a duplicate."""


def is_retryable(error: ClerkError) -> bool:
    """Transient failures: 429, 500, 502, 503, 504, connection errors and timeouts."""
    if isinstance(error, APIError):
        return error.status in RETRYABLE_STATUSES
    return isinstance(error, APIConnectionError)


def outcome_unknown(error: ClerkError) -> bool:
    """True when the server may have acted on the request although the call failed.

    A 429 was refused before processing and a failed connect never reached the server;
    a timeout, a dropped connection or a 5xx may come after the work was done.
    """
    if isinstance(error, RateLimitError):
        return False
    if isinstance(error, APIConnectionError):
        return error.request_sent
    return isinstance(error, ServerError)
