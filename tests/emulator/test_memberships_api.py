"""The membership operations over HTTP: rules, every list filter and order."""

from __future__ import annotations

import re
from typing import Any

import pytest

from clerk_orgs_async.testing import ClerkEmulator

from ._support import Api

ID = re.compile(r"orgmem_[0-9A-Za-z]{27}")


async def _org_with_members(api: Api) -> dict[str, Any]:
    org = await api.create_org("Crew", created_by="user_alice", max_allowed_memberships=0)
    for user_id, role in (("user_bob", "org:member"), ("user_carol", "org:member")):
        reply = await api.call(
            "POST",
            f"/organizations/{org['id']}/memberships",
            json={"user_id": user_id, "role": role},
        )
        assert reply.status == 200, reply.body
    await api.call(
        "POST",
        f"/organizations/{org['id']}/memberships",
        json={"user_id": "user_dave", "role": "org:admin"},
    )
    return org


async def _user_ids(api: Api, org_id: str, **params: Any) -> list[str]:
    reply = await api.call("GET", f"/organizations/{org_id}/memberships", params=params)
    assert reply.status == 200, reply.body
    assert reply.body["total_count"] >= len(reply.body["data"])
    return [m["public_user_data"]["user_id"] for m in reply.body["data"]]


async def test_the_creator_is_the_first_admin(api: Api) -> None:
    org = await api.create_org("Solo", created_by="user_alice")
    reply = await api.call("GET", f"/organizations/{org['id']}/memberships")
    assert reply.body["total_count"] == 1
    (member,) = reply.body["data"]
    assert ID.fullmatch(member["id"])
    assert member["role"] == "org:admin"
    assert member["role_name"] == "Admin"
    assert "org:sys_memberships:manage" in member["permissions"]
    assert member["organization"]["id"] == org["id"]
    assert "members_count" not in member["organization"]
    assert member["public_user_data"] == {
        "user_id": "user_alice",
        "first_name": "Alice",
        "last_name": "Anders",
        "profile_image_url": "https://images.example.com/alice.png",
        "image_url": "https://images.example.com/alice.png",
        "has_image": True,
        "identifier": "alice@example.com",
        "username": "alice",
        "banned": False,
        "deprovisioned": False,
    }


async def test_create_membership_with_metadata_and_counts(api: Api) -> None:
    org = await api.create_org("Team")
    reply = await api.call(
        "POST",
        f"/organizations/{org['id']}/memberships",
        json={"user_id": "user_dave", "role": "org:member", "public_metadata": {"t": 1}},
    )
    assert reply.body["public_metadata"] == {"t": 1}
    assert reply.body["private_metadata"] == {}
    assert reply.body["public_user_data"]["first_name"] is None
    got = await api.call(
        "GET", f"/organizations/{org['id']}", params={"include_members_count": "1"}
    )
    assert got.body["members_count"] == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        # Clerk's answer for a user who is a member already (not 422 form_already_exists).
        ({"user_id": "user_alice", "role": "org:member"}, 400, "already_a_member_in_organization"),
        ({"user_id": "user_ghost", "role": "org:member"}, 404, "resource_not_found"),
        ({"user_id": "user_bob", "role": "org:owner"}, 422, "form_param_value_invalid"),
        ({"user_id": "user_bob"}, 422, "form_param_missing"),
        ({"role": "org:member"}, 422, "form_param_missing"),
        ({"user_id": 7, "role": "org:member"}, 400, "request_body_invalid"),
    ],
)
async def test_create_membership_refuses_what_clerk_refuses(
    api: Api, body: dict[str, Any], status: int, code: str
) -> None:
    org = await api.create_org("Team", created_by="user_alice")
    reply = await api.call("POST", f"/organizations/{org['id']}/memberships", json=body)
    assert (reply.status, reply.error_code()) == (status, code)


async def test_the_quota_counts_the_creator_and_zero_is_unlimited(api: Api) -> None:
    small = await api.create_org("Small", created_by="user_alice", max_allowed_memberships=2)
    path = f"/organizations/{small['id']}/memberships"
    ok = await api.call("POST", path, json={"user_id": "user_bob", "role": "org:member"})
    assert ok.status == 200
    full = await api.call("POST", path, json={"user_id": "user_carol", "role": "org:member"})
    assert (full.status, full.error_code()) == (403, "quota_exceeded")
    unlimited = await api.create_org("Big", max_allowed_memberships=0)
    for user_id in ("user_alice", "user_bob", "user_carol", "user_dave", "user_erin"):
        reply = await api.call(
            "POST",
            f"/organizations/{unlimited['id']}/memberships",
            json={"user_id": user_id, "role": "org:member"},
        )
        assert reply.status == 200
    sixth = await api.call(
        "POST",
        f"/organizations/{unlimited['id']}/memberships",
        json={"user_id": "user_frank", "role": "org:member"},
    )
    assert sixth.status == 200


@pytest.mark.clerk_emulator(default_max_allowed_memberships=1)
async def test_the_instance_default_quota_is_configurable(api: Api) -> None:
    org = await api.create_org("Tiny", created_by="user_alice")
    assert org["max_allowed_memberships"] == 1
    reply = await api.call(
        "POST",
        f"/organizations/{org['id']}/memberships",
        json={"user_id": "user_bob", "role": "org:member"},
    )
    assert reply.error_code() == "quota_exceeded"


@pytest.mark.clerk_emulator(roles=("org:admin", "org:billing_manager"))
async def test_roles_come_from_the_configured_set(api: Api) -> None:
    org = await api.create_org("Custom")
    path = f"/organizations/{org['id']}/memberships"
    billing = await api.call(
        "POST", path, json={"user_id": "user_bob", "role": "org:billing_manager"}
    )
    assert (billing.body["role_name"], billing.body["permissions"]) == ("Billing Manager", [])
    member = await api.call("POST", path, json={"user_id": "user_carol", "role": "org:member"})
    assert member.error_code() == "form_param_value_invalid"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"user_id": ["+user_bob", "user_carol"]}, {"user_bob", "user_carol"}),
        ({"user_id": "-user_bob"}, {"user_alice", "user_carol", "user_dave"}),
        ({"email_address": ["bob@example.com", "nobody@x.y"]}, {"user_bob"}),
        ({"phone_number": "+15550000001"}, {"user_alice"}),
        ({"username": ["bobby", "carol"]}, {"user_bob", "user_carol"}),
        ({"web3_wallet": "0xaaa1"}, {"user_alice"}),
        ({"role": "org:admin"}, {"user_alice", "user_dave"}),
        ({"query": "SAMPLE"}, {"user_carol"}),
        ({"query": "user_da"}, {"user_dave"}),
        ({"query": "Bak"}, {"user_bob"}),
        ({"email_address_query": "EXAMPLE"}, {"user_alice", "user_bob"}),
        ({"phone_number_query": "0002"}, {"user_bob"}),
        ({"username_query": "OBB"}, {"user_bob"}),
        ({"name_query": "clark"}, {"user_carol"}),
        ({"last_active_at_before": 1_700_000_100_000}, {"user_alice"}),
        ({"last_active_at_after": 1_700_000_100_000}, {"user_bob"}),
        ({"role": "org:member", "username_query": "o"}, {"user_bob", "user_carol"}),
    ],
)
async def test_membership_filters(api: Api, params: dict[str, Any], expected: set[str]) -> None:
    org = await _org_with_members(api)
    assert set(await _user_ids(api, org["id"], **params)) == expected


async def test_created_at_filters_use_the_membership_creation_time(
    api: Api, clerk_emulator: ClerkEmulator
) -> None:
    org = await _org_with_members(api)
    members = {m.user_id: m for m in clerk_emulator.state.memberships(org["id"])}
    members["user_bob"].created_at = 1_000
    members["user_carol"].created_at = 2_000
    assert await _user_ids(api, org["id"], created_at_before=1_500) == ["user_bob"]
    after = await _user_ids(api, org["id"], created_at_after=1_500, created_at_before=2_500)
    assert after == ["user_carol"]


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ("email_address", ["user_alice", "user_bob", "user_carol", "user_dave"]),
        ("-email_address", ["user_carol", "user_bob", "user_alice", "user_dave"]),
        ("first_name", ["user_alice", "user_bob", "user_carol", "user_dave"]),
        ("-last_name", ["user_carol", "user_bob", "user_alice", "user_dave"]),
        ("+username", ["user_alice", "user_bob", "user_carol", "user_dave"]),
        ("-phone_number", ["user_bob", "user_alice", "user_carol", "user_dave"]),
        ("created_at", ["user_alice", "user_bob", "user_carol", "user_dave"]),
        ("-created_at", ["user_dave", "user_carol", "user_bob", "user_alice"]),
    ],
)
async def test_membership_orders(api: Api, order_by: str, expected: list[str]) -> None:
    org = await _org_with_members(api)
    assert await _user_ids(api, org["id"], order_by=order_by) == expected


async def test_membership_paging_and_bad_parameters(api: Api) -> None:
    org = await _org_with_members(api)
    page = await api.call(
        "GET",
        f"/organizations/{org['id']}/memberships",
        params={"limit": 2, "offset": 1, "order_by": "created_at"},
    )
    assert page.body["total_count"] == 4
    assert [m["public_user_data"]["user_id"] for m in page.body["data"]] == [
        "user_bob",
        "user_carol",
    ]
    for params, param in (
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
        ({"order_by": "role"}, "order_by"),
        ({"created_at_before": "soon"}, "created_at_before"),
        ({"user_id": [f"user_{n}" for n in range(101)]}, "user_id"),
    ):
        reply = await api.call("GET", f"/organizations/{org['id']}/memberships", params=params)
        assert (reply.status, reply.error_code()) == (422, "form_param_value_invalid"), params
        assert reply.body["errors"][0]["meta"]["param_name"] == param


async def test_update_membership_role(api: Api) -> None:
    org = await _org_with_members(api)
    path = f"/organizations/{org['id']}/memberships/user_bob"
    reply = await api.call("PATCH", path, json={"role": "org:admin"})
    assert (reply.body["role"], reply.body["role_name"]) == ("org:admin", "Admin")
    bad = await api.call("PATCH", path, json={"role": "org:king"})
    assert (bad.status, bad.error_code()) == (422, "form_param_value_invalid")
    missing_role = await api.call("PATCH", path, json={})
    assert (missing_role.status, missing_role.error_code()) == (422, "form_param_missing")
    nobody = await api.call(
        "PATCH", f"/organizations/{org['id']}/memberships/user_frank", json={"role": "org:admin"}
    )
    assert (nobody.status, nobody.error_code()) == (404, "resource_not_found")


async def test_merge_membership_metadata(api: Api) -> None:
    org = await _org_with_members(api)
    path = f"/organizations/{org['id']}/memberships/user_bob/metadata"
    first = await api.call("PATCH", path, json={"public_metadata": {"a": {"b": 1, "c": 2}}})
    assert first.body["public_metadata"] == {"a": {"b": 1, "c": 2}}
    second = await api.call(
        "PATCH", path, json={"public_metadata": {"a": {"b": None}}, "private_metadata": {"p": 1}}
    )
    assert second.body["public_metadata"] == {"a": {"c": 2}}
    assert second.body["private_metadata"] == {"p": 1}
    unknown = await api.call("PATCH", path, json={"role": "org:admin"})
    assert (unknown.status, unknown.error_code()) == (400, "request_body_invalid")


async def test_delete_membership_answers_it_and_updates_counts(api: Api) -> None:
    org = await _org_with_members(api)
    path = f"/organizations/{org['id']}/memberships/user_bob"
    reply = await api.call("DELETE", path)
    assert reply.body["public_user_data"]["user_id"] == "user_bob"
    again = await api.call("DELETE", path)
    assert (again.status, again.error_code()) == (404, "resource_not_found")
    got = await api.call(
        "GET", f"/organizations/{org['id']}", params={"include_members_count": "true"}
    )
    assert got.body["members_count"] == 3
    listed = await api.call("GET", "/organizations", params={"user_id": "user_bob"})
    assert listed.body["total_count"] == 0
