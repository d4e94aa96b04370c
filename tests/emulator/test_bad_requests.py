"""Whatever a caller sends, the emulator answers in Clerk's shape and never with a 500.

The explicit cases are the ones that once crashed a handler; the property test throws random
methods, paths, query strings, headers and bodies (JSON of the wrong types, huge numbers,
bytes that are not UTF-8, broken multipart) at every route.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clerk_orgs_async._json import loads
from clerk_orgs_async.testing import ClerkEmulator
from tests._wait import until

from ._fuzz import MULTIPART, is_clerk_error, part, random_request, routes
from ._support import Api


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(
            part(b'Content-Disposition: form-data; na\x01me="file"'), MULTIPART, id="control-char"
        ),
        pytest.param(
            part(b'Content-Disp\x01osition: form-data; name="file"'),
            MULTIPART,
            id="control-char-in-header-name",
        ),
        pytest.param(
            b'--XX\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc',
            MULTIPART,
            id="truncated",
        ),
        pytest.param(b"--XX\r\n", MULTIPART, id="only-a-boundary"),
        pytest.param(b"garbage", "multipart/form-data", id="no-boundary-parameter"),
        pytest.param(b"garbage", MULTIPART, id="boundary-never-seen"),
        pytest.param(
            part(
                b'Content-Disposition: form-data; name="uploader_user_id"\r\n'
                b"Content-Type: text/plain; charset=utf-8",
                b"\xff\xfe",
            ),
            MULTIPART,
            id="field-not-utf8",
        ),
        pytest.param(
            part(
                b'Content-Disposition: form-data; name="uploader_user_id"\r\n'
                b"Content-Type: text/plain; charset=no-such-charset",
                b"user_alice",
            ),
            MULTIPART,
            id="unknown-charset",
        ),
    ],
)
async def test_a_malformed_multipart_body_is_a_400(
    api: Api, body: bytes, content_type: str
) -> None:
    org = await api.create_org()
    reply = await api.call(
        "PUT",
        f"/organizations/{org['id']}/logo",
        data=body,
        headers={"Content-Type": content_type},
    )
    assert reply.status == 400, reply.body
    assert is_clerk_error(reply.body)
    assert reply.error_code() == "request_body_invalid"
    assert api.emulator.state.organizations[org["id"]].image_id is None


@pytest.mark.parametrize("value", ["\uff11", "1_0", " 5", "0x10", "\u0663"])
async def test_integer_query_parameters_take_ascii_digits_only(api: Api, value: str) -> None:
    reply = await api.call("GET", "/organizations", params={"limit": value})
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["meta"] == {"param_name": "limit"}


@pytest.mark.slow  # a soak of 300 random requests: make test runs it, make check does not
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_no_request_makes_the_emulator_answer_500(api: Api, data: st.DataObject) -> None:
    method, path, query, body, status, raw = await random_request(api, data)
    assert status < 500, (method, path, query, body, raw)
    if status >= 400:
        assert is_clerk_error(loads(raw)), raw
    elif "/_emulator/" not in path:
        loads(raw)  # JSON


async def test_the_property_test_reaches_every_route(api: Api) -> None:
    # A guard for the test above: a route it could not reach would be untested.
    found = routes(api.emulator)
    assert ("PUT", "/v1/organizations/{organization_id}/logo") in found
    assert len(found) >= 15


async def test_a_raw_non_utf8_path_is_refused_before_any_handler(
    clerk_emulator: ClerkEmulator,
) -> None:
    # aiohttp's own parser refuses it with a plain 400 before the application sees it.
    reader, writer = await asyncio.open_connection(clerk_emulator.host, clerk_emulator.port)
    writer.write(
        b"GET /v1/organizations/\xff HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    status_line = await reader.readline()
    writer.close()
    await writer.wait_closed()
    assert status_line.split()[1] == b"400"


@pytest.fixture(params=["orjson", "stdlib"])
def json_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with the emulator decoding bodies through each JSON backend."""
    from clerk_orgs_async import _json
    from clerk_orgs_async.testing import _bodies

    if request.param == "stdlib":
        monkeypatch.setattr(_bodies, "loads", _json._std_loads)
    return str(request.param)


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "\\ud800"}',
        b'{"name": "Acme", "public_metadata": {"a": NaN}}',
        b'{"name": "Acme", "private_metadata": {"a": [Infinity]}}',
        b'{"name": "Acme", "public_metadata": {"a": -Infinity}}',
        b'{"name": "Acme", "public_metadata": {"\\udfff": 1}}',
    ],
)
async def test_json_that_cannot_be_answered_back_is_a_400(
    api: Api, json_backend: str, body: bytes
) -> None:
    reply = await api.call(
        "POST", "/organizations", data=body, headers={"Content-Type": "application/json"}
    )
    assert reply.status == 400, (json_backend, reply.body)
    assert reply.error_code() == "request_body_invalid"
    assert api.emulator.state.organizations == {}


def _nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


@pytest.mark.parametrize("depth", [150, 990, 1_030, 100_000])
async def test_a_body_nested_past_the_limit_is_a_400_and_stores_nothing(
    api: Api, json_backend: str, depth: int
) -> None:
    body = b'{"name": "Acme", "created_by": "user_alice", "public_metadata": %s}' % _nested(depth)
    reply = await api.call(
        "POST", "/organizations", data=body, headers={"Content-Type": "application/json"}
    )
    assert reply.status == 400, (json_backend, reply.body)
    assert reply.error_code() == "request_body_invalid"
    assert api.emulator.state.organizations == {}


async def test_a_body_nested_within_the_limit_is_stored_and_answered_back(
    api: Api, json_backend: str
) -> None:
    body = b'{"name": "Acme", "created_by": "user_alice", "public_metadata": %s}' % _nested(98)
    reply = await api.call(
        "POST", "/organizations", data=body, headers={"Content-Type": "application/json"}
    )
    assert reply.status == 200, (json_backend, reply.body)
    metadata = reply.body["public_metadata"]
    for _ in range(98):
        metadata = metadata["a"]
    assert metadata == 1


async def _raw(emulator: ClerkEmulator, request: bytes, *, wait: float = 10) -> bytes:
    """Send ``request`` as bytes and read until the emulator closes the connection."""
    reader, writer = await asyncio.open_connection(emulator.host, emulator.port)
    writer.write(request)
    try:
        return await asyncio.wait_for(reader.read(), wait)
    finally:
        writer.close()
        await writer.wait_closed()


def _post(emulator: ClerkEmulator, headers: bytes, body: bytes) -> bytes:
    return (
        b"POST /v1/organizations HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Authorization: Bearer " + emulator.secret_key.encode() + b"\r\n"
        b"Content-Type: application/json\r\n" + headers + b"\r\n" + body
    )


def _answer(raw: bytes) -> tuple[int, Any]:
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), loads(body)


@pytest.mark.parametrize("encoding", [b"gzip", b"deflate"])
async def test_a_body_that_is_not_in_its_content_encoding_is_a_400(
    clerk_emulator: ClerkEmulator, encoding: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    body = b'{"name": "Acme"}'
    headers = b"Content-Encoding: " + encoding + b"\r\nContent-Length: %d\r\n" % len(body)
    status, answer = _answer(await _raw(clerk_emulator, _post(clerk_emulator, headers, body)))
    assert status == 400, answer
    assert is_clerk_error(answer)
    assert answer["errors"][0]["code"] == "request_body_invalid"
    assert clerk_emulator.state.organizations == {}
    assert [r.status for r in clerk_emulator.requests] == [400]
    assert "Traceback" not in caplog.text


async def test_a_body_shorter_than_its_content_length_is_a_408_not_a_hang(
    clerk_emulator: ClerkEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clerk_orgs_async.testing import _payload

    monkeypatch.setattr(_payload, "BODY_SECONDS", 0.2)
    request = _post(clerk_emulator, b"Content-Length: 100\r\n", b'{"name": "Acme"}')
    status, answer = _answer(await _raw(clerk_emulator, request, wait=5))
    assert status == 408, answer
    assert is_clerk_error(answer)
    assert clerk_emulator.state.organizations == {}
    assert [r.status for r in clerk_emulator.requests] == [408]


async def test_a_short_body_with_a_wrong_key_is_answered_too(
    clerk_emulator: ClerkEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The request log reads the body of a request no handler read (a 401): in bounded time.
    from clerk_orgs_async.testing import _payload

    monkeypatch.setattr(_payload, "BODY_SECONDS", 0.2)
    request = _post(clerk_emulator, b"Content-Length: 100\r\n", b'{"name": "Acme"}')
    request = request.replace(clerk_emulator.secret_key.encode(), b"sk_test_wrong")
    status, answer = _answer(await _raw(clerk_emulator, request, wait=5))
    assert status == 401, answer
    assert [r.status for r in clerk_emulator.requests] == [401]


async def test_a_client_gone_in_the_middle_of_its_body_leaves_no_traceback(
    clerk_emulator: ClerkEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    reader, writer = await asyncio.open_connection(clerk_emulator.host, clerk_emulator.port)
    writer.write(_post(clerk_emulator, b"Content-Length: 100\r\n", b'{"name": "Ac'))
    await writer.drain()
    await until(lambda: clerk_emulator.stats.requests == 1)  # it is reading the body
    writer.close()
    await writer.wait_closed()
    await until(lambda: bool(clerk_emulator.requests))
    assert [(r.status, r.fault) for r in clerk_emulator.requests] == [(None, None)]
    assert clerk_emulator.state.organizations == {}
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info], caplog.text


@pytest.mark.parametrize(
    "request_line",
    [
        b"GET /v1/organizations?query=\xff HTTP/1.1",
        b"GET /v1/organizations/" + b"a" * 9000 + b" HTTP/1.1",
    ],
    ids=["not-utf8-query", "too-long"],
)
async def test_a_request_http_cannot_parse_is_logged_in_one_line(
    clerk_emulator: ClerkEmulator, caplog: pytest.LogCaptureFixture, request_line: bytes
) -> None:
    # aiohttp answers these itself before the application; its log would carry a traceback.
    raw = await _raw(
        clerk_emulator, request_line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    assert raw.split()[1] == b"400"
    refused = [r for r in caplog.records if r.name.startswith("clerk_orgs_async")]
    assert [r.levelname for r in refused] == ["WARNING"], caplog.text
    assert "\n" not in refused[0].getMessage()
    assert not [r for r in caplog.records if r.exc_info], caplog.text
