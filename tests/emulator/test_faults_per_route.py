"""Fault injection reaches every route of invitations, domains, roles and the instance lists
(``test_faults.py`` has the fault kinds, on the organization and membership routes)."""

from __future__ import annotations

import aiohttp
import pytest

from clerk_orgs_async.testing import ClerkEmulator

from ._support import Api

OPERATIONS = [
    ("GET", "/organization_invitations"),
    ("POST", "/organizations/org_1/invitations"),
    ("GET", "/organizations/org_1/invitations"),
    ("POST", "/organizations/org_1/invitations/bulk"),
    ("GET", "/organizations/org_1/invitations/pending"),
    ("GET", "/organizations/org_1/invitations/orginv_1"),
    ("POST", "/organizations/org_1/invitations/orginv_1/revoke"),
    ("GET", "/organization_roles"),
    ("POST", "/organization_roles"),
    ("GET", "/organization_roles/role_1"),
    ("PATCH", "/organization_roles/role_1"),
    ("DELETE", "/organization_roles/role_1"),
    ("POST", "/organization_roles/role_1/permissions/perm_1"),
    ("DELETE", "/organization_roles/role_1/permissions/perm_1"),
    ("POST", "/organizations/org_1/domains"),
    ("GET", "/organizations/org_1/domains"),
    ("PATCH", "/organizations/org_1/domains/orgdmn_1"),
    ("DELETE", "/organizations/org_1/domains/orgdmn_1"),
    ("POST", "/organizations/org_1/domains/orgdmn_1/verify_ownership"),
    ("GET", "/organization_domains"),
    ("GET", "/organization_memberships"),
    ("GET", "/organization_permissions"),
    ("POST", "/organization_permissions"),
    ("GET", "/organization_permissions/perm_1"),
    ("PATCH", "/organization_permissions/perm_1"),
    ("DELETE", "/organization_permissions/perm_1"),
]


async def test_a_scripted_fault_answers_on_every_route(
    api: Api, clerk_emulator: ClerkEmulator
) -> None:
    for method, path in OPERATIONS:
        clerk_emulator.faults.status(503, method=method, path="/v1" + path)
        reply = await api.call(method, path, json={} if method in ("POST", "PATCH") else None)
        assert (reply.status, reply.error_code()) == (503, "service_unavailable"), (method, path)
    assert clerk_emulator.stats.faults["503"] == 26
    assert clerk_emulator.faults.pending == 0


async def test_a_lost_answer_after_the_invitation_landed(
    api: Api, clerk_emulator: ClerkEmulator
) -> None:
    org = await api.create_org("Acme")
    path = f"/organizations/{org['id']}/invitations"
    clerk_emulator.faults.drop(method="POST", path="/v1" + path, after_apply=True)
    body = {"email_address": "lost@example.com", "role": "org:member"}
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.call("POST", path, json=body)
    assert clerk_emulator.state.invitations.pending_count(org["id"]) == 1
    retried = await api.call("POST", path, json=body)
    assert retried.error_code() == "organization_invitation_not_unique"
    found = await api.call("GET", path, params={"email_address": "lost@example.com"})
    assert found.body["total_count"] == 1


async def test_random_faults_scoped_to_the_role_routes(
    api: Api, clerk_emulator: ClerkEmulator
) -> None:
    clerk_emulator.faults.random({500: 1.0}, seed=1, path="/v1/organization_roles*")
    assert (await api.call("GET", "/organization_roles")).status == 500
    assert (await api.call("GET", "/organization_permissions")).status == 200
