"""Every membership endpoint on the wire."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from aioresponses import aioresponses

from clerk_orgs_async import ClerkClient, OrganizationMembership, PublicUserData
from tests.conftest import sample
from tests.wire.conftest import API, only_request

MEMBERS = f"{API}/organizations/org_1/memberships"


async def test_create(mock: aioresponses, clerk: ClerkClient) -> None:
    mock.post(MEMBERS, payload=sample("membership"))

    member = await clerk.organization_memberships.create(
        "org_1", user_id="user_1", role="org:admin", public_metadata={"team": "platform"}
    )

    method, url, kwargs = only_request(mock)
    assert (method, url.path) == ("POST", "/v1/organizations/org_1/memberships")
    assert json.loads(kwargs["data"]) == {
        "user_id": "user_1",
        "role": "org:admin",
        "public_metadata": {"team": "platform"},
    }
    assert isinstance(member, OrganizationMembership)
    assert member.role == "org:admin"
    assert member.permissions == ["org:sys_profile:manage", "org:sys_memberships:manage"]
    assert member.organization.slug == "acme-corp"
    assert member.public_user_data == PublicUserData(
        user_id="user_2xK7aBcDeFgHiJkLmNoPqRsTuVw",
        first_name="Ada",
        last_name=None,
        image_url="https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCJ9",
        has_image=False,
        identifier="ada@example.com",
        username=None,
        profile_image_url=None,
        banned=False,
        deprovisioned=False,
    )


async def test_list_with_every_filter(mock: aioresponses, clerk: ClerkClient) -> None:
    mock.get(
        f"{MEMBERS}?order_by=-created_at&user_id=user_1&user_id=-user_2&email_address=a@x.io"
        "&phone_number=%2B15550100&username=ada&web3_wallet=0xabc&role=org:admin&role=org:member"
        "&query=ad&email_address_query=x.io&phone_number_query=555&username_query=AD"
        "&name_query=lovelace&last_active_at_before=1700000000000&last_active_at_after=1600000000000"
        "&created_at_before=1700000000000&created_at_after=1600000000000&limit=50&offset=0",
        payload={"data": [sample("membership")], "total_count": 1},
    )

    page = await clerk.organization_memberships.list(
        "org_1",
        limit=50,
        offset=0,
        order_by="-created_at",
        user_id=["user_1", "-user_2"],
        email_address="a@x.io",
        phone_number=["+15550100"],
        username="ada",
        web3_wallet="0xabc",
        role=["org:admin", "org:member"],
        query="ad",
        email_address_query="x.io",
        phone_number_query="555",
        username_query="AD",
        name_query="lovelace",
        last_active_at_before=datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc),
        last_active_at_after=1600000000000,
        created_at_before=1700000000000,
        created_at_after=datetime.fromtimestamp(1600000000, tz=timezone.utc),
    )

    _, _, kwargs = only_request(mock)
    assert kwargs["params"] == [
        ("order_by", "-created_at"),
        ("user_id", "user_1"),
        ("user_id", "-user_2"),
        ("email_address", "a@x.io"),
        ("phone_number", "+15550100"),
        ("username", "ada"),
        ("web3_wallet", "0xabc"),
        ("role", "org:admin"),
        ("role", "org:member"),
        ("query", "ad"),
        ("email_address_query", "x.io"),
        ("phone_number_query", "555"),
        ("username_query", "AD"),
        ("name_query", "lovelace"),
        ("last_active_at_before", "1700000000000"),
        ("last_active_at_after", "1600000000000"),
        ("created_at_before", "1700000000000"),
        ("created_at_after", "1600000000000"),
        ("limit", "50"),
        ("offset", "0"),
    ]
    assert page.total_count == 1
    assert page.data[0].id == "orgmem_2xK8e4nRa0MqS5tU9wX2zC7oI1d"


async def test_update_role(mock: aioresponses, clerk: ClerkClient) -> None:
    mock.patch(f"{MEMBERS}/user_1", payload=sample("membership"))

    await clerk.organization_memberships.update("org_1", "user_1", role="org:member")

    method, url, kwargs = only_request(mock)
    assert (method, url.path) == ("PATCH", "/v1/organizations/org_1/memberships/user_1")
    assert json.loads(kwargs["data"]) == {"role": "org:member"}


async def test_merge_metadata(mock: aioresponses, clerk: ClerkClient) -> None:
    mock.patch(f"{MEMBERS}/user_1/metadata", payload=sample("membership"))

    await clerk.organization_memberships.merge_metadata(
        "org_1", "user_1", private_metadata={"old": None}
    )

    method, url, kwargs = only_request(mock)
    assert (method, url.path) == ("PATCH", "/v1/organizations/org_1/memberships/user_1/metadata")
    assert json.loads(kwargs["data"]) == {"private_metadata": {"old": None}}


async def test_update_metadata_warns_and_merges(mock: aioresponses, clerk: ClerkClient) -> None:
    """The old name of ``merge_metadata`` still works, and says which name to use."""
    mock.patch(f"{MEMBERS}/user_1/metadata", payload=sample("membership"))

    with pytest.warns(DeprecationWarning, match=r"use merge_metadata\(\)") as warned:
        pending = clerk.organization_memberships.update_metadata(
            "org_1", "user_1", public_metadata={"team": "x"}, timeout=5
        )
    merged = await pending

    assert warned[0].filename == __file__  # points at the caller's line
    method, url, kwargs = only_request(mock)
    assert (method, url.path) == ("PATCH", "/v1/organizations/org_1/memberships/user_1/metadata")
    assert json.loads(kwargs["data"]) == {"public_metadata": {"team": "x"}}
    assert merged.id == "orgmem_2xK8e4nRa0MqS5tU9wX2zC7oI1d"


async def test_delete(mock: aioresponses, clerk: ClerkClient) -> None:
    mock.delete(f"{MEMBERS}/user%2F1", payload=sample("membership"))

    removed = await clerk.organization_memberships.delete("org_1", "user/1")

    method, url, _ = only_request(mock)
    assert (method, url.raw_path) == ("DELETE", "/v1/organizations/org_1/memberships/user%2F1")
    assert removed is not None
    assert removed.id == "orgmem_2xK8e4nRa0MqS5tU9wX2zC7oI1d"
