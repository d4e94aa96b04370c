"""Whatever a caller sends, the emulator answers in Clerk's shape and never with a 500.

The explicit cases are the ones that once crashed a handler; the property test throws random
methods, paths, query strings, headers and bodies (JSON of the wrong types, huge numbers,
bytes that are not UTF-8, broken multipart) at every route.
"""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clerk_orgs_async._json import loads
from clerk_orgs_async.testing import ClerkEmulator

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
    writer.write(b"GET /v1/organizations/\xff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
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
