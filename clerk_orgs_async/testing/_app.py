"""The aiohttp application: one middleware authenticates, paces, injects faults and records.

Order per request: the ``Host`` check (see ``_hosts``), added latency, the bearer check, the
rate limit, a fault due before the handler, the endpoint's own limit, the handler, a fault
due after it (``after_apply``). A request refused at the bearer check (401) neither spends
the rate limit nor takes a scripted or random fault, so a caller with a wrong key cannot see
or use up the real caller's budget and faults. With a data file, a write that reaches its
handler is journaled before its answer (and any ``after_apply`` fault) goes out (see
``_durable``). The emulator's own image route skips everything but the ``Host`` check and the
record, the web console's routes skip it all (they check the ``Host`` themselves), and the
journal's replay at start skips everything but the route's handler (no endpoint limit either).
"""

from __future__ import annotations

import asyncio
import random
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable

import attrs
from aiohttp import web

from clerk_orgs_async._json import dumps
from clerk_orgs_async.testing._console import Console, add_console, is_console_path
from clerk_orgs_async.testing._durable import COMPACT_EVERY, REPLAY_HEADER, DataFile, pinned
from clerk_orgs_async.testing._endpoint_limits import endpoint_limits
from clerk_orgs_async.testing._errors import (
    ClerkAPIError,
    body_invalid,
    host_not_allowed,
    unauthenticated,
)
from clerk_orgs_async.testing._faults import Fault, Faults
from clerk_orgs_async.testing._handlers import IMAGES_PATH, STATE
from clerk_orgs_async.testing._hosts import host_allowed
from clerk_orgs_async.testing._ids import new_trace_id
from clerk_orgs_async.testing._pacing import Latency, RateLimiter, latency_seconds
from clerk_orgs_async.testing._payload import MAX_BODY_BYTES, read_body, too_large
from clerk_orgs_async.testing._records import bytes_repr
from clerk_orgs_async.testing._request_log import (
    LATE_BODY,
    Arrival,
    RequestLog,
    RequestRecord,
    abandon_body,
    read_request_body,
)
from clerk_orgs_async.testing._routes import add_routes
from clerk_orgs_async.testing._state import EmulatorState
from clerk_orgs_async.testing._users_http import add_user_routes

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_FAULT_CODES = {
    429: ("too_many_requests", "Too many requests, please try again later."),
    500: ("internal_clerk_error", "There was an internal error on our servers."),
    503: ("service_unavailable", "The service is temporarily unavailable."),
}
_BODY_LATE = ClerkAPIError(
    408,
    "request_timeout",
    "Request timeout",
    "The request body did not arrive in time: it was shorter than its Content-Length.",
)
_BAD_GATEWAY_HTML = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><center><h1>502 Bad Gateway</h1></center></body></html>"
)


@attrs.frozen(kw_only=True)
class ServedResponse:
    """A response as the ``on_response`` hook sees it, for checks such as spec conformance.

    Attributes:
        record: the request's :class:`RequestRecord`.
        route: the spec's path template (``/organizations/{organization_id}``), or ``None``
            when no route matched or for the emulator's own image route.
        content_type: the response's content type.
        body: the response body.
    """

    record: RequestRecord
    route: str | None
    content_type: str
    body: bytes = attrs.field(repr=bytes_repr)


@attrs.define(kw_only=True)
class EmulatorStats:
    """Counters of what the emulator served.

    Attributes:
        requests: requests received.
        statuses: responses by status.
        dropped: connections dropped without a response.
        faults: injected faults by label, ``"rate_limit"`` counting the rate limiter's 429s.
    """

    requests: int = 0
    statuses: Counter[int] = attrs.Factory(Counter)
    dropped: int = 0
    faults: Counter[str] = attrs.Factory(Counter)


@attrs.define(kw_only=True)
class Runtime:
    """What the middleware needs beyond the state: key, faults, pacing, records."""

    secret_key: str
    faults: Faults
    stats: EmulatorStats
    log: RequestLog
    limiter: RateLimiter | None
    latency: Latency | None
    closing: asyncio.Event
    on_response: Callable[[ServedResponse], None] | None
    rng: random.Random = attrs.Factory(random.Random)
    clock: Callable[[], int]
    journal: DataFile | None = None
    replay_token: str | None = None
    allowed_hosts: frozenset[str] = frozenset()
    """Host names answered besides loopback ones (see ``_hosts``)."""

    async def pause(self, seconds: float) -> bool:
        """Sleep; return ``True`` if the emulator began closing meanwhile."""
        try:
            await asyncio.wait_for(self.closing.wait(), seconds)
        except asyncio.TimeoutError:
            return False
        return True


RUNTIME = web.AppKey("runtime", Runtime)


class _Dropped(Exception):
    """The connection was aborted; there is no response to record."""

    def __init__(self, fault: str | None) -> None:
        super().__init__(fault)
        self.fault = fault


class _BodyLate(Exception):
    """The request's body did not all arrive in time."""


def error_response(error: ClerkAPIError) -> web.Response:
    """A ``ClerkErrors`` response for ``error``."""
    return web.Response(
        status=error.status,
        body=dumps(error.to_json(new_trace_id())),
        content_type="application/json",
        headers=error.headers,
    )


def _fault_response(fault: Fault) -> web.Response:
    headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
    if fault.status == 502:
        return web.Response(
            status=502, body=_BAD_GATEWAY_HTML, content_type="text/html", headers=headers
        )
    code, long_message = _FAULT_CODES.get(fault.status, ("injected_fault", "Injected fault."))
    error = ClerkAPIError(fault.status, code, long_message, long_message, headers=headers)
    return error_response(error)


def _drop(request: web.Request, fault: str | None) -> _Dropped:
    if request.transport is not None:
        request.transport.abort()
    return _Dropped(fault)


async def _apply(rt: Runtime, request: web.Request, fault: Fault) -> web.Response | None:
    """Carry out ``fault``: a response to send instead, or ``None`` to go on (after a hang)."""
    if fault.kind == "status":
        return _fault_response(fault)
    if fault.kind == "drop" or await rt.pause(fault.seconds):
        raise _drop(request, fault.label)
    return None


def _unauthenticated(rt: Runtime, request: web.Request) -> web.Response | None:
    """Clerk's 401 when the request does not bear the emulator's key, else ``None``."""
    authorization = request.headers.get("Authorization")
    if authorization == f"Bearer {rt.secret_key}":
        return None
    return error_response(unauthenticated(authorization))


async def _body(request: web.Request) -> bytes:
    """The body, read once for the handler and the journal (see ``read_body``).

    Raises:
        ClerkAPIError: 400 for a body that cannot be decoded.
        _BodyLate: it did not all arrive in time.
        _Dropped: the client went away while sending it.
    """
    try:
        return await read_body(request)
    except web.RequestPayloadError:
        raise body_invalid("it cannot be decoded as its Content-Encoding says") from None
    except asyncio.TimeoutError:
        raise _BodyLate from None
    except ConnectionResetError:
        raise _Dropped(None) from None


async def _handled(request: web.Request, handler: _Handler) -> web.StreamResponse:
    try:
        await _body(request)
        return await handler(request)
    except ClerkAPIError as error:
        return error_response(error)
    except web.HTTPException as exc:
        return _http_error(exc)


def _http_error(exc: web.HTTPException) -> web.Response:
    """Unknown routes, wrong methods, oversized bodies: still in Clerk's error shape."""
    if exc.status == 413:  # over client_max_size as sent: as over it once decoded
        return error_response(too_large())
    code = "resource_not_found" if exc.status == 404 else "request_invalid"
    return error_response(ClerkAPIError(exc.status, code, exc.reason, exc.reason))


async def _written(rt: Runtime, request: web.Request, handler: _Handler) -> web.StreamResponse:
    """Handle the request; with a data file, journal a write before its answer goes out."""
    journal = rt.journal
    if journal is None or request.method in _READS or request.match_info.http_exception:
        return await _handled(request, handler)
    try:
        body = await _body(request)  # kept by aiohttp: the handler's read() gets it again
    except ClerkAPIError as error:
        return error_response(error)
    except web.HTTPException as exc:
        return _http_error(exc)
    at, seed = rt.clock(), secrets.randbits(64)
    with pinned(at, seed):
        response = await _handled(request, handler)
    if response.status == 429:
        return response  # refused before anything changed (an endpoint's own limit)
    # No await since the handler changed the state: the journal keeps the order of changes.
    journal.append(
        at=at,
        seed=seed,
        method=request.method,
        path=request.raw_path,
        headers=request.headers,
        body=body,
        status=response.status,
    )
    if journal.since_compaction >= COMPACT_EVERY:
        journal.compact(request.app[STATE].snapshot())
    return response


def _replayed(rt: Runtime, request: web.Request) -> tuple[int, int] | None:
    """The clock reading and ID seed of the emulator's own replay of a journaled request."""
    mark = request.headers.get(REPLAY_HEADER)
    if mark is None or rt.replay_token is None:
        return None
    token, _, pins = mark.partition(" ")
    if not secrets.compare_digest(token, rt.replay_token):
        return None
    at, seed = pins.split()
    return int(at), int(seed)


async def _serve(
    rt: Runtime, request: web.Request, handler: _Handler
) -> tuple[web.StreamResponse, str | None]:
    if rt.latency is not None and await rt.pause(latency_seconds(rt.latency, rt.rng)):
        raise _drop(request, None)
    if (refused := _unauthenticated(rt, request)) is not None:
        return refused, None
    if rt.limiter is not None and (retry_after := rt.limiter.admit()) is not None:
        return _fault_response(Fault(kind="status", status=429, retry_after=retry_after)), (
            "rate_limit"
        )
    fault = rt.faults.take(request.method, request.path)
    if fault is None:
        return await _written(rt, request, handler), None
    rt.stats.faults[fault.label] += 1
    if not fault.after_apply and (response := await _apply(rt, request, fault)) is not None:
        return response, fault.label
    handled = await _written(rt, request, handler)
    if fault.after_apply and (response := await _apply(rt, request, fault)) is not None:
        return response, fault.label
    return handled, fault.label


@web.middleware
async def _pipeline(request: web.Request, handler: _Handler) -> web.StreamResponse:
    rt = request.app[RUNTIME]
    if is_console_path(request.path):
        # The developer's console, not the app's traffic: no pacing, faults, stats or log.
        response = await handler(request)
        if rt.journal is not None and request.method not in _READS:
            # A console form (a reset) changes the state outside the journal: save it whole.
            rt.journal.compact(request.app[STATE].snapshot())
        return response
    if (replayed := _replayed(rt, request)) is not None:
        # The route's own handler: no endpoint limit refuses a write that happened.
        with pinned(*replayed):
            return await _handled(request, request.match_info.handler)
    rt.stats.requests += 1
    arrival = Arrival()
    fault: str | None = None
    try:
        if not host_allowed(request.headers.get("Host"), rt.allowed_hosts):
            response = error_response(host_not_allowed(request.headers.get("Host")))
        elif request.path.startswith(IMAGES_PATH + "/"):
            response = await _handled(request, handler)
        else:
            response, fault = await _serve(rt, request, handler)
    except _Dropped as dropped:
        rt.stats.dropped += 1
        sent = await read_request_body(request, dropped=True)
        rt.log.add(request, None, fault=dropped.fault, arrival=arrival, request_body=sent)
        # Nothing reaches the client: the transport is gone, aiohttp drops this quietly.
        return web.Response(status=499)
    except _BodyLate:
        response, sent = error_response(_BODY_LATE), LATE_BODY
    else:
        sent = await read_request_body(request, dropped=False)
    if sent == LATE_BODY or request.content.exception() is not None:
        abandon_body(request, response)
    if fault == "rate_limit":
        rt.stats.faults[fault] += 1
    rt.stats.statuses[response.status] += 1
    record = rt.log.add(request, response, fault=fault, arrival=arrival, request_body=sent)
    if rt.on_response is not None:
        resource = request.match_info.route.resource
        route = None if resource is None else resource.canonical.removeprefix("/v1")
        body = response.body if isinstance(response, web.Response) else None
        rt.on_response(
            ServedResponse(
                record=record,
                route=None if route is None or route.startswith("/_emulator") else route,
                content_type=response.content_type,
                body=body if isinstance(body, bytes) else b"",
            )
        )
    return response


def make_app(state: EmulatorState, runtime: Runtime) -> web.Application:
    """Build the emulator's application around ``state``."""
    # Per-endpoint limits run inside the pipeline: after the key check, as part of the request.
    app = web.Application(middlewares=[_pipeline, endpoint_limits], client_max_size=MAX_BODY_BYTES)
    app[STATE] = state
    app[RUNTIME] = runtime
    add_routes(app)
    add_user_routes(app)
    add_console(
        app,
        Console(state=state, faults=runtime.faults, log=runtime.log, secret_key=runtime.secret_key),
    )
    return app
