"""The console over plain HTTP: who it answers, what it refuses, what it never shows or counts."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp.test_utils import make_mocked_request

from clerk_orgs_async import ClerkClient
from clerk_orgs_async.testing import ClerkEmulator, ServedResponse
from clerk_orgs_async.testing._console._guard import cross_site, refusal
from clerk_orgs_async.testing._console._routes import CONSOLE, is_console_path
from clerk_orgs_async.testing._emulator import loopback_name
from clerk_orgs_async.testing._hosts import loopback_host
from tests.conftest import SECRET
from tests.emulator._support import USERS

from ._seed import seed

CONSOLE_GETS = [
    "",
    "favicon.ico",
    "_console/static/console.css",
    "_console/static/console.js",
    "_console/log?after=0",
    "_console/state.json",
]


@pytest_asyncio.fixture(loop_scope="session")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def form(emulator: ClerkEmulator, **fields: str) -> dict[str, str]:
    return {"token": emulator.app[CONSOLE].token, **fields}


def same_origin(emulator: ClerkEmulator) -> dict[str, str]:
    origin = emulator.console_url.rstrip("/")
    return {"Origin": origin, "Sec-Fetch-Site": "same-origin"}


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1:8787", True),
        ("localhost:8787", True),
        ("[::1]:8787", True),
        ("127.8.9.10", True),
        ("app.localhost:3000", True),
        ("evil.example:8787", False),  # a rebound DNS name: the page's own origin
        ("127.0.0.1.evil.example", False),
        ("user@127.0.0.1:8787", False),
        ("127.0.0.1:8787/x", False),
        ("10.0.0.5:8787", False),
        ("LOCALHOST:8787", True),
        ("127.1:8787", False),  # browsers send the canonical form
        (":8787", False),
        ("[zz]:8787", False),
        ("127.0.0.1:99999", False),
        ("", False),
        (None, False),
    ],
)
def test_only_a_loopback_host_name_is_served(host: str | None, allowed: bool) -> None:
    assert loopback_host(host) is allowed


@pytest.mark.parametrize(
    ("remote", "allowed"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("192.0.2.7", False),
        ("::ffff:192.0.2.7", False),
        ("/run/app.sock", False),
    ],
)
def test_only_a_loopback_peer_is_served(remote: str, allowed: bool) -> None:
    request = make_mocked_request("GET", "/", headers={"Host": "127.0.0.1:8787"})
    reason = refusal(request.clone(remote=remote))
    assert (reason is None) is allowed
    if not allowed:
        assert reason == "The emulator's console answers on loopback only."


@pytest.mark.parametrize(
    ("headers", "crossing"),
    [
        ({"Host": "127.0.0.1:1", "Origin": "http://127.0.0.1:1"}, False),
        ({"Host": "127.0.0.1:1", "Sec-Fetch-Site": "same-origin"}, False),
        ({"Host": "127.0.0.1:1"}, False),  # curl: no browser to forge it; the token decides
        ({"Host": "127.0.0.1:1", "Sec-Fetch-Site": "same-site"}, True),  # another local port
        ({"Host": "127.0.0.1:1", "Sec-Fetch-Site": "cross-site"}, True),
        ({"Host": "127.0.0.1:1", "Sec-Fetch-Site": "none"}, True),
        ({"Host": "127.0.0.1:1", "Origin": "http://127.0.0.1:2"}, True),
        ({"Host": "127.0.0.1:1", "Origin": "null"}, True),
        ({"Host": "127.0.0.1:1", "Origin": "https://127.0.0.1:1"}, True),
    ],
)
def test_cross_site_requests_are_recognised(headers: dict[str, str], crossing: bool) -> None:
    assert cross_site(headers) is crossing


def test_console_paths_are_outside_the_api() -> None:
    assert all(is_console_path("/" + path.split("?")[0]) for path in CONSOLE_GETS)
    assert not is_console_path("/v1/organizations")
    assert not is_console_path("/v1/_emulator/images/default")
    assert not is_console_path("/_consolex")


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("0.0.0.0", "127.0.0.1"),  # noqa: S104 - a setting's value, nothing is bound
        ("::", "127.0.0.1"),
        ("::1", "[::1]"),
    ],
)
def test_the_console_url_names_a_loopback_address(host: str, shown: str) -> None:
    assert loopback_name(host) == shown


async def test_the_console_url_is_known_once_started() -> None:
    emulator = ClerkEmulator()
    with pytest.raises(RuntimeError, match="not started"):
        _ = emulator.console_url
    async with emulator:
        assert emulator.console_url == f"http://127.0.0.1:{emulator.port}/"


async def test_a_host_that_is_not_loopback_is_refused(
    emulator: ClerkEmulator, http: aiohttp.ClientSession
) -> None:
    headers = {"Host": f"evil.example:{emulator.port}"}
    async with http.get(emulator.console_url, headers=headers) as response:
        assert response.status == 403
        assert "loopback address" in await response.text()
    async with http.post(
        emulator.console_url + "_console/reset", data=form(emulator), headers=headers
    ) as response:
        assert response.status == 403


async def test_console_requests_are_not_counted_faulted_paced_or_logged(
    http: aiohttp.ClientSession,
) -> None:
    seen: list[ServedResponse] = []
    async with ClerkEmulator(rate_limit=(1, 60.0), on_response=seen.append) as emulator:
        emulator.faults.status(503, times=50)
        emulator.faults.random({"drop": 1.0})
        for _ in range(3):
            for path in CONSOLE_GETS:
                async with http.get(emulator.console_url + path) as response:
                    assert response.status == 200, path
        async with http.post(
            emulator.console_url + "_console/faults/clear",
            data=form(emulator),
            headers=same_origin(emulator),
            allow_redirects=False,
        ) as response:
            assert response.status == 303
        assert emulator.stats.requests == 0
        assert not emulator.stats.statuses
        assert not emulator.stats.faults
        assert not emulator.requests
        assert not seen, "the spec conformance hook saw a console request"


async def test_forms_need_the_token_and_the_same_origin(
    emulator: ClerkEmulator, clerk: ClerkClient, http: aiohttp.ClientSession
) -> None:
    await clerk.organizations.create(name="Kept")
    reset = emulator.console_url + "_console/reset"
    refused = [
        ({}, same_origin(emulator)),  # no token
        ({"token": "guessed"}, same_origin(emulator)),
        (form(emulator), {"Sec-Fetch-Site": "same-site"}),  # a page on another local port
        (form(emulator), {"Origin": "http://evil.example"}),
        (form(emulator), {"Origin": "null"}),
    ]
    for data, headers in refused:
        async with http.post(reset, data=data, headers=headers) as response:
            assert response.status == 403, (data, headers)
    assert len(emulator.state.organizations) == 1
    async with http.post(
        reset, data=form(emulator), headers=same_origin(emulator), allow_redirects=False
    ) as response:
        assert response.status == 303
        assert response.headers["Location"] == "/?notice=reset"
    assert not emulator.state.organizations
    async with http.get(emulator.console_url + "_console/reset") as response:
        assert response.status == 405


async def test_every_console_answer_carries_the_protective_headers(
    emulator: ClerkEmulator, http: aiohttp.ClientSession
) -> None:
    for path in [*CONSOLE_GETS, "_console/requests/1", "_console/images/nope"]:
        async with http.get(emulator.console_url + path) as response:
            csp = response.headers["Content-Security-Policy"]
            assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, path
            assert "'unsafe-inline'" not in csp
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    async with http.get(emulator.console_url + "_console/static/console.js") as response:
        assert response.content_type == "text/javascript"
    async with http.get(emulator.console_url + "_console/static/../_page.py") as response:
        assert response.status == 404


async def test_markup_in_user_data_is_escaped(
    emulator: ClerkEmulator, clerk: ClerkClient, http: aiohttp.ClientSession
) -> None:
    attack = "<script>alert('x')</script>\"'><b>"
    await clerk.organizations.create(name="Acme", public_metadata={attack: attack})
    emulator.state.add_user({"id": "user_x", "first_name": attack, "email_address": attack})
    async with http.get(emulator.console_url) as response:
        page = await response.text()
    assert "<script>alert" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&quot;&#x27;&gt;&lt;b&gt;" in page


async def test_the_secret_key_is_never_shown_even_where_the_app_put_it(
    emulator: ClerkEmulator, clerk: ClerkClient, http: aiohttp.ClientSession
) -> None:
    org = await clerk.organizations.create(name="Leaky", public_metadata={"oops": SECRET})
    await clerk.organizations.list(query=SECRET)
    headers = {"Authorization": f"Bearer {SECRET}", "X-Debug": SECRET}
    async with http.get(f"{emulator.base_url}/organizations/{SECRET}", headers=headers):
        pass
    pages = [*CONSOLE_GETS, f"_console/requests/{emulator.requests[-1].seq}"]
    pages += [f"_console/requests/{r.seq}?fragment=1" for r in emulator.requests]
    for path in pages:
        async with http.get(emulator.console_url + path) as response:
            assert response.status == 200, path
            assert SECRET not in await response.text(), path
    async with http.get(
        emulator.console_url + f"_console/requests/{emulator.requests[-1].seq}"
    ) as response:
        shown = await response.text()
    assert "/v1/organizations/[redacted]" in shown
    assert "X-Debug</th><td>[redacted]" in shown
    assert emulator.state.organizations[org.id].public_metadata == {"oops": SECRET}


async def test_a_request_no_longer_in_the_log_says_so(
    emulator: ClerkEmulator, http: aiohttp.ClientSession
) -> None:
    for seq in ("1", "abc", "-1"):
        async with http.get(emulator.console_url + f"_console/requests/{seq}") as response:
            assert response.status == 404
            assert "no longer in the log" in await response.text()


async def test_the_log_feed_brings_only_what_is_new_and_matching(
    emulator: ClerkEmulator, clerk: ClerkClient, http: aiohttp.ClientSession
) -> None:
    await seed(clerk)
    feed = emulator.console_url + "_console/log"
    async with http.get(feed, params={"after": "0", "status": "404"}) as response:
        data: dict[str, Any] = await response.json()
    assert data["new"] == 2
    assert re.findall(r'data-seq="(\d+)"', data["rows"]) == [
        str(r.seq) for r in reversed(emulator.requests) if r.status == 404
    ]
    assert data["cursor"] == emulator.requests[-1].seq
    assert data["counts"] == {"organizations": 5, "users": len(USERS), "faults": 0}
    async with http.get(feed, params={"after": str(data["cursor"])}) as response:
        assert (await response.json())["new"] == 0
    async with http.get(feed, params={"after": "0", "status": "99x"}) as response:
        assert response.status == 400
        assert "such as 429" in (await response.json())["error"]
    async with http.get(feed, params={"after": "soon"}) as response:
        assert response.status == 400


async def test_a_page_with_a_bad_status_filter_still_updates_live(
    emulator: ClerkEmulator, clerk: ClerkClient, http: aiohttp.ClientSession
) -> None:
    await seed(clerk)
    async with http.get(emulator.console_url, params={"status": "99x", "path": "/nope"}) as page:
        markup = await page.text()
    assert "such as 429" in markup  # the filter is refused, every request shown
    shown = re.findall(r'data-seq="(\d+)"', markup)
    assert len(shown) == len(emulator.requests)
    poll = re.search(r'data-poll="([^"]+)"', markup)
    assert poll is not None
    cursor = int(re.findall(r'data-cursor="(\d+)"', markup)[0])
    await clerk.organizations.create(name="After The Page")
    url = emulator.console_url.rstrip("/") + poll[1].replace("&amp;", "&")
    async with http.get(url, params={"after": str(cursor)}) as response:
        assert response.status == 200, await response.text()
        assert (await response.json())["new"] == 1


async def test_a_bad_fault_form_is_refused_with_the_reason_and_keeps_what_was_typed(
    emulator: ClerkEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.post(
        emulator.console_url + "_console/faults",
        data=form(emulator, kind="hang", seconds="nan", times="3", path="/v1/<b>"),
        headers=same_origin(emulator),
    ) as response:
        assert response.status == 400
        page = await response.text()
    assert "Hang for: enter a number from 0.1 to 3600." in page
    assert 'value="/v1/&lt;b&gt;"' in page
    assert emulator.faults.pending == 0


async def test_logos_are_served_to_the_console_alone(
    emulator: ClerkEmulator, clerk: ClerkClient, http: aiohttp.ClientSession
) -> None:
    seeded = await seed(clerk)
    image_id = emulator.state.organizations[seeded.acme_id].image_id
    before = emulator.stats.requests
    async with http.get(emulator.console_url + f"_console/images/{image_id}") as response:
        assert response.content_type == "image/png"
        assert await response.read() == seeded.acme_logo
    assert emulator.stats.requests == before


@pytest.mark.parametrize("depth", [400, 5_000])
async def test_a_request_body_nested_deeply_is_shown_indented_or_as_sent(
    emulator: ClerkEmulator, http: aiohttp.ClientSession, depth: int
) -> None:
    body = '{"a":' * depth + "1" + "}" * depth
    headers = {"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"}
    async with http.post(f"{emulator.base_url}/organizations", data=body, headers=headers) as sent:
        assert sent.status == 400
    seq = emulator.requests[-1].seq
    async with http.get(emulator.console_url + f"_console/requests/{seq}") as response:
        assert response.status == 200
        shown = "".join((await response.text()).split())  # indented, or as sent
    assert body[:1000].replace('"', "&quot;") in shown


UNREADABLE_FORMS = [
    pytest.param("application/x-www-form-urlencoded", b"token=x&path=/\xff\xfe", id="not-utf8"),
    pytest.param("multipart/form-data", b"token=x", id="multipart-without-boundary"),
    pytest.param("multipart/form-data; boundary=XX", b"token=x", id="boundary-never-seen"),
    pytest.param(
        "multipart/form-data; boundary=XX",
        b'--XX\r\nContent-Disposition: form-data; na\x01me="token"\r\n\r\nx\r\n--XX--\r\n',
        id="control-character-in-a-part-header",
    ),
]


@pytest.mark.parametrize("target", ["_console/faults", "_console/reset"])
@pytest.mark.parametrize(("content_type", "body"), UNREADABLE_FORMS)
async def test_a_form_that_cannot_be_read_is_a_400(
    emulator: ClerkEmulator,
    http: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
    target: str,
    content_type: str,
    body: bytes,
) -> None:
    emulator.state.create_organization("Kept")
    headers = {**same_origin(emulator), "Content-Type": content_type}
    async with http.post(emulator.console_url + target, data=body, headers=headers) as response:
        assert response.status == 400, await response.text()
        assert "form could not be read" in await response.text()
        assert response.headers["X-Frame-Options"] == "DENY"
    assert len(emulator.state.organizations) == 1
    assert not emulator.faults.describe()
    assert "Traceback" not in caplog.text


async def _raw_post(emulator: ClerkEmulator, path: str, headers: bytes, body: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(emulator.host, emulator.port)
    host = emulator.console_url.removeprefix("http://").rstrip("/").encode()
    writer.write(
        b"POST /" + path.encode() + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n" + headers + b"\r\n" + body
    )
    try:
        return await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()
        await writer.wait_closed()


async def test_a_form_in_an_encoding_it_is_not_in_is_a_400(
    emulator: ClerkEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    body = b"token=" + emulator.app[CONSOLE].token.encode()
    headers = b"Content-Encoding: gzip\r\nContent-Length: %d\r\n" % len(body)
    answer = await _raw_post(emulator, "_console/faults/clear", headers, body)
    assert answer.split()[1] == b"400", answer
    assert "Traceback" not in caplog.text


async def test_a_form_shorter_than_its_content_length_is_a_408_not_a_hang(
    emulator: ClerkEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clerk_orgs_async.testing import _payload

    monkeypatch.setattr(_payload, "BODY_SECONDS", 0.2)
    emulator.state.create_organization("Kept")
    answer = await _raw_post(emulator, "_console/reset", b"Content-Length: 500\r\n", b"token=")
    assert answer.split()[1] == b"408", answer
    assert len(emulator.state.organizations) == 1
