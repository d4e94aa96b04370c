"""Whatever a caller sends, the emulator answers in Clerk's shape and never with a 500.

The explicit cases are the ones that once crashed a handler; the property test throws random
methods, paths, query strings, headers and bodies (JSON of the wrong types, huge numbers,
bytes that are not UTF-8, broken multipart) at every route.
"""

from __future__ import annotations

import asyncio
import json
import string
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yarl import URL

from clerk_orgs_async._json import loads
from clerk_orgs_async.testing import ClerkEmulator

from ._support import Api

MULTIPART = "multipart/form-data; boundary=XX"


def _is_clerk_error(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and isinstance(body.get("errors"), list)
        and all({"code", "message", "long_message"} <= set(e) for e in body["errors"])
        and isinstance(body.get("clerk_trace_id"), str)
    )


def _part(headers: bytes, content: bytes = b"\x89PNG\r\n\x1a\n") -> bytes:
    return b"--XX\r\n" + headers + b"\r\n\r\n" + content + b"\r\n--XX--\r\n"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(
            _part(b'Content-Disposition: form-data; na\x01me="file"'), MULTIPART, id="control-char"
        ),
        pytest.param(
            _part(b'Content-Disp\x01osition: form-data; name="file"'),
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
            _part(
                b'Content-Disposition: form-data; name="uploader_user_id"\r\n'
                b"Content-Type: text/plain; charset=utf-8",
                b"\xff\xfe",
            ),
            MULTIPART,
            id="field-not-utf8",
        ),
        pytest.param(
            _part(
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
    assert _is_clerk_error(reply.body)
    assert reply.error_code() == "request_body_invalid"
    assert api.emulator.state.organizations[org["id"]].image_id is None


@pytest.mark.parametrize("value", ["\uff11", "1_0", " 5", "0x10", "\u0663"])
async def test_integer_query_parameters_take_ascii_digits_only(api: Api, value: str) -> None:
    reply = await api.call("GET", "/organizations", params={"limit": value})
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["meta"] == {"param_name": "limit"}


# The property test.

_PARAMS = [
    "limit",
    "offset",
    "order_by",
    "query",
    "user_id",
    "organization_id",
    "email_address",
    "role",
    "created_at_before",
    "last_active_at_after",
    "include_members_count",
    "name_query",
]
_FIELDS = [
    "name",
    "slug",
    "created_by",
    "max_allowed_memberships",
    "public_metadata",
    "private_metadata",
    "created_at",
    "admin_delete_enabled",
    "role_set_key",
    "user_id",
    "role",
]
_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(["user_alice", "org:admin", "acme", "2024-01-01T00:00:00Z", ""])
)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
_json_body = st.dictionaries(st.sampled_from(_FIELDS) | st.text(max_size=8), _json_values).map(
    lambda body: json.dumps(body).encode()
)
_multipart_body = st.builds(
    lambda name, headers, content: _part(
        b'Content-Disposition: form-data; name="' + name + b'"' + headers, content
    ),
    st.sampled_from([b"file", b"uploader_user_id"]) | st.binary(max_size=8),
    st.binary(max_size=30),
    st.binary(max_size=30),
)
_bodies = st.one_of(
    st.just((b"", None)),
    st.tuples(_json_body, st.just("application/json")),
    st.tuples(st.binary(max_size=60), st.sampled_from(["application/json", None])),
    st.tuples(_multipart_body, st.sampled_from([MULTIPART, "multipart/form-data"])),
)
_segments = st.one_of(
    st.sampled_from(["acme", "user_alice", "org_missing", "..", "%ff%fe", "%00", "a%2Fb"]),
    st.text(alphabet=string.printable + "é☃\x00\x7f", min_size=1, max_size=12).map(
        lambda text: quote(text, safe="")
    ),
)
_queries = st.lists(
    st.tuples(
        st.sampled_from(_PARAMS) | st.text(max_size=6),
        st.one_of(
            st.integers(min_value=-(10**30), max_value=10**30).map(str),
            st.text(max_size=12),
            st.sampled_from(["-created_at", "+name", "members_count", "\uff11", "%ff", "true"]),
        ),
    ),
    max_size=5,
)


def _routes(emulator: ClerkEmulator) -> list[tuple[str, str]]:
    return sorted(
        {
            (route.method, route.resource.canonical)
            for route in emulator.app.router.routes()
            if route.resource is not None and route.method != "HEAD"
        }
    )


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_no_request_makes_the_emulator_answer_500(api: Api, data: st.DataObject) -> None:
    state = api.emulator.state
    if "acme" not in {org.slug for org in state.organizations.values()}:
        state.create_organization("Acme", slug="acme", created_by="user_alice")
    # Real IDs most of the time, so that requests get past the lookups to the body parsing.
    known = st.sampled_from([*state.organizations, *state.users, "acme"])
    method, template = data.draw(st.sampled_from(_routes(api.emulator)), label="route")
    path = template
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        segment = data.draw(known | _segments, label="segment")
        path = path[:start] + segment + path[end + 1 :]
    body, content_type = data.draw(_bodies, label="body")
    query = data.draw(_queries, label="query")
    headers = {"Authorization": f"Bearer {api.emulator.secret_key}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    if data.draw(st.booleans(), label="api version"):
        headers["Clerk-API-Version"] = data.draw(
            st.sampled_from(["2025-11-10", "2026-05-12", "", "garbage"])
        )
    host = URL(api.emulator.base_url).with_path("")
    url = URL(str(host) + path, encoded=True).extend_query(query)
    async with api.session.request(method, url, data=body, headers=headers) as response:
        raw = await response.read()
        assert response.status < 500, (method, path, query, body, raw)
        if response.status >= 400:
            assert response.content_type == "application/json", raw
            assert _is_clerk_error(loads(raw)), raw
        elif "/_emulator/" not in path:
            assert response.content_type == "application/json", raw


async def test_the_property_test_reaches_every_route(api: Api) -> None:
    # A guard for the test above: a route it could not reach would be untested.
    routes = _routes(api.emulator)
    assert ("PUT", "/v1/organizations/{organization_id}/logo") in routes
    assert len(routes) >= 15


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
