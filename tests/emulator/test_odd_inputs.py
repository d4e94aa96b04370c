"""Odd bodies and parameters on the invitation, domain, role and permission routes get
Clerk's 4xx errors, never a 500 (``test_bad_requests.py`` throws random requests at every route)."""

from __future__ import annotations

from typing import Any

from clerk_orgs_async.testing import ClerkEmulator

from ._support import Api

ODD_BODIES: list[Any] = [
    [],
    [{}],
    "text",
    7,
    None,
    {"email_address": ["a@b.co"], "role": "org:member"},
    {"email_address": "a@b.co", "role": {"key": "org:member"}},
    {"name": {"deep": [1, {"x": None}]}, "key": "org:k"},
    {"name": "🦆" * 300, "key": "org:" + "a" * 5000},
    {"name": "x", "key": "org:x", "permissions": [None, {"id": 1}]},
    {"email_address": "a@b.co", "role": "org:member", "expires_in_days": 1e9},
    {"enrollment_mode": 3, "verified": "yes"},
    {"requesting_user_id": 5},
    {"name": "ex ample.com"},
    {"public_metadata": "not an object", "email_address": "a@b.co", "role": "org:member"},
]
ODD_QUERIES: list[dict[str, Any]] = [
    {"limit": "-1"},
    {"limit": "abc"},
    {"offset": "999999999"},
    {"order_by": "-"},
    {"order_by": "+nothing"},
    {"status": ""},
    {"verified": "maybe"},
    {"enrollment_mode": "-,"},
    {"query": " "},
    {"domains": ""},
    {"email_address": "%00"},
]


async def test_odd_input_is_refused_cleanly(api: Api, clerk_emulator: ClerkEmulator) -> None:
    org = await api.create_org("Odd", created_by="user_alice")
    state = clerk_emulator.state
    role = state.roles.create_role(name="R", key="org:r")
    permission = state.roles.create_permission(name="P", key="org:p:q")
    invitation = state.invitations.create(org["id"], [{"email_address": "i@x.io", "role": "org:r"}])
    domain = state.domains.create(org["id"], "odd.io")
    org_path = f"/organizations/{org['id']}"
    writes = [
        ("POST", org_path + "/invitations"),
        ("POST", org_path + "/invitations/bulk"),
        ("POST", f"{org_path}/invitations/{invitation[0].id}/revoke"),
        ("POST", org_path + "/domains"),
        ("PATCH", f"{org_path}/domains/{domain.id}"),
        ("POST", "/organization_roles"),
        ("PATCH", f"/organization_roles/{role.id}"),
        ("POST", "/organization_permissions"),
        ("PATCH", f"/organization_permissions/{permission.id}"),
    ]
    statuses = []
    for method, path in writes:
        for body in ODD_BODIES:
            reply = await api.call(method, path, json=body)
            statuses.append(reply.status)
            assert reply.status < 500, (method, path, body, reply.body)
            if reply.status >= 400:
                assert reply.body["errors"][0]["code"], (method, path, body)
    assert statuses.count(200) < len(statuses) // 4
    reads = [
        org_path + "/invitations",
        org_path + "/invitations/pending",
        "/organization_invitations",
        org_path + "/domains",
        "/organization_domains",
        "/organization_roles",
        "/organization_permissions",
        "/organization_memberships",
    ]
    for path in reads:
        for params in ODD_QUERIES:
            reply = await api.call("GET", path, params=params)
            assert reply.status in (200, 400, 422), (path, params, reply.body)
    for path in (
        "/organization_roles/a%2Fb",
        f"{org_path}/invitations/..%2F..",
        "/organization_permissions/%20",
    ):
        assert (await api.call("GET", path)).status == 404
    assert [r.key for r in state.roles] == ["org:admin", "org:member", "org:r"]
