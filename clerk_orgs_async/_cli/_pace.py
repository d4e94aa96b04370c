"""Bulk invitations at Clerk's per-hour limit: how long they take, and waiting for the budget.

Clerk allows 50 bulk invitation calls an hour. The client's pacer holds each call back until
the budget has room (when pacing is on), and a server that limits as Clerk does answers 429
with ``Retry-After`` (when it is off): either way a call may wait up to one window, so each
gets a deadline one window longer than the client's own rather than failing after a minute.
The limit is read from the client (``ClerkClient.endpoint_limits``), so that the estimate,
the deadline and the pacing can never disagree.
"""

from __future__ import annotations

import math

import attrs

from clerk_orgs_async import RateLimit, RetryPolicy

BULK_ENDPOINT = "POST /organizations/{organization_id}/invitations/bulk"
BULK_CALL_SIZE = 10
"""Invitations per bulk call: ``bulk_create`` sends calls of at most 10, Clerk's maximum."""


def bulk_calls(invitations: int) -> int:
    """How many calls ``bulk_create`` makes for this many invitations."""
    return math.ceil(invitations / BULK_CALL_SIZE)


def waiting(calls: int, limit: RateLimit) -> float:
    """Seconds spent waiting for the budget: the first ``limit.requests`` calls go at once,
    and each further batch when the permits of the one before come back, a window later."""
    return max(0, math.ceil(calls / limit.requests) - 1) * limit.per_seconds


def estimate(invitations: int, limit: RateLimit | None, *, paced: bool) -> str:
    """The line printed before sending, e.g. ``1,200 invitations: 120 bulk calls; at
    Clerk's 50 per hour this takes about 2 h.``"""
    calls = bulk_calls(invitations)
    counted = f"{invitations:,} invitation{'s' * (invitations != 1)}: {calls:,} bulk call"
    counted += "s" * (calls != 1)
    if limit is None:
        return counted + "."
    rate = f"Clerk's {limit.requests:,} per {_window(limit.per_seconds)}"
    wait = waiting(calls, limit)
    if not wait:
        return f"{counted}, within {rate}."
    if paced:
        return f"{counted}; at {rate} this takes about {duration(wait)}."
    return (
        f"{counted}; at {rate} this would take about {duration(wait)} (this server is not"
        " paced: only its own 429s make it wait)."
    )


def patient(policy: RetryPolicy | None, limit: RateLimit | None) -> RetryPolicy | None:
    """The client's retry policy with its deadline one window of ``limit`` longer.

    Without retries (``None``) a call still gets that deadline, for one attempt: waiting for
    the budget is not a retry. Without a deadline it already waits as long as needed.
    """
    if limit is None:
        return policy
    base = RetryPolicy(max_attempts=1) if policy is None else policy
    if base.deadline is None:
        return base
    return attrs.evolve(base, deadline=base.deadline + limit.per_seconds)


def duration(seconds: float) -> str:
    """``2 h``, ``1 h 24 min``, ``5 min``, ``40 s``: rounded to what a person plans by."""
    if math.ceil(seconds) < 60:
        return f"{math.ceil(seconds)} s"
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h" + (f" {minutes} min" if minutes else "")


def _window(seconds: float) -> str:
    if seconds == 3600:
        return "hour"
    return f"{seconds:g} s" if seconds < 60 else duration(seconds)
