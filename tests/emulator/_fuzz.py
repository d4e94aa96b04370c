"""Random requests to an emulator, for the property tests: any route, odd paths, query
strings, headers and bodies (JSON of the wrong types, huge numbers, bytes that are not UTF-8,
broken multipart)."""

from __future__ import annotations

import json
import string
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st
from yarl import URL

from clerk_orgs_async.testing import ClerkEmulator

from ._support import Api

MULTIPART = "multipart/form-data; boundary=XX"


def is_clerk_error(body: Any) -> bool:
    """Whether ``body`` is in Clerk's ``ClerkErrors`` shape."""
    return (
        isinstance(body, dict)
        and isinstance(body.get("errors"), list)
        and all({"code", "message", "long_message"} <= set(e) for e in body["errors"])
        and isinstance(body.get("clerk_trace_id"), str)
    )


def part(headers: bytes, content: bytes = b"\x89PNG\r\n\x1a\n") -> bytes:
    """A multipart body with one part, boundary ``XX``."""
    return b"--XX\r\n" + headers + b"\r\n\r\n" + content + b"\r\n--XX--\r\n"


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
    lambda name, headers, content: part(
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


def routes(emulator: ClerkEmulator) -> list[tuple[str, str]]:
    """The API's routes (under ``/v1``; not the web console's, which serves HTML)."""
    return sorted(
        {
            (route.method, route.resource.canonical)
            for route in emulator.app.router.routes()
            if route.resource is not None
            and route.method != "HEAD"
            and route.resource.canonical.startswith("/v1/")
        }
    )


async def random_request(
    api: Api, data: st.DataObject
) -> tuple[str, str, list[tuple[str, str]], bytes, int, bytes]:
    """Send one random request; returns what was sent and the status and body answered."""
    state = api.emulator.state
    if "acme" not in {org.slug for org in state.organizations.values()}:
        # Through the API, not the state, so a data file's journal has it too.
        await api.create_org("Acme", slug="acme", created_by="user_alice")
    # Real IDs most of the time, so that requests get past the lookups to the body parsing.
    known = st.sampled_from([*state.organizations, *state.users, "acme"])
    method, template = data.draw(st.sampled_from(routes(api.emulator)), label="route")
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
        if response.status >= 400 or "/_emulator/" not in path:
            assert response.content_type == "application/json", (response.status, raw)
        return method, path, query, body, response.status, raw
