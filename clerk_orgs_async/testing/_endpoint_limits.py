"""Clerk's per-endpoint rate limits, on top of the instance's budget.

Clerk documents a few endpoints with their own limit ("Rate limits" in its docs): invitation
creates per hour, and updates per organization or per membership every 10 seconds. Past one,
Clerk answers 429 with ``Retry-After`` and blocks only that endpoint (for that organization or
membership); every other request goes on. The organization's three update routes share one
budget per organization and the membership's two share one per membership, as Clerk's table
lists each group as one limit.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping

import attrs
from aiohttp import web

from clerk_orgs_async.testing._errors import ClerkAPIError
from clerk_orgs_async.testing._pacing import RateLimiter

_ORG = "/v1/organizations/{organization_id}"
_MEMBER = _ORG + "/memberships/{user_id}"
_PRUNE_AT = 1024


@attrs.frozen(kw_only=True)
class EndpointLimit:
    """One documented limit: the routes it covers and what scopes its budget.

    Attributes:
        routes: ``(method, route template)`` pairs sharing the budget.
        requests: requests allowed per window.
        per_seconds: the window.
        scope: path parameters that give each resource its own budget (none: the endpoint's).
    """

    routes: frozenset[tuple[str, str]]
    requests: int
    per_seconds: float
    scope: tuple[str, ...] = ()


CLERK_ENDPOINT_LIMITS: Mapping[str, EndpointLimit] = {
    "create_invitation": EndpointLimit(
        routes=frozenset({("POST", _ORG + "/invitations")}), requests=250, per_seconds=3600
    ),
    "create_invitations_bulk": EndpointLimit(
        routes=frozenset({("POST", _ORG + "/invitations/bulk")}), requests=50, per_seconds=3600
    ),
    "update_organization": EndpointLimit(
        routes=frozenset(
            {("PATCH", _ORG), ("PATCH", _ORG + "/metadata"), ("PUT", _ORG + "/metadata")}
        ),
        requests=10,
        per_seconds=10,
        scope=("organization_id",),
    ),
    "update_membership": EndpointLimit(
        routes=frozenset({("PATCH", _MEMBER), ("PATCH", _MEMBER + "/metadata")}),
        requests=10,
        per_seconds=10,
        scope=("organization_id", "user_id"),
    ),
}
"""Clerk's documented per-endpoint limits, by the name ``endpoint_limits=`` tunes them with."""


def resolve(tuning: Mapping[str, tuple[int, float]]) -> dict[str, EndpointLimit]:
    """Clerk's limits with some retuned as ``{name: (requests, per_seconds)}``."""
    unknown = set(tuning) - set(CLERK_ENDPOINT_LIMITS)
    if unknown:
        raise ValueError(
            f"unknown endpoint limit {sorted(unknown)}: use one of "
            + ", ".join(sorted(CLERK_ENDPOINT_LIMITS))
        )
    limits = dict(CLERK_ENDPOINT_LIMITS)
    for name, (requests, per_seconds) in tuning.items():
        if requests < 1 or per_seconds <= 0:
            raise ValueError(f"endpoint limit {name!r} needs at least 1 request per a window")
        limits[name] = attrs.evolve(limits[name], requests=requests, per_seconds=per_seconds)
    return limits


class EndpointLimiter:
    """Admits requests per endpoint limit and resource, with a sliding window each."""

    def __init__(
        self,
        limits: Mapping[str, EndpointLimit],
        stats: Counter[str],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._by_route = {route: name for name, limit in limits.items() for route in limit.routes}
        self._limits = dict(limits)
        self._faults = stats
        self._clock = clock
        self._windows: dict[tuple[str, ...], RateLimiter] = {}

    def admit(self, method: str, route: str, params: Mapping[str, str]) -> int | None:
        """Count a request; ``None`` if it may go on, else the ``Retry-After`` in seconds."""
        name = self._by_route.get((method, route))
        if name is None:
            return None
        limit = self._limits[name]
        key = (name, *(params.get(p, "") for p in limit.scope))
        window = self._windows.get(key)
        if window is None:
            if len(self._windows) >= _PRUNE_AT:
                # Per-organization windows would pile up over a large sync; drop idle ones.
                self._windows = {k: w for k, w in self._windows.items() if not w.idle()}
            window = RateLimiter(limit.requests, limit.per_seconds, clock=self._clock)
            self._windows[key] = window
        retry_after = window.admit()
        if retry_after is not None:
            self._faults["endpoint_limit"] += 1
        return retry_after


ENDPOINT_LIMITER = web.AppKey("endpoint_limiter", EndpointLimiter)


@web.middleware
async def endpoint_limits(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Answer 429 with ``Retry-After`` when the request's endpoint is past its limit."""
    limiter = request.app.get(ENDPOINT_LIMITER)
    resource = request.match_info.route.resource
    if limiter is not None and resource is not None:
        retry_after = limiter.admit(request.method, resource.canonical, request.match_info)
        if retry_after is not None:
            raise ClerkAPIError(
                429,
                "too_many_requests",
                "Too many requests, please try again later.",
                "Too many requests to this endpoint, please try again later.",
                headers={"Retry-After": str(retry_after)},
            )
    return await handler(request)
