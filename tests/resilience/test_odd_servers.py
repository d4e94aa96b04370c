"""The client against servers written to misbehave: broken status lines, huge bodies, slow
bytes, wrong shapes, wrong orders, lying totals, a borrowed session that raises for statuses.

A client tested only against a server written by the same hands shares its assumptions; these
servers are a few lines each, over real sockets, and share none.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from clerk_orgs_async import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    BadRequestError,
    ClerkClient,
    ClerkError,
    NotFoundError,
    PaginationError,
    RateLimitError,
    ResponseTooLargeError,
    RetryPolicy,
    UnexpectedResponseError,
    UnprocessableEntityError,
)
from tests.conftest import find_secret, sample

SECRET = "sk_test_OddServer0Secret0Value0Never0Shown"
Raw = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def raw_server(handle: Raw) -> AsyncIterator[str]:
    """A TCP server that answers whatever bytes ``handle`` writes."""
    handlers: set[asyncio.Task[None]] = set()

    async def guarded(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        try:
            with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
                await reader.readuntil(b"\r\n\r\n")
                await handle(reader, writer)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    server = await asyncio.start_server(guarded, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with server:
            yield f"http://127.0.0.1:{port}/v1"
    finally:
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)


@contextlib.asynccontextmanager
async def web_server(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> AsyncIterator[str]:
    """An aiohttp.web server answering every path with ``handler``."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        await runner.cleanup()


def client(base_url: str, **options: Any) -> ClerkClient:
    return ClerkClient(SECRET, base_url=base_url, rate_limit=None, **options)


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 two-hundred OK\r\nContent-Length: 2\r\n\r\n{}",
        b"garbage\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nBroken Header Line\r\n\r\n",
    ],
)
async def test_a_broken_response_is_a_connection_error_that_keeps_the_key_out(
    answer: bytes,
) -> None:
    async def handle(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(answer)
        await writer.drain()

    async with raw_server(handle) as url, client(url, retry=None) as clerk:
        with pytest.raises(APIConnectionError) as caught:
            await clerk.organizations.get("org_1")
    error = caught.value
    assert "org_1" in str(error)
    # aiohttp's exception for this carries the request headers, the key among them: an error
    # tracker recording the cause chain would have stored it.
    assert find_secret(error, SECRET) is None


async def test_an_error_page_that_echoes_the_request_headers_never_shows_the_key() -> None:
    async def echo(request: web.Request) -> web.Response:
        headers = "\n".join(f"{k}: {v}" for k, v in request.headers.items())
        body = {"errors": [{"code": "bad", "message": headers, "long_message": headers}]}
        return web.json_response(body, status=400, headers={"X-Echo": headers.replace("\n", " ")})

    async with web_server(echo) as url, client(url) as clerk:
        with pytest.raises(BadRequestError) as caught:
            await clerk.organizations.get("org_1")
    assert "Authorization: Bearer sk_test_…" in caught.value.body
    assert find_secret(caught.value, SECRET) is None


async def test_a_huge_declared_body_is_refused_without_reading_it() -> None:
    sent = 0

    async def handle(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal sent
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        writer.write(b"Content-Length: 10000000000\r\n\r\n")
        chunk = b"x" * 65536
        for _ in range(2000):  # would be 128 MB, if the client kept reading
            writer.write(chunk)
            await writer.drain()
            sent += len(chunk)

    async with raw_server(handle) as url, client(url, max_response_bytes=1 << 20) as clerk:
        with pytest.raises(ResponseTooLargeError) as caught:
            await asyncio.wait_for(clerk.organizations.get("org_1"), 30)
    assert caught.value.status == 200
    assert sent < 64 << 20


async def test_an_endless_chunked_body_is_cut_at_the_cap() -> None:
    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):
            for _ in range(100_000):
                await response.write(b'{"data": [' + b"1," * 30000)
        return response

    async with web_server(endless) as url, client(url, max_response_bytes=2 << 20) as clerk:
        with pytest.raises(ResponseTooLargeError):
            await asyncio.wait_for(clerk.organizations.get("org_1"), 30)


async def test_a_huge_error_page_is_cut_and_still_mapped() -> None:
    async def huge_404(_request: web.Request) -> web.Response:
        return web.Response(status=404, text="<html>" + "x" * (8 << 20) + "</html>")

    async with web_server(huge_404) as url, client(url) as clerk:
        with pytest.raises(NotFoundError) as caught:
            await clerk.organizations.get("org_1")
    assert len(caught.value.body) <= 64 * 1024


async def test_slow_bytes_end_in_a_timeout_not_a_hang() -> None:
    async def trickle(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        writer.write(b"Content-Length: 100000\r\n\r\n")
        for _ in range(1000):
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(0.05)

    # The body would take 50 s: the client's own 0.5 s timeout ends it (not wait_for's 30 s,
    # which would raise a plain TimeoutError), however slow a loaded machine makes it.
    async with raw_server(trickle) as url, client(url, retry=None, timeout=0.5) as clerk:
        with pytest.raises(APITimeoutError):
            await asyncio.wait_for(clerk.organizations.get("org_1"), 30)


@pytest.mark.parametrize(
    "page",
    [
        {"data": [], "total_count": "12"},
        {"data": [], "total_count": None},
        {"data": [], "total_count": True},
        {"data": {"0": 1}, "total_count": 1},
        {"total_count": 0},
        [],
    ],
)
async def test_a_list_of_the_wrong_shape_is_an_unexpected_response(page: object) -> None:
    async def answer(_request: web.Request) -> web.Response:
        return web.json_response(page)

    async with web_server(answer) as url, client(url) as clerk:
        with pytest.raises(UnexpectedResponseError):
            await clerk.organizations.list()
        with pytest.raises(UnexpectedResponseError):
            await clerk.organizations.list().collect()


_HOSTILE_JSON = {
    "nested past any recursion limit": b'{"data":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "an integer of 5000 digits": b'{"data":[],"total_count":' + b"9" * 5000 + b"}",
    "a number past a double": b'{"data":[],"total_count":1e400}',
    "NaN": b'{"data":[],"total_count":NaN}',
    "not UTF-8": b'{"data":[],"total_count":0,"x":"\xff"}',
}


@pytest.fixture(params=["orjson", "stdlib"])
def json_decoder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The client decoding through each JSON backend: the stdlib one recurses per level."""
    from clerk_orgs_async import _json

    if request.param == "stdlib":
        monkeypatch.setattr(_json, "loads", _json._std_loads)
    return str(request.param)


@pytest.mark.parametrize("status", [200, 503])
@pytest.mark.parametrize("body", _HOSTILE_JSON.values(), ids=list(_HOSTILE_JSON))
async def test_hostile_json_is_a_typed_error_whichever_decoder(
    json_decoder: str, body: bytes, status: int
) -> None:
    async def answer(_request: web.Request) -> web.Response:
        return web.Response(body=body, status=status, content_type="application/json")

    async with web_server(answer) as url, client(url, retry=RetryPolicy(max_attempts=1)) as clerk:
        for call in (clerk.organizations.list, clerk.organizations.list().collect):
            with pytest.raises(APIError) as caught:
                await call()
            assert caught.value.status == status, json_decoder
            if status == 200:
                assert isinstance(caught.value, UnexpectedResponseError)


@pytest.mark.parametrize(
    "change",
    [
        {"created_at": 10**30},
        {"created_at": -(10**30)},
        {"created_at": "yesterday"},
        {"name": 5},
        {"id": None},
        {"max_allowed_memberships": "5"},
        {"has_image": 1},
    ],
)
async def test_an_organization_of_the_wrong_shape_is_an_unexpected_response(
    change: dict[str, Any],
) -> None:
    async def answer(_request: web.Request) -> web.Response:
        return web.json_response(sample("organization") | change)

    async with web_server(answer) as url, client(url) as clerk:
        with pytest.raises(UnexpectedResponseError) as caught:
            await clerk.organizations.get("org_1")
    assert caught.value.code == "unexpected_response"
    assert next(iter(change)) in caught.value.errors[0].message


def _orgs(count: int) -> list[dict[str, Any]]:
    base = sample("organization")
    return [
        base | {"id": f"org_{n}", "slug": f"o{n}", "created_at": 1_700_000_000_000 + n}
        for n in range(count)
    ]


async def test_iterating_a_server_that_lists_oldest_first_raises_at_once() -> None:
    orgs = _orgs(50)  # oldest first, whatever order_by asks
    requests = 0

    async def answer(request: web.Request) -> web.Response:
        nonlocal requests
        requests += 1
        limit, offset = int(request.query["limit"]), int(request.query.get("offset", 0))
        return web.json_response({"data": orgs[offset : offset + limit], "total_count": 50})

    async with web_server(answer) as url, client(url) as clerk:
        with pytest.raises(PaginationError, match="order"):
            await clerk.organizations.list(limit=10).collect()
    assert requests == 1


async def test_iterating_a_lagging_replica_ends_in_an_error() -> None:
    orgs = _orgs(30)[::-1]  # newest first, but the total counts 1,000
    requests = 0

    async def answer(request: web.Request) -> web.Response:
        nonlocal requests
        requests += 1
        limit, offset = int(request.query["limit"]), int(request.query.get("offset", 0))
        return web.json_response({"data": orgs[offset : offset + limit], "total_count": 1000})

    async with web_server(answer) as url, client(url) as clerk:
        seen = []
        with pytest.raises(PaginationError, match="total_count says 1000"):
            async for org in clerk.organizations.list(limit=10, max_items=5000):
                seen.append(org.id)
    assert len(seen) == len(set(seen)) == 30
    assert requests < 20


async def test_a_borrowed_session_that_raises_for_status_still_gets_typed_errors() -> None:
    calls: list[str] = []

    async def answer(request: web.Request) -> web.Response:
        calls.append(request.method)
        if request.method == "POST":
            body = {"errors": [{"code": "form_identifier_exists", "message": "taken"}]}
            return web.json_response(body, status=422)
        return web.json_response({"errors": [{"code": "resource_not_found"}]}, status=404)

    async with (
        web_server(answer) as url,
        aiohttp.ClientSession(raise_for_status=True) as session,
        client(url, session=session) as clerk,
    ):
        with pytest.raises(NotFoundError):
            await clerk.organizations.get("org_1")
        with pytest.raises(UnprocessableEntityError) as caught:
            await clerk.organizations.create(name="Acme", slug="acme")
    assert calls == ["GET", "POST"]  # neither retried: a 404 and a 422 are answers
    assert caught.value.outcome_unknown is False


async def test_a_retry_after_of_any_shape_never_raises_anything_but_a_clerk_error() -> None:
    values = iter(["inf", "1e12", "-5", "soon", "nan", "Mon, 01 Jan 1990 00:00:00 GMT", "1e309"])

    async def answer(_request: web.Request) -> web.Response:
        value = next(values, "0")
        return web.json_response({"errors": []}, status=429, headers={"Retry-After": value})

    policy = RetryPolicy(max_attempts=2, initial_delay=0.01, max_delay=0.01, deadline=5)
    async with web_server(answer) as url:
        for _ in range(7):
            async with client(url, retry=policy) as clerk:
                with pytest.raises(ClerkError) as caught:
                    await clerk.organizations.get("org_1")
                assert type(caught.value) is RateLimitError, repr(caught.value)


def test_json_of_the_shapes_above_is_valid() -> None:
    # The odd pages above are odd in shape only: each is valid JSON the server really sends.
    assert json.loads(json.dumps({"data": [], "total_count": "12"}))["total_count"] == "12"


async def test_a_success_body_that_echoes_the_key_is_redacted_in_the_error() -> None:
    async def echo(request: web.Request) -> web.Response:
        return web.Response(text=f"<pre>{request.headers['Authorization']}</pre>")

    async with web_server(echo) as url, client(url) as clerk:
        with pytest.raises(UnexpectedResponseError) as caught:
            await clerk.organizations.get("org_1")
    assert "Bearer sk_test_…" in caught.value.body
    assert find_secret(caught.value, SECRET) is None


async def test_a_compressed_page_is_read_through_the_capped_path() -> None:
    async def gzipped(_request: web.Request) -> web.Response:
        response = web.json_response({"data": _orgs(300)[::-1], "total_count": 300})
        response.enable_compression(web.ContentCoding.gzip)
        return response

    async with web_server(gzipped) as url, client(url) as clerk:
        orgs = await clerk.organizations.list(limit=500).collect()
    assert len(orgs) == 300
