"""Client-side pacing, scoped as Clerk limits, and per-endpoint blocks after a 429.

Clerk limits requests per instance (every process using the secret key), and some endpoints
further per organization, per membership or per hour (``RATE-LIMITS.md``). A request waits
for its narrow scope first (so one busy organization holds back only its own writes), then
for the instance budget. After a 429 Clerk blocks **that endpoint** for the ``Retry-After`` it
gives, so a 429 holds back only calls to the same method and route template.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ._budget import InstanceBudget, Releasable, SlidingPermits
from ._limits import Limit, RateLimit

if TYPE_CHECKING:
    from ._resource import Call

_ORGANIZATION = "/organizations/{organization_id}"
_MEMBERSHIP = _ORGANIZATION + "/memberships/{user_id}"


@attrs.frozen
class EndpointLimit:
    """One of Clerk's per-endpoint limits: ``requests`` per ``per_seconds`` in ``scope``."""

    scope: str
    """The budget's name; endpoints naming the same scope share it."""
    requests: int
    per_seconds: float
    per_resource: bool
    """One budget per organization or membership (the path's IDs), not one per instance."""


_ORG_WRITES = EndpointLimit("organization writes", 10, 10.0, per_resource=True)
_MEMBER_WRITES = EndpointLimit("membership writes", 10, 10.0, per_resource=True)
SCOPED_LIMITS: dict[tuple[str, str], EndpointLimit] = {
    ("PATCH", _ORGANIZATION): _ORG_WRITES,
    ("PATCH", _ORGANIZATION + "/metadata"): _ORG_WRITES,
    ("PUT", _ORGANIZATION + "/metadata"): _ORG_WRITES,
    ("PATCH", _MEMBERSHIP): _MEMBER_WRITES,
    ("PATCH", _MEMBERSHIP + "/metadata"): _MEMBER_WRITES,
    ("POST", _ORGANIZATION + "/invitations"): EndpointLimit(
        "invitation creates", 250, 3600.0, per_resource=False
    ),
    ("POST", _ORGANIZATION + "/invitations/bulk"): EndpointLimit(
        "bulk invitation creates", 50, 3600.0, per_resource=False
    ),
}
"""Clerk's per-endpoint limits on top of the instance budget, by (method, route). Documented
per organization and per membership for writes; the invitation limits are taken per instance
(stricter)."""


def endpoint_limits() -> dict[str, RateLimit]:
    """``SCOPED_LIMITS`` by endpoint (``"PATCH /organizations/{organization_id}"``), read
    now, so that what the client reports is what its pacer applies."""
    return {
        f"{method} {route}": RateLimit(limit.requests, limit.per_seconds)
        for (method, route), limit in SCOPED_LIMITS.items()
    }


class Ticket:
    """The permits one attempt holds; released when its answer (or failure) is known."""

    __slots__ = ("_permits",)

    def __init__(self, permits: list[Releasable]) -> None:
        self._permits = permits

    def release(self) -> None:
        for permit in self._permits:
            permit.release()

    def give_back(self) -> None:
        """The request never left (connecting failed): every permit is free again now."""
        for permit in self._permits:
            permit.give_back()


class Pacer:
    """The scoped budgets of one client, and which endpoints a 429 has blocked until when."""

    def __init__(self, limit: Limit | None, secret_key: str) -> None:
        self.limit = limit
        self._instance: InstanceBudget | None = limit.budget(secret_key) if limit else None
        self._scoped: dict[str, SlidingPermits] = {}
        self._blocked: dict[str, float] = {}

    async def acquire(self, call: Call[Any], latest: float | None) -> Ticket | None:
        """Wait for the call's scope, then for the instance budget; None (holding nothing)
        when that would take past the loop time ``latest``."""
        if self._instance is None:
            return UNPACED
        permits: list[Releasable] = []
        scoped = self._scoped_budget(call)
        if scoped is not None:
            narrow = await scoped.acquire(latest)
            if narrow is None:
                return None
            permits.append(narrow)
        try:
            permit = await self._instance.acquire(latest)
        except BaseException:
            Ticket(permits).give_back()  # nothing was sent
            raise
        if permit is None:
            Ticket(permits).give_back()
            return None
        return Ticket([*permits, permit])

    async def aclose(self) -> None:
        """Fail the calls waiting for a permit; close the instance budget (a shared one holds
        a Redis connection)."""
        for budget in self._scoped.values():
            budget.close()
        if self._instance is not None:
            await self._instance.aclose()

    def _scoped_budget(self, call: Call[Any]) -> SlidingPermits | None:
        limit = SCOPED_LIMITS.get((call.method, call.route))
        if limit is None:
            return None
        key = limit.scope
        if limit.per_resource:
            key += " " + "/".join(_ids(call.route, call.path))
        budget = self._scoped.get(key)
        if budget is None:
            if len(self._scoped) > 1000:  # a long sync touches many organizations once each
                self._scoped = {k: b for k, b in self._scoped.items() if not b.idle()}
            budget = self._scoped[key] = SlidingPermits(limit.requests, limit.per_seconds)
        return budget

    def block(self, route: str, seconds: float) -> None:
        """Hold calls to ``route`` (``"PATCH /organizations/{organization_id}"``) back."""
        until = asyncio.get_running_loop().time() + seconds
        self._blocked[route] = max(self._blocked.get(route, 0.0), until)

    @property
    def paces(self) -> bool:
        """Whether requests wait for budgets at all."""
        return self._instance is not None

    @property
    def blocks(self) -> bool:
        """Whether any endpoint is blocked (or was, and has not been checked since)."""
        return bool(self._blocked)

    def blocked_for(self, route: str) -> float:
        """Seconds ``route`` stays blocked (0 when it is not)."""
        if not self._blocked:
            return 0.0
        until = self._blocked.get(route)
        if until is None:
            return 0.0
        left = until - asyncio.get_running_loop().time()
        if left <= 0:
            del self._blocked[route]
            return 0.0
        return left


UNPACED = Ticket([])
"""The ticket of a request no budget paces."""


def _ids(route: str, path: Sequence[str]) -> list[str]:
    """The ID segments of ``path``, where ``route`` has ``{name}``."""
    parts = route.strip("/").split("/")
    return [segment for part, segment in zip(parts, path, strict=False) if part.startswith("{")]
