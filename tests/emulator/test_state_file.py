"""Roles, permissions, invitations and domains survive a restart through the data file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from clerk_orgs_async.testing import ClerkEmulator, EmulatorState

from ._support import Api


async def _everything(api: Api) -> Any:
    """What a restart must keep, read over HTTP (image URLs without the emulator's port)."""
    reads = {
        "roles": ("/organization_roles", {"limit": 100}),
        "permissions": ("/organization_permissions", {"limit": 100}),
        "invitations": ("/organization_invitations", {"limit": 100}),
        "domains": ("/organization_domains", {"limit": 100}),
        "memberships": ("/organization_memberships", {"limit": 100}),
        "organizations": ("/organizations", {"include_members_count": "1"}),
    }
    seen = {}
    for name, (path, params) in reads.items():
        reply = await api.call("GET", path, params=params)
        assert reply.status == 200, reply.body
        seen[name] = reply.body
    return json.loads(json.dumps(seen).replace(api.emulator.base_url, "BASE"))


async def test_invitations_domains_and_roles_survive_a_restart(
    tmp_path: Path, emulator_options: dict[str, Any]
) -> None:
    data = tmp_path / "state.json"
    async with (
        ClerkEmulator(**emulator_options, data_file=data) as first,
        aiohttp.ClientSession() as session,
    ):
        api = Api(session, first)
        org = await api.create_org("Kept", created_by="user_alice", max_allowed_memberships=0)
        org_path = f"/organizations/{org['id']}"
        permission = await api.call(
            "POST", "/organization_permissions", json={"name": "Read", "key": "org:docs:read"}
        )
        role = await api.call(
            "POST",
            "/organization_roles",
            json={"name": "Reader", "key": "org:reader", "permissions": [permission.body["id"]]},
        )
        admin = next(
            r
            for r in (await api.call("GET", "/organization_roles")).body["data"]
            if r["key"] == "org:admin"
        )
        await api.call("PATCH", f"/organization_roles/{admin['id']}", json={"key": "org:owner"})
        invitations = [
            await api.call(
                "POST",
                org_path + "/invitations",
                json={"email_address": email, "role": "org:reader"},
            )
            for email in ("keep@example.com", "gone@example.com", "carol@sample.org")
        ]
        await api.call("POST", f"{org_path}/invitations/{invitations[1].body['id']}/revoke")
        first.state.accept_invitation(invitations[2].body["id"])
        domain = await api.call("POST", org_path + "/domains", json={"name": "kept.io"})
        await api.call("POST", f"{org_path}/domains/{domain.body['id']}/verify_ownership")
        before = await _everything(api)
    assert json.loads(data.read_text())["version"] == 3

    async with (
        ClerkEmulator(data_file=data, on_response=emulator_options["on_response"]) as second,
        aiohttp.ClientSession() as session,
    ):
        api = Api(session, second)
        assert await _everything(api) == before
        assert before["organizations"]["data"][0]["pending_invitations_count"] == 1
        assert before["invitations"]["total_count"] == 3
        in_use = await api.call("DELETE", f"/organization_roles/{role.body['id']}")
        assert in_use.error_code() == "organization_role_assigned_members"
        taken = await api.call("POST", org_path + "/domains", json={"name": "kept.io"})
        assert taken.error_code() == "organization_domain_already_exists"
        again = await api.call(
            "POST",
            org_path + "/invitations",
            json={"email_address": "keep@example.com", "role": "org:reader"},
        )
        assert again.error_code() == "organization_invitation_not_unique"
        newer = await api.call(
            "POST",
            org_path + "/invitations",
            json={"email_address": "new@example.com", "role": "org:member"},
        )
        listed = await api.call("GET", org_path + "/invitations")
        assert listed.body["data"][0]["id"] == newer.body["id"]
        created = await api.create_org("After", created_by="user_bob")
        members = await api.call("GET", f"/organizations/{created['id']}/memberships")
        assert members.body["data"][0]["role"] == "org:owner"


def test_a_version_1_file_still_loads() -> None:
    old = EmulatorState(roles=("org:admin", "org:member", "org:billing_manager"))
    old.add_users(["user_1", "user_2"])
    org = old.create_organization("Old", created_by="user_1")
    old.create_membership(org.id, "user_2", "org:billing_manager")
    snapshot = old.snapshot()
    for key in ("roles_and_permissions", "invitations", "domains"):
        del snapshot[key]
    snapshot["version"] = 1

    state = EmulatorState()
    state.restore(json.loads(json.dumps(snapshot)))
    assert [m.role for m in state.memberships(org.id)] == ["org:admin", "org:billing_manager"]
    assert {r.key for r in state.roles} == {"org:admin", "org:member", "org:billing_manager"}
    assert state.roles.by_key("org:billing_manager").name == "Billing Manager"
    assert state.roles.permission_keys("org:billing_manager") == []
    assert state.invitations.pending_count(org.id) == 0
    assert state.domains.matching() == []


@pytest.mark.parametrize("version", [None, 0, 4, "2", True])
def test_an_unknown_version_is_refused(version: object) -> None:
    snapshot = EmulatorState().snapshot()
    snapshot["version"] = version
    with pytest.raises(ValueError, match="unsupported emulator state version"):
        EmulatorState().restore(snapshot)
