"""The base of every endpoint group: one request, and one list, through the client's loop.

A resource builds a ``Call`` (method, route template, path IDs, query, body, how to decode the
answer, how to look a lost POST up) and hands it to the client, which owns retries, pacing
and the session. Resources never import the client: it reaches them as a ``Caller``.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import attrs

from ._retry import Recovery, RetryPolicy
from ._sansio import build_query, path_segment
from ._transport import Body, Timeout
from ._unset import UNSET, Unset

if TYPE_CHECKING:
    from ._pagination import Page, Paginator
    from .models import DeletedObject

T = TypeVar("T")
R = TypeVar("R")

Timeouts = float | Timeout | Unset
STAMP_RESOLUTION = 0.001
"""Clerk's timestamps are milliseconds."""
Retries = RetryPolicy | None | Unset


@attrs.frozen(kw_only=True)
class Lookup:
    """What a POST's lookup after an ambiguous failure works with.

    ``timeout`` and ``retry`` hold what is left of the call's budget. ``made_by_this_call``
    tells an object this call may have created from one that existed before it.
    """

    timeout: Timeouts
    retry: Retries
    started: float
    """The local wall clock (``time.time()``) when the call started."""
    server_offset: Callable[[], float | None]
    """A lower bound of the server's clock minus the local one (None: unknown)."""
    made_earlier: Callable[[str], bool] = lambda _object_id: False
    """Whether an earlier call of this client created the object with this ID."""

    def made_by_this_call(self, created_at: datetime, object_id: str = "") -> bool | None:
        """Whether an object created at ``created_at`` can be this call's (None: unknown).

        An object an earlier call of this client created, or one created before this call
        started (on the server's clock), is not this call's (see ``_clock`` for how the clock
        is known, and the limit).
        """
        if object_id and self.made_earlier(object_id):
            return False
        offset = self.server_offset()
        if offset is None:
            return None
        # Clerk stamps whole milliseconds, rounded down: an object made within the call's
        # first millisecond can carry a stamp just before its start.
        return created_at.timestamp() + STAMP_RESOLUTION >= self.started + offset


Recover = Callable[[Lookup], Awaitable[R | Recovery]]


def deleted(kind: str, object_id: str) -> Callable[[Lookup], Awaitable[DeletedObject]]:
    """The ``gone`` of a DELETE answering a ``DeletedObject``: the object is deleted."""

    from .models import DeletedObject  # with the groups, not the client (import time)

    async def gone(_lookup: Lookup) -> DeletedObject:
        return DeletedObject(object=kind, id=object_id, deleted=True)

    return gone


async def nothing(_lookup: Lookup) -> None:
    """The ``gone`` of a DELETE whose object is not known any more: None."""


@attrs.frozen
class Listing(Generic[T]):
    """A list endpoint, as its group declares it once."""

    route: str
    items: Callable[[list[Any]], list[T]]
    """Decodes a page's ``data``."""
    name: str
    """The method, as a ``Paginator``'s repr names it: ``organizations.list``."""
    order: str | None = None
    """The order Clerk documents when none is sent (None: none documented)."""


@attrs.frozen(kw_only=True)
class Paging:
    """A ``list()`` call's paging arguments, as every list method takes them."""

    limit: int | None
    offset: int | None
    max_items: int | None
    prefetch: int


@attrs.define(kw_only=True)
class Call(Generic[R]):
    """One API call as a resource describes it (built per request: a plain slotted class)."""

    method: str
    route: str
    """The spec's path template, e.g. ``/organizations/{organization_id}/metadata``."""
    path: tuple[str, ...]
    """The path's segments, IDs already encoded."""
    decode: Callable[[Any], R]
    params: Sequence[tuple[str, str]] | None = None
    body: Body = None
    timeout: Timeouts = UNSET
    retry: Retries = UNSET
    recover: Recover[R] | None = None
    """For a POST: find what an attempt with a lost answer created."""
    gone: Callable[[Lookup], Awaitable[R]] | None = None
    """For a write whose retry is refused after an attempt with a lost answer (a DELETE
    finding its object gone): the answer, since that attempt did the work."""

    @property
    def endpoint(self) -> str:
        """The method and route, the scope of Clerk's 429 blocks."""
        return f"{self.method} {self.route}"


class Caller(Protocol):
    """What resources need of the client."""

    api_version: str

    async def _call(self, call: Call[R]) -> R: ...


@functools.cache
def _template(route: str) -> tuple[tuple[str, bool], ...]:
    return tuple(
        (part[1:-1], True) if part.startswith("{") else (part, False)
        for part in route.strip("/").split("/")
    )


def build_path(route: str, ids: Mapping[str, str]) -> tuple[str, ...]:
    """The segments of ``route`` with each ``{name}`` replaced by its encoded ID.

    Raises:
        InvalidRequestError: an ID is not a string, is empty, ``.`` or ``..``.
    """
    return tuple(
        path_segment(ids[part], part) if is_id else part for part, is_id in _template(route)
    )


class Resource:
    """Base of ``clerk.organizations`` and its siblings."""

    def __init__(self, client: Caller) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"

    async def _request(
        self,
        method: str,
        route: str,
        decode: Callable[[Any], R],
        *,
        ids: Mapping[str, str] | None = None,
        params: Sequence[tuple[str, str]] | None = None,
        body: Body = None,
        timeout: Timeouts = UNSET,
        retry: Retries = UNSET,
        recover: Recover[R] | None = None,
        gone: Callable[[Lookup], Awaitable[R]] | None = None,
    ) -> R:
        """Send one call; ``ids`` fill the route's ``{name}`` segments."""
        call = Call(
            method=method,
            route=route,
            path=build_path(route, ids or {}),
            decode=decode,
            params=params,
            body=body,
            timeout=timeout,
            retry=retry,
            recover=recover,
            gone=gone,
        )
        return await self._client._call(call)

    def _list(
        self,
        listing: Listing[T],
        filters: Mapping[str, Any],
        paging: Paging,
        timeout: Timeouts,
        retry: Retries,
        /,
        **ids: str,
    ) -> Paginator[T]:
        """A ``Paginator`` over ``listing``; its pages are GETs with ``filters`` (in order).

        The iteration is drift-safe when the order sent (``filters["order_by"]``), or else
        the endpoint's own, is by ``created_at``; ``ids`` fill the route's ``{name}`` segments.
        """
        # Here, not at the top: the client imports this module, and paging loads with the
        # first list (import time, benchmarks/RESULTS.md).
        from ._pagination import Paginator, created_at_order, page_decoder

        path = build_path(listing.route, ids)
        query = build_query(filters)

        async def fetch(limit: int | None, offset: int | None) -> Page[T]:
            call = Call(
                method="GET",
                route=listing.route,
                path=path,
                decode=page_decoder(listing.items, offset=offset, limit=limit, fetch=fetch),
                params=[*query, *build_query({"limit": limit, "offset": offset})],
                timeout=timeout,
                retry=retry,
            )
            return await self._client._call(call)

        return Paginator(
            fetch,
            limit=paging.limit,
            offset=paging.offset,
            max_items=paging.max_items,
            prefetch=paging.prefetch,
            drift=created_at_order(filters.get("order_by") or listing.order),
            name=listing.name,
        )
