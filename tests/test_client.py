"""The session manager against a real local aiohttp server: config, lifecycle, loops, cancel."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from clerk_orgs_async import (
    APIConnectionError,
    APITimeoutError,
    ClerkClient,
    ClientClosedError,
    InvalidRequestError,
    RateLimit,
    RetryPolicy,
    Timeout,
)
from tests.conftest import SECRET, sample


def nested_list(depth: int) -> list[object]:
    value: list[object] = []
    for _ in range(depth):
        value = [value]
    return value


class Server:
    """A tiny Clerk stand-in whose answers the tests steer."""

    def __init__(self) -> None:
        self.hang = asyncio.Event()
        self.hang.set()
        self.seen: list[web.Request] = []
        self.active = 0
        self.peak = 0
        self.url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(request)
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            await self.hang.wait()
            await asyncio.sleep(0.001)
        finally:
            self.active -= 1
        if request.path == "/v1/organizations":
            return web.json_response({"data": [sample("organization")], "total_count": 1})
        return web.json_response(sample("organization"))


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    state = Server()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", state.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    state.url = f"http://127.0.0.1:{port}/v1"
    yield state
    state.hang.set()
    await runner.cleanup()


def test_key_and_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLERK_SECRET_KEY", "sk_live_fromenv")
    monkeypatch.setenv("CLERK_API_URL", "http://localhost:8787/v1/")
    clerk = ClerkClient()
    assert str(clerk.base_url) == "http://localhost:8787/v1"
    assert clerk._headers["Authorization"] == "Bearer sk_live_fromenv"
    assert clerk.rate_limit is None  # "auto" does not pace a non-Clerk host


def test_defaults() -> None:
    clerk = ClerkClient(SECRET)
    assert str(clerk.base_url) == "https://api.clerk.com/v1"
    assert clerk.api_version == "2025-11-10"
    assert clerk.timeout == Timeout(total=30.0, connect=10.0)
    assert clerk.retry == RetryPolicy()
    assert clerk.rate_limit is not None and clerk.rate_limit.requests == 100


def test_no_key_anywhere_is_a_clear_error() -> None:
    with pytest.raises(InvalidRequestError, match="CLERK_SECRET_KEY"):
        ClerkClient()


@pytest.mark.parametrize(
    "url",
    ["http://api.clerk.com/v1", "http://10.0.0.5/v1", "ftp://x/v1", "api.clerk.com/v1"],
)
def test_plain_http_is_refused_except_to_loopback(url: str) -> None:
    with pytest.raises(InvalidRequestError, match="https"):
        ClerkClient(SECRET, base_url=url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:1/v1", "http://[::1]:1/v1", "http://localhost/v1"]
)
def test_loopback_http_is_allowed(url: str) -> None:
    ClerkClient(SECRET, base_url=url)


def test_repr_and_str_hide_the_secret() -> None:
    clerk = ClerkClient(SECRET)
    for text in (repr(clerk), str(clerk), repr(clerk.organizations)):
        assert SECRET not in text
        assert SECRET[8:] not in text


async def test_requests_reach_the_server_with_headers(server: Server) -> None:
    async with ClerkClient(SECRET, base_url=server.url) as clerk:
        await clerk.organizations.get("../users")
    request = server.seen[0]
    assert request.raw_path == "/v1/organizations/..%2Fusers"
    assert request.headers["Authorization"] == f"Bearer {SECRET}"
    assert request.headers["Clerk-API-Version"] == "2025-11-10"


async def test_query_values_with_plus_arrive_intact(server: Server) -> None:
    async with ClerkClient(SECRET, base_url=server.url) as clerk:
        await clerk.organizations.list(user_id=["+user_a", "-user_b"], query="a b&c")
    request = server.seen[0]
    assert request.query.getall("user_id") == ["+user_a", "-user_b"]
    assert request.query["query"] == "a b&c"


async def test_thousands_of_concurrent_awaits_share_one_pool(server: Server) -> None:
    async with ClerkClient(SECRET, base_url=server.url, max_connections=20) as clerk:
        orgs = await asyncio.gather(*(clerk.organizations.get(f"org_{i}") for i in range(2000)))
    assert len(orgs) == 2000
    assert server.peak <= 20


async def test_borrowed_session_is_never_closed(server: Server) -> None:
    async with aiohttp.ClientSession() as session:
        async with ClerkClient(SECRET, base_url=server.url, session=session) as clerk:
            await clerk.organizations.get("org_1")
        assert not session.closed


async def test_aclose_twice_and_use_after_close() -> None:
    clerk = ClerkClient(SECRET)
    await clerk.aclose()
    await clerk.aclose()
    with pytest.raises(ClientClosedError, match="closed"):
        await clerk.organizations.get("org_1")
    async with ClerkClient(SECRET) as clerk:
        pass
    with pytest.raises(ClientClosedError):
        await clerk.organizations.get("org_1")


def test_another_event_loop_is_a_clear_error() -> None:
    clerk: ClerkClient | None = None

    async def first() -> None:
        nonlocal clerk
        async with aiohttp.ClientSession() as session:
            clerk = ClerkClient(
                SECRET, base_url="http://127.0.0.1:9/v1", session=session, retry=None
            )
            with pytest.raises(APIConnectionError):  # nothing listens on port 9
                await clerk.organizations.get("org_1")

    async def second() -> None:
        assert clerk is not None
        await clerk.organizations.get("org_1")

    asyncio.run(first())
    with pytest.raises(RuntimeError, match="another event loop"):
        asyncio.run(second())


async def test_timeout_raises_api_timeout_error(server: Server) -> None:
    server.hang.clear()
    async with ClerkClient(SECRET, base_url=server.url, retry=None) as clerk:
        with pytest.raises(APITimeoutError):
            await clerk.organizations.get("org_1", timeout=0.05)
        with pytest.raises(APITimeoutError):
            await clerk.organizations.get("org_1", timeout=Timeout(total=None, read=0.05))


async def test_cancelling_a_request_releases_its_connection(server: Server) -> None:
    server.hang.clear()
    async with ClerkClient(SECRET, base_url=server.url, max_connections=1) as clerk:
        task = asyncio.create_task(clerk.organizations.get("org_1"))
        while not server.seen:
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        server.hang.set()
        # With a pool of one, this only succeeds if the cancelled request gave its slot back.
        org = await asyncio.wait_for(clerk.organizations.get("org_2"), 30)  # not a hang
    assert org.slug == "acme-corp"


async def test_closing_fails_requests_in_flight_clearly(server: Server) -> None:
    server.hang.clear()
    clerk = ClerkClient(SECRET, base_url=server.url)
    tasks = [asyncio.create_task(clerk.organizations.get(f"org_{i}")) for i in range(3)]
    while len(server.seen) < 3:
        await asyncio.sleep(0.001)
    await clerk.aclose()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, ClientClosedError) for r in results), results


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("sk_test_abcdef", "sk_test_…"),
        ("sk_live_abcdef", "sk_live_…"),
        ("sk_secretpart_more", "…"),  # an unusual shape shows nothing of itself
        ("sk_prod_x", "…"),
        ("plainsecretvalue", "…"),
    ],
)
def test_repr_shows_only_the_keys_kind(key: str, shown: str) -> None:
    clerk = ClerkClient(key)
    assert f"secret_key={shown!r}" in repr(clerk)
    assert key.removeprefix("sk_test_").removeprefix("sk_live_") not in repr(clerk)


@pytest.mark.parametrize("key", [f"{SECRET}\n", f"  {SECRET}\r\n", f"\t{SECRET} "])
def test_a_key_read_with_surrounding_whitespace_is_stripped(key: str) -> None:
    assert ClerkClient(key)._headers["Authorization"] == f"Bearer {SECRET}"


@pytest.mark.parametrize(
    "key", ["sk_test_a\nb", "sk_test_a b", "sk_test_\x00x", "sk_test_é", "  \n"]
)
def test_a_key_with_inner_whitespace_or_control_characters_is_refused(key: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        ClerkClient(key)
    assert key.strip() not in str(caught.value) or not key.strip()


async def test_a_key_from_an_env_file_with_a_newline_authenticates(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLERK_SECRET_KEY", SECRET + "\n")
    async with ClerkClient(base_url=server.url) as clerk:
        await clerk.organizations.get("org_1")
    assert server.seen[0].headers["Authorization"] == f"Bearer {SECRET}"


def test_base_url_with_credentials_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="credentials"):
        ClerkClient(SECRET, base_url="https://user:pass@api.clerk.com/v1")


@pytest.mark.parametrize(
    "options",
    [
        {"timeout": "30"},
        {"timeout": 0},
        {"max_connections": 0},
        {"retry": 3},
        {"max_response_bytes": -1},
        {"api_version": 20251110},
        {"timeout": math.inf},
        {"rate_limit": 5},
        {"rate_limit": "fast"},
        {"on_retry": 5},
        {"session": "a session"},
        # Their error messages must not fail in turn: str() refuses ints past 4300 digits,
        # repr() recurses into nested lists.
        {"timeout": 10**400},
        {"max_connections": -(10**5000)},
        {"rate_limit": nested_list(10_000)},
        {"retry": nested_list(10_000)},
    ],
)
def test_options_of_the_wrong_type_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(InvalidRequestError):
        ClerkClient(SECRET, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("setting", "options", "message"),
    [
        (RetryPolicy, {"max_attempts": "3"}, "max_attempts must be an integer >= 1, got '3'"),
        (RetryPolicy, {"max_attempts": 1.5}, "max_attempts must be an integer"),
        (RetryPolicy, {"max_attempts": True}, "max_attempts must be an integer"),
        (RetryPolicy, {"deadline": -1}, "deadline must be a finite number > 0 or None"),
        (RetryPolicy, {"deadline": math.nan}, "deadline must be a finite number"),
        (RetryPolicy, {"initial_delay": math.inf}, "initial_delay must be a finite number"),
        (RetryPolicy, {"jitter": 0}, "jitter must be True or False"),
        (RateLimit, {"requests": 0.5, "per_seconds": 1}, "requests must be an integer >= 1"),
        (RateLimit, {"requests": "100", "per_seconds": 10}, "requests must be an integer"),
        (RateLimit, {"requests": 100, "per_seconds": math.inf}, "per_seconds must be a finite"),
        (RateLimit, {"requests": 100, "per_seconds": 0}, "per_seconds must be a finite number > 0"),
        (Timeout, {"total": -1}, "total must be a finite number > 0 or None"),
        (Timeout, {"connect": "10"}, "connect must be a finite number"),
        (Timeout, {"read": math.nan}, "read must be a finite number"),
        (
            Timeout,
            {"total": 10**400},
            "total must be a finite number > 0 or None, got an integer of 1329 bits",
        ),
        (RetryPolicy, {"deadline": 10**400}, "deadline must be a finite number"),
        (RetryPolicy, {"max_attempts": -(10**5000)}, "got an integer of 16610 bits"),
        (RateLimit, {"requests": 100, "per_seconds": 10**400}, "per_seconds must be a finite"),
    ],
)
def test_settings_out_of_range_are_refused_with_the_field_named(
    setting: type[object], options: dict[str, object], message: str
) -> None:
    # Accepted, NaN or infinity would make a wait or a deadline silently endless, and a
    # string would fail later with a TypeError deep in a request.
    with pytest.raises(InvalidRequestError, match=re.escape(message)):
        setting(**options)


async def test_entering_a_shared_client_again_is_counted(server: Server) -> None:
    clerk = ClerkClient(SECRET, base_url=server.url)
    async with clerk:
        async with clerk:  # a helper given the app's client
            await clerk.organizations.get("org_1")
        assert not clerk.closed
        await clerk.organizations.get("org_2")  # the outer user still has it
    assert clerk.closed


def test_help_names_the_endpoint_groups() -> None:
    import pydoc

    text = pydoc.render_doc(ClerkClient, renderer=pydoc.TextDoc())
    assert "organizations" in text and "OrganizationsAPI" in text
    assert "organization_memberships" in text and "OrganizationMembershipsAPI" in text


def test_every_public_object_has_a_useful_repr() -> None:
    clerk = ClerkClient(SECRET)
    for value in (clerk, clerk.organizations, clerk.organization_memberships):
        assert " at 0x" not in repr(value), repr(value)
    assert repr(clerk.organizations).startswith("<OrganizationsAPI of <ClerkClient")


async def test_a_404_says_what_was_looked_up() -> None:
    from clerk_orgs_async import NotFoundError
    from clerk_orgs_async.testing import ClerkEmulator

    async with ClerkEmulator() as emu, emu.client() as clerk:
        with pytest.raises(NotFoundError) as caught:
            await clerk.organizations.get("org_404")
    assert "GET /v1/organizations/org_404" in str(caught.value)
    assert caught.value.path == "/v1/organizations/org_404"


async def test_instant_retries_records_exactly_the_waits_that_happened() -> None:
    from clerk_orgs_async.testing import ClerkEmulator, instant_retries

    async with ClerkEmulator() as emu, emu.client() as clerk:
        with instant_retries() as waits:
            emu.faults.status(429, retry_after=30)
            with pytest.raises(Exception, match="404"):
                await clerk.organizations.get("acme")
    assert waits == [30]
