"""A change of state to Clerk's event envelope, its ``data`` rendered as the API renders it.

The stores report changes (``_changes``); :class:`EventRenderer` listens, renders the record at
once with the renderer its group's HTTP module declares for the event type (``EVENTS``) and
queues the JSON in the webhook store. A change made while an HTTP request is handled (the API
or the console) carries the request's client address and user agent in
``event_attributes.http_request``, as Clerk's do, and its ``image_url`` fields use the
request's host, as the API's answer to it does.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
from aiohttp import web

from clerk_orgs_async._json import dumps
from clerk_orgs_async.testing._http import EventJson, images_base
from clerk_orgs_async.testing._routes import GROUPS
from clerk_orgs_async.testing._state import EmulatorState

RENDERERS: dict[str, EventJson] = {
    event: render for group in GROUPS for event, render in group.EVENTS.items()
}
"""Each event type's renderer, as the groups' HTTP modules declare them (``EVENTS``)."""


@attrs.frozen
class _Request:
    client_ip: str
    user_agent: str
    images_base: str


_REQUEST: contextvars.ContextVar[_Request | None] = contextvars.ContextVar(
    "clerk_emulator_request", default=None
)


@web.middleware
async def remember_request(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Make the request known to the events its handler causes."""
    token = _REQUEST.set(
        _Request(request.remote or "", request.headers.get("User-Agent", ""), images_base(request))
    )
    try:
        return await handler(request)
    finally:
        _REQUEST.reset(token)


def render_data(
    state: EmulatorState, event_type: str, record: Any, base: str, **context: Any
) -> dict[str, Any]:
    """The event's ``data``: the object as the API answers it (see WEBHOOKS.md's table)."""
    return RENDERERS[event_type](state, record, base, context)


class EventRenderer:
    """The listener of ``state.changes``: each change to an envelope in ``state.webhooks``.

    Args:
        state: the emulated instance.
        images_base: where images are served, for changes made outside a request.
        clock: the emulator's time in Unix milliseconds (the envelope's ``timestamp``).
    """

    def __init__(
        self, state: EmulatorState, images_base: Callable[[], str], clock: Callable[[], int]
    ) -> None:
        self._state = state
        self._images_base = images_base
        self._clock = clock

    def __call__(self, event_type: str, record: Any, /, **context: Any) -> None:
        store = self._state.webhooks
        if not store.wants(event_type):
            return
        request = _REQUEST.get()
        base = self._images_base() if request is None else request.images_base
        now = self._clock()
        envelope: dict[str, Any] = {
            "data": render_data(self._state, event_type, record, base, **context),
            "object": "event",
            "type": event_type,
            "timestamp": now,
            "instance_id": store.instance_id,
        }
        if request is not None:
            envelope["event_attributes"] = {
                "http_request": {"client_ip": request.client_ip, "user_agent": request.user_agent}
            }
        store.enqueue(event_type, dumps(envelope).decode(), now)
