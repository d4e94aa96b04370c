"""Organization roles and permissions over HTTP: seeded defaults, custom ones, roles in use."""

from __future__ import annotations

from typing import Any

import pytest

from clerk_orgs_async.testing import ClerkEmulator
from clerk_orgs_async.testing._errors import ClerkAPIError

from ._support import Api

SYSTEM = {
    "org:sys_profile:manage",
    "org:sys_profile:delete",
    "org:sys_memberships:read",
    "org:sys_memberships:manage",
    "org:sys_domains:read",
    "org:sys_domains:manage",
}


async def _roles(api: Api, **params: Any) -> dict[str, Any]:
    reply = await api.call("GET", "/organization_roles", params=params)
    assert reply.status == 200, reply.body
    return {role["key"]: role for role in reply.body["data"]}


async def _permission(api: Api, key: str, name: str = "Custom") -> dict[str, Any]:
    reply = await api.call("POST", "/organization_permissions", json={"name": name, "key": key})
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.body
    return body


async def _role(api: Api, key: str, **fields: Any) -> Any:
    return await api.call(
        "POST",
        "/organization_roles",
        json={"name": key.removeprefix("org:").title(), "key": key, **fields},
    )


async def test_clerks_default_roles_and_system_permissions_are_seeded(api: Api) -> None:
    roles = await _roles(api)
    assert set(roles) == {"org:admin", "org:member"}
    admin, member = roles["org:admin"], roles["org:member"]
    assert {p["key"] for p in admin["permissions"]} == SYSTEM
    assert [p["key"] for p in member["permissions"]] == ["org:sys_memberships:read"]
    assert (admin["name"], admin["is_creator_eligible"]) == ("Admin", True)
    assert (member["name"], member["is_creator_eligible"]) == ("Member", False)
    permissions = await api.call("GET", "/organization_permissions", params={"limit": 100})
    assert {p["key"] for p in permissions.body["data"]} == SYSTEM
    assert {p["type"] for p in permissions.body["data"]} == {"system"}


async def test_a_custom_role_grants_its_permissions_to_members(api: Api) -> None:
    reports = await _permission(api, "org:reports:read", "Read reports")
    assert (reports["type"], reports["description"]) == ("user", "")
    created = await _role(api, "org:analyst", permissions=[reports["id"]], description="Reads")
    assert created.status == 200, created.body
    role = created.body
    assert [p["key"] for p in role["permissions"]] == ["org:reports:read"]
    org = await api.create_org("Acme")
    member = await api.call(
        "POST",
        f"/organizations/{org['id']}/memberships",
        json={"user_id": "user_bob", "role": "org:analyst"},
    )
    assert (member.body["role_name"], member.body["permissions"]) == (
        "Analyst",
        ["org:reports:read"],
    )
    domains_read = next(
        p
        for p in (await api.call("GET", "/organization_permissions")).body["data"]
        if p["key"] == "org:sys_domains:read"
    )
    path = f"/organization_roles/{role['id']}/permissions/{domains_read['id']}"
    granted = await api.call("POST", path)
    assert [p["key"] for p in granted.body["permissions"]] == [
        "org:reports:read",
        "org:sys_domains:read",
    ]
    twice = await api.call("POST", path)
    assert (twice.status, twice.error_code()) == (
        409,
        "organization_role_permission_association_exists",
    )
    members = await api.call("GET", f"/organizations/{org['id']}/memberships")
    assert members.body["data"][0]["permissions"] == ["org:reports:read", "org:sys_domains:read"]
    assert (await api.call("DELETE", path)).body["permissions"][0]["key"] == "org:reports:read"
    absent = await api.call("DELETE", path)
    assert (absent.status, absent.error_code()) == (
        404,
        "organization_role_permission_association_not_found",
    )


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"name": "Bad", "key": "billing"}, 422, "form_param_format_invalid"),
        ({"name": "Bad", "key": "org:Billing"}, 422, "form_param_format_invalid"),
        ({"name": "Dup", "key": "org:member"}, 422, "form_identifier_exists"),
        (
            {"name": "Ghost", "key": "org:ghost", "permissions": ["perm_x"]},
            404,
            "resource_not_found",
        ),
        ({"name": "Odd", "key": "org:odd", "permissions": [1]}, 400, "request_body_invalid"),
        ({"name": "Odd", "key": "org:odd", "unknown": True}, 400, "request_body_invalid"),
        ({"key": "org:nameless"}, 422, "form_param_missing"),
        ({"name": "x" * 257, "key": "org:long"}, 422, "form_param_max_length_exceeded"),
        ({"name": "Long", "key": "org:" + "k" * 253}, 422, "form_param_max_length_exceeded"),
    ],
)
async def test_refused_roles(api: Api, fields: dict[str, Any], status: int, code: str) -> None:
    reply = await api.call("POST", "/organization_roles", json=fields)
    assert (reply.status, reply.error_code()) == (status, code)
    assert len(await _roles(api)) == 2


async def test_at_most_ten_custom_roles(api: Api) -> None:
    for n in range(10):
        assert (await _role(api, f"org:custom_{n}")).status == 200
    over = await _role(api, "org:custom_10")
    assert (over.status, over.error_code()) == (403, "organization_instance_roles_quota_exceeded")


async def test_a_role_in_use_cannot_be_deleted(api: Api) -> None:
    roles = await _roles(api)
    creator = await api.call("DELETE", f"/organization_roles/{roles['org:admin']['id']}")
    assert (creator.status, creator.error_code()) == (422, "organization_role_default_creator_role")
    domain_default = await api.call("DELETE", f"/organization_roles/{roles['org:member']['id']}")
    assert domain_default.error_code() == "organization_role_domain_default_role"

    role = (await _role(api, "org:auditor")).body
    path = f"/organization_roles/{role['id']}"
    org = await api.create_org("Acme", created_by="user_alice")
    members = f"/organizations/{org['id']}/memberships"
    await api.call("POST", members, json={"user_id": "user_bob", "role": "org:auditor"})
    in_use = await api.call("DELETE", path)
    assert (in_use.status, in_use.error_code()) == (422, "organization_role_assigned_members")
    await api.call("DELETE", f"{members}/user_bob")
    invited = await api.call(
        "POST",
        f"/organizations/{org['id']}/invitations",
        json={"email_address": "aud@example.com", "role": "org:auditor"},
    )
    invited_use = await api.call("DELETE", path)
    assert invited_use.error_code() == "organization_role_exists_in_invitations"
    await api.call("POST", f"/organizations/{org['id']}/invitations/{invited.body['id']}/revoke")
    gone = await api.call("DELETE", path)
    assert gone.body == {"object": "role", "id": role["id"], "deleted": True}
    assert (await api.call("GET", path)).status == 404
    refused = await api.call("POST", members, json={"user_id": "user_bob", "role": "org:auditor"})
    assert refused.error_code() == "form_param_value_invalid"


async def test_a_new_key_follows_to_memberships_and_invitations(api: Api) -> None:
    role = (await _role(api, "org:viewer")).body
    org = await api.create_org("Acme", created_by="user_alice")
    await api.call(
        "POST",
        f"/organizations/{org['id']}/memberships",
        json={"user_id": "user_bob", "role": "org:viewer"},
    )
    invitation = await api.call(
        "POST",
        f"/organizations/{org['id']}/invitations",
        json={"email_address": "v@example.com", "role": "org:viewer"},
    )
    renamed = await api.call(
        "PATCH", f"/organization_roles/{role['id']}", json={"key": "org:reader", "name": "Reader"}
    )
    assert (renamed.body["key"], renamed.body["name"]) == ("org:reader", "Reader")
    member = await api.call(
        "GET", f"/organizations/{org['id']}/memberships", params={"user_id": "user_bob"}
    )
    assert (member.body["data"][0]["role"], member.body["data"][0]["role_name"]) == (
        "org:reader",
        "Reader",
    )
    got = await api.call("GET", f"/organizations/{org['id']}/invitations/{invitation.body['id']}")
    assert got.body["role"] == "org:reader"
    taken = await api.call("PATCH", f"/organization_roles/{role['id']}", json={"key": "org:admin"})
    assert taken.error_code() == "form_identifier_exists"


async def test_the_creator_role_keeps_what_a_creator_needs(
    api: Api, clerk_emulator: ClerkEmulator
) -> None:
    admin = (await _roles(api))["org:admin"]
    delete = next(p for p in admin["permissions"] if p["key"] == "org:sys_profile:delete")
    path = f"/organization_roles/{admin['id']}"
    removed = await api.call("DELETE", f"{path}/permissions/{delete['id']}")
    assert (removed.status, removed.error_code()) == (
        422,
        "organization_missing_creator_role_permissions",
    )
    replaced = await api.call("PATCH", path, json={"permissions": []})
    assert replaced.error_code() == "organization_missing_creator_role_permissions"
    renamed = await api.call("PATCH", path, json={"key": "org:owner", "name": "Owner"})
    assert renamed.status == 200
    org = await api.create_org("Acme", created_by="user_alice")
    members = await api.call("GET", f"/organizations/{org['id']}/memberships")
    assert members.body["data"][0]["role"] == "org:owner"
    assert clerk_emulator.state.roles.creator_role_key == "org:owner"


async def test_custom_permissions_and_system_ones(api: Api) -> None:
    billing = await _permission(api, "org:billing:manage", "Manage billing")
    path = f"/organization_permissions/{billing['id']}"
    updated = await api.call("PATCH", path, json={"name": "Billing", "description": "Pay"})
    assert (updated.body["name"], updated.body["description"]) == ("Billing", "Pay")
    assert updated.body["key"] == "org:billing:manage"
    for key in ("org:billing", "org:sys_thing:do", "Org:x:y"):
        bad = await api.call("POST", "/organization_permissions", json={"name": "X", "key": key})
        assert bad.status == 422, key
    dup = await api.call(
        "POST", "/organization_permissions", json={"name": "X", "key": "org:billing:manage"}
    )
    assert dup.error_code() == "form_identifier_exists"
    role = (await _role(api, "org:payer", permissions=[billing["id"]])).body
    assert (await api.call("DELETE", path)).body["deleted"] is True
    held = await api.call("GET", f"/organization_roles/{role['id']}")
    assert held.body["permissions"] == []
    assert (await api.call("GET", path)).status == 404

    system = (await api.call("GET", "/organization_permissions")).body["data"][0]
    system_path = f"/organization_permissions/{system['id']}"
    for method, payload in (("PATCH", {"name": "Mine"}), ("DELETE", None)):
        refused = await api.call(method, system_path, json=payload)
        assert (refused.status, refused.error_code()) == (
            403,
            "organization_system_permission_not_modifiable",
        )


async def test_lists_search_and_order(api: Api) -> None:
    await _role(api, "org:zeta", description=None)
    await _role(api, "org:alpha")
    by_name = await api.call("GET", "/organization_roles", params={"order_by": "name"})
    assert [r["key"] for r in by_name.body["data"]] == [
        "org:admin",
        "org:alpha",
        "org:member",
        "org:zeta",
    ]
    newest = await api.call("GET", "/organization_roles", params={"limit": 1})
    assert (newest.body["data"][0]["key"], newest.body["total_count"]) == ("org:alpha", 4)
    assert set(await _roles(api, query="ZET")) == {"org:zeta"}
    by_key = await api.call("GET", "/organization_roles", params={"order_by": "-key"})
    assert by_key.body["data"][0]["key"] == "org:zeta"
    found = await api.call("GET", "/organization_permissions", params={"query": "domains"})
    assert {p["key"] for p in found.body["data"]} == {
        "org:sys_domains:read",
        "org:sys_domains:manage",
    }
    bad = await api.call("GET", "/organization_roles", params={"order_by": "size"})
    assert (bad.status, bad.error_code()) == (422, "form_param_value_invalid")


async def test_a_role_patch_replaces_permissions_and_a_permission_patch_its_key(api: Api) -> None:
    first = await _permission(api, "org:docs:read")
    second = await _permission(api, "org:docs:write")
    role = (await _role(api, "org:editor", permissions=[first["id"]])).body
    path = f"/organization_roles/{role['id']}"
    replaced = await api.call("PATCH", path, json={"permissions": [second["id"], second["id"]]})
    assert [p["key"] for p in replaced.body["permissions"]] == ["org:docs:write"]
    renamed = await api.call(
        "PATCH", f"/organization_permissions/{second['id']}", json={"key": "org:docs:edit"}
    )
    assert renamed.body["key"] == "org:docs:edit"
    got = await api.call("GET", path)
    assert [p["key"] for p in got.body["permissions"]] == ["org:docs:edit"]
    unknown = await api.call("PATCH", path, json={"permissions": ["perm_nope"]})
    assert (unknown.status, unknown.error_code()) == (404, "resource_not_found")


def test_the_instance_needs_the_creator_role() -> None:
    with pytest.raises(ValueError, match="org:admin"):
        ClerkEmulator(roles=("org:member",))
    catalog = ClerkEmulator().state.roles
    with pytest.raises(ClerkAPIError) as missing:
        catalog.by_key("org:ghost")
    assert (missing.value.status, missing.value.code) == (404, "resource_not_found")
