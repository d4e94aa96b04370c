"""Every organizations endpoint on the wire: method, path, query, headers, body, decoding."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from pathlib import Path

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from clerk_orgs_async import (
    UNSET,
    ClerkClient,
    DeletedObject,
    InvalidRequestError,
    Organization,
)
from tests.conftest import SECRET, sample
from tests.wire.conftest import API, only_request, sent

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


async def test_get_sends_auth_version_and_user_agent(
    mock: aioresponses, clerk: ClerkClient
) -> None:
    mock.get(f"{API}/organizations/acme-corp", payload=sample("organization"))

    org = await clerk.organizations.get("acme-corp")

    method, url, kwargs = only_request(mock)
    assert (method, url) == ("GET", URL(f"{API}/organizations/acme-corp"))
    headers = kwargs["headers"]
    assert headers["Authorization"] == f"Bearer {SECRET}"
    assert headers["Clerk-API-Version"] == "2025-11-10"
    assert headers["User-Agent"].startswith("clerk-orgs-async/")
    assert org.slug == "acme-corp"


async def test_get_decodes_every_field(mock: aioresponses, clerk: ClerkClient) -> None:
    mock.get(
        f"{API}/organizations/org_1?include_members_count=true", payload=sample("organization")
    )

    org = await clerk.organizations.get("org_1", include_members_count=True)

    assert org == Organization(
        id="org_2xK7d3mQz9LpR4sT8vW1yB6nH0c",
        name="Acme Corporation",
        slug="acme-corp",
        image_url="https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCJ9",
        has_image=False,
        members_count=3,
        missing_member_with_elevated_permissions=False,
        pending_invitations_count=1,
        max_allowed_memberships=5,
        admin_delete_enabled=True,
        public_metadata={"plan": "pro", "limits": {"seats": 5}},
        private_metadata={"crm_id": "A-1001"},
        created_by="user_2xK7aBcDeFgHiJkLmNoPqRsTuVw",
        created_at=datetime(2024, 11, 19, 7, 6, 40, 123000, tzinfo=timezone.utc),
        updated_at=datetime(2024, 11, 19, 7, 15, 0, 456000, tzinfo=timezone.utc),
        last_active_at=datetime(2024, 11, 19, 7, 21, 40, 789000, tzinfo=timezone.utc),
        role_set_key=None,
    )


@pytest.mark.parametrize(
    ("given", "path"),
    [
        ("../users", "..%2Fusers"),
        ("a/b", "a%2Fb"),
        ("what?x=1", "what%3Fx%3D1"),
        ("frag#x", "frag%23x"),
        ("100%", "100%25"),
        ("sp ace", "sp%20ace"),
    ],
)
async def test_ids_are_encoded_as_one_segment(
    mock: aioresponses, clerk: ClerkClient, given: str, path: str
) -> None:
    mock.get(URL(f"{API}/organizations/{path}", encoded=True), payload=sample("organization"))

    await clerk.organizations.get(given)

    _, url, _ = only_request(mock)
    assert url.raw_path == f"/v1/organizations/{path}"
    assert url.raw_query_string == ""


@pytest.mark.parametrize("bad", ["", ".", ".."])
async def test_empty_and_dot_ids_are_refused_before_io(
    mock: aioresponses, clerk: ClerkClient, bad: str
) -> None:
    with pytest.raises(InvalidRequestError, match="non-empty ID"):
        await clerk.organizations.get(bad)
    with pytest.raises(InvalidRequestError):
        await clerk.organizations.delete(bad)
    with pytest.raises(InvalidRequestError):
        await clerk.organization_memberships.delete("org_1", bad)
    assert sent(mock) == []


async def test_list_one_page_with_every_filter(mock: aioresponses, clerk: ClerkClient) -> None:
    body = {"data": [sample("organization"), sample("organization_minimal")], "total_count": 42}
    mock.get(
        f"{API}/organizations?query=ac&order_by=-name&include_members_count=true"
        "&include_missing_member_with_elevated_permissions=false&user_id=user_a&user_id=-user_b"
        "&organization_id=%2Borg_1&limit=20&offset=40",
        payload=body,
    )

    page = await clerk.organizations.list(
        limit=20,
        offset=40,
        query="ac",
        order_by="-name",
        include_members_count=True,
        include_missing_member_with_elevated_permissions=False,
        user_id=["user_a", "-user_b"],
        organization_id="+org_1",
    )

    _, url, kwargs = only_request(mock)
    assert kwargs["params"] == [
        ("query", "ac"),
        ("order_by", "-name"),
        ("include_members_count", "true"),
        ("include_missing_member_with_elevated_permissions", "false"),
        ("user_id", "user_a"),
        ("user_id", "-user_b"),
        ("organization_id", "+org_1"),
        ("limit", "20"),
        ("offset", "40"),
    ]
    assert [org.slug for org in page.data] == ["acme-corp", "minimal"]
    assert page.total_count == 42
    assert page.has_next_page is False  # 40 + 2 < 42, but the page was short


async def test_list_without_arguments_sends_the_default_order(
    mock: aioresponses, clerk: ClerkClient
) -> None:
    # Iteration relies on Clerk's default order, so it is sent rather than assumed.
    mock.get(f"{API}/organizations?order_by=-created_at", payload={"data": [], "total_count": 0})

    page = await clerk.organizations.list()

    _, url, kwargs = only_request(mock)
    assert kwargs["params"] == [("order_by", "-created_at")]
    assert page.data == []
    assert page.has_next_page is False
    assert await page.next_page() is None


async def test_create_sends_only_given_fields(mock: aioresponses, clerk: ClerkClient) -> None:
    mock.post(f"{API}/organizations", payload=sample("organization"))

    org = await clerk.organizations.create(
        name="Acme Corporation",
        created_by="user_1",
        slug="acme-corp",
        public_metadata={"plan": "pro"},
        private_metadata=None,
        created_at=datetime(2012, 10, 20, 7, 15, 20, 902000, tzinfo=timezone.utc),
    )

    method, url, kwargs = only_request(mock)
    assert (method, url.path) == ("POST", "/v1/organizations")
    assert kwargs["headers"]["Content-Type"] == "application/json"
    assert json.loads(kwargs["data"]) == {
        "name": "Acme Corporation",
        "created_by": "user_1",
        "slug": "acme-corp",
        "public_metadata": {"plan": "pro"},
        "private_metadata": None,
        "created_at": "2012-10-20T07:15:20.902Z",
    }
    assert org.id == "org_2xK7d3mQz9LpR4sT8vW1yB6nH0c"


async def test_create_with_every_field(mock: aioresponses, clerk: ClerkClient) -> None:
    mock.post(f"{API}/organizations", payload=sample("organization"))

    await clerk.organizations.create(
        name="N",
        created_by=None,
        slug=None,
        max_allowed_memberships=0,
        created_at="2012-10-20T07:15:20.902Z",
        role_set_key="default",
    )

    _, _, kwargs = only_request(mock)
    assert json.loads(kwargs["data"]) == {
        "name": "N",
        "created_by": None,
        "slug": None,
        "max_allowed_memberships": 0,
        "created_at": "2012-10-20T07:15:20.902Z",
        "role_set_key": "default",
    }


@pytest.mark.parametrize("slug", ["Acme", "acme corp", "acme_corp", "ácme", ""])
async def test_bad_slug_is_refused_before_io(
    mock: aioresponses, clerk: ClerkClient, slug: str
) -> None:
    with pytest.raises(InvalidRequestError, match="slug"):
        await clerk.organizations.create(name="Acme", slug=slug)
    with pytest.raises(InvalidRequestError, match="slug"):
        await clerk.organizations.update("org_1", slug=slug)
    assert sent(mock) == []


async def test_negative_max_memberships_and_naive_datetime_are_refused(
    mock: aioresponses, clerk: ClerkClient
) -> None:
    with pytest.raises(InvalidRequestError, match="max_allowed_memberships"):
        await clerk.organizations.create(name="Acme", max_allowed_memberships=-1)
    with pytest.raises(InvalidRequestError, match="timezone-aware"):
        await clerk.organizations.create(name="Acme", created_at=datetime(2020, 1, 1))
    assert sent(mock) == []


async def test_update_unset_is_left_out_and_none_is_null(
    mock: aioresponses, clerk: ClerkClient
) -> None:
    mock.patch(f"{API}/organizations/org_1", payload=sample("organization"))

    await clerk.organizations.update(
        "org_1",
        name="New name",
        slug=UNSET,
        max_allowed_memberships=10,
        admin_delete_enabled=False,
        public_metadata={"a": 1},
        private_metadata=None,
        role_set_key=None,
        created_at=datetime(2020, 1, 1, 2, tzinfo=timezone.utc),
    )

    method, url, kwargs = only_request(mock)
    assert (method, url.path) == ("PATCH", "/v1/organizations/org_1")
    assert json.loads(kwargs["data"]) == {
        "name": "New name",
        "max_allowed_memberships": 10,
        "admin_delete_enabled": False,
        "public_metadata": {"a": 1},
        "private_metadata": None,
        "created_at": "2020-01-01T02:00:00.000Z",
        "role_set_key": None,
    }


async def test_update_metadata_is_refused_from_api_version_2026_05_12(
    mock: aioresponses,
) -> None:
    async with ClerkClient(SECRET, api_version="2026-05-12", rate_limit=None) as clerk:
        with pytest.raises(InvalidRequestError, match="merge_metadata"):
            await clerk.organizations.update("org_1", public_metadata={"a": 1})
        mock.patch(f"{API}/organizations/org_1", payload=sample("organization"))
        await clerk.organizations.update("org_1", name="ok")
    _, _, kwargs = only_request(mock)
    assert kwargs["headers"]["Clerk-API-Version"] == "2026-05-12"
    assert json.loads(kwargs["data"]) == {"name": "ok"}


async def test_delete_returns_deleted_object(mock: aioresponses, clerk: ClerkClient) -> None:
    mock.delete(f"{API}/organizations/org_1", payload=sample("deleted_organization"))

    deleted = await clerk.organizations.delete("org_1")

    method, url, kwargs = only_request(mock)
    assert (method, url.path, kwargs["data"]) == ("DELETE", "/v1/organizations/org_1", None)
    assert deleted == DeletedObject(
        object="organization", id="org_2xK7d3mQz9LpR4sT8vW1yB6nH0c", deleted=True
    )


@pytest.mark.parametrize(
    ("name", "verb"), [("merge_metadata", "PATCH"), ("replace_metadata", "PUT")]
)
async def test_metadata_endpoints(
    mock: aioresponses, clerk: ClerkClient, name: str, verb: str
) -> None:
    mock.add(f"{API}/organizations/org_1/metadata", verb, payload=sample("organization"))

    await getattr(clerk.organizations, name)("org_1", public_metadata={"limits": {"seats": None}})

    method, url, kwargs = only_request(mock)
    assert (method, url.path) == (verb, "/v1/organizations/org_1/metadata")
    assert json.loads(kwargs["data"]) == {"public_metadata": {"limits": {"seats": None}}}


async def test_upload_logo_sends_multipart(mock: aioresponses, clerk: ClerkClient) -> None:
    mock.put(f"{API}/organizations/org_1/logo", payload=sample("organization_with_logo"))

    org = await clerk.organizations.upload_logo("org_1", PNG, uploader_user_id="user_1")

    method, url, kwargs = only_request(mock)
    assert (method, url.path) == ("PUT", "/v1/organizations/org_1/logo")
    form = kwargs["data"]
    assert isinstance(form, aiohttp.FormData)
    fields = {
        options["name"]: (options, headers, value) for options, headers, value in form._fields
    }
    file_options, file_headers, file_value = fields["file"]
    assert file_options["filename"] == "logo.png"
    assert file_headers["Content-Type"] == "image/png"
    assert file_value.read() == PNG
    assert fields["uploader_user_id"][2] == "user_1"
    assert org.has_image is True
    assert org.logo_url == org.image_url


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        ("a.jpg", b"not really", "image/jpeg"),
        (None, b"\xff\xd8\xff\xe0" + b"\x00" * 8, "image/jpeg"),
        (None, b"GIF89a" + b"\x00" * 8, "image/gif"),
        (None, b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (None, b"\x00\x00\x01\x00" + b"\x00" * 8, "image/x-icon"),
    ],
)
async def test_logo_content_type_guessed_from_name_or_magic(
    mock: aioresponses, clerk: ClerkClient, filename: str | None, data: bytes, expected: str
) -> None:
    mock.put(f"{API}/organizations/org_1/logo", payload=sample("organization_with_logo"))

    await clerk.organizations.upload_logo("org_1", data, filename=filename)

    _, _, kwargs = only_request(mock)
    (_, headers, _) = kwargs["data"]._fields[0]
    assert headers["Content-Type"] == expected


async def test_logo_from_path_and_file_object(
    mock: aioresponses, clerk: ClerkClient, tmp_path: Path
) -> None:
    path = tmp_path / "brand.png"
    path.write_bytes(PNG)
    mock.put(
        f"{API}/organizations/org_1/logo", payload=sample("organization_with_logo"), repeat=True
    )

    await clerk.organizations.upload_logo("org_1", path)
    with path.open("rb") as handle:
        await clerk.organizations.upload_logo("org_1", handle)
    await clerk.organizations.upload_logo("org_1", io.BytesIO(PNG), content_type="image/png")

    names = [call[2]["data"]._fields[0][0]["filename"] for call in sent(mock)]
    assert names == ["brand.png", "brand.png", "logo.png"]


async def test_logo_refusals_send_nothing(
    mock: aioresponses, clerk: ClerkClient, tmp_path: Path
) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(PNG + b"\x00" * (10 * 1024 * 1024))
    with pytest.raises(InvalidRequestError, match="at most"):
        await clerk.organizations.upload_logo("org_1", big)
    with pytest.raises(InvalidRequestError, match="at most"):
        await clerk.organizations.upload_logo("org_1", PNG + b"\x00" * (10 * 1024 * 1024))
    with pytest.raises(InvalidRequestError, match="one of"):
        await clerk.organizations.upload_logo("org_1", b"%PDF-1.7 hello")
    with pytest.raises(InvalidRequestError, match="one of"):
        await clerk.organizations.upload_logo("org_1", PNG, content_type="image/svg+xml")
    with pytest.raises(InvalidRequestError, match="empty"):
        await clerk.organizations.upload_logo("org_1", b"")
    with pytest.raises(InvalidRequestError, match="binary mode"):
        await clerk.organizations.upload_logo("org_1", io.StringIO("text"))  # type: ignore[arg-type]
    assert sent(mock) == []


async def test_delete_logo(mock: aioresponses, clerk: ClerkClient) -> None:
    mock.delete(f"{API}/organizations/org_1/logo", payload=sample("organization"))

    org = await clerk.organizations.delete_logo("org_1")

    method, url, _ = only_request(mock)
    assert (method, url.path) == ("DELETE", "/v1/organizations/org_1/logo")
    assert org.has_image is False


async def test_per_call_timeout_reaches_aiohttp(mock: aioresponses, clerk: ClerkClient) -> None:
    mock.get(f"{API}/organizations/org_1", payload=sample("organization"))

    await clerk.organizations.get("org_1", timeout=2.5)

    _, _, kwargs = only_request(mock)
    assert kwargs["timeout"].total == 2.5
