"""``GET /organization_memberships``: every membership of the instance, with its organization."""

from __future__ import annotations

from typing import Any

import pytest

from clerk_orgs_async.testing import ClerkEmulator, _memberships
from clerk_orgs_async.testing._memberships import sort_memberships

from ._support import Api


async def _pairs(api: Api, **params: Any) -> list[tuple[str, str]]:
    reply = await api.call("GET", "/organization_memberships", params=params)
    assert reply.status == 200, reply.body
    return [
        (m["organization"]["slug"], m["public_user_data"]["user_id"]) for m in reply.body["data"]
    ]


async def test_every_membership_with_its_organization(api: Api) -> None:
    acme = await api.create_org("Acme", created_by="user_alice")
    beta = await api.create_org("Beta", created_by="user_bob")
    await api.call(
        "POST",
        f"/organizations/{acme['id']}/memberships",
        json={"user_id": "user_carol", "role": "org:member"},
    )
    reply = await api.call("GET", "/organization_memberships")
    assert reply.body["total_count"] == 3
    newest = reply.body["data"][0]
    assert (newest["organization"]["id"], newest["role"]) == (acme["id"], "org:member")
    assert newest["permissions"] == ["org:sys_memberships:read"]
    assert await _pairs(api, order_by="created_at") == [
        ("acme", "user_alice"),
        ("beta", "user_bob"),
        ("acme", "user_carol"),
    ]
    assert await _pairs(api, order_by="-email_address", limit=2) == [
        ("acme", "user_carol"),
        ("beta", "user_bob"),
    ]
    assert await _pairs(api, order_by="created_at", offset=2) == [("acme", "user_carol")]
    await api.call("DELETE", f"/organizations/{beta['id']}")
    assert await _pairs(api, order_by="created_at") == [
        ("acme", "user_alice"),
        ("acme", "user_carol"),
    ]


async def test_bad_parameters_get_422(api: Api) -> None:
    for params in ({"limit": 501}, {"offset": -1}, {"order_by": "role"}, {"limit": "x"}):
        reply = await api.call("GET", "/organization_memberships", params=params)
        assert (reply.status, reply.error_code()) == (422, "form_param_value_invalid"), params


async def test_paging_sorts_once_until_the_next_write(
    clerk_emulator: ClerkEmulator, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    sorts: list[str] = []

    def counted(memberships: Any, order_by: str, users: Any) -> Any:
        sorts.append(order_by)
        return sort_memberships(memberships, order_by, users)

    monkeypatch.setattr(_memberships, "sort_memberships", counted)
    state = clerk_emulator.state
    users = state.seed_users(30)
    for org in state.seed_organizations(20):
        state.update_organization(org.id, max_allowed_memberships=0)
        for user in users[:10]:
            state.create_membership(org.id, user.id, "org:member")
    first, total = state.list_all_memberships("-created_at", 500, 0)
    assert total == 200
    cached, _ = state.list_all_memberships("-created_at", 10, 190)
    assert cached == first[190:200]
    walked = [
        m["id"]
        for offset in range(0, 200, 50)
        for m in (
            await api.call(
                "GET", "/organization_memberships", params={"limit": 50, "offset": offset}
            )
        ).body["data"]
    ]
    assert walked == [m.id for m in first]
    assert sorts == ["-created_at"]
    state.create_membership(state.seed_organizations(1)[0].id, users[20].id, "org:member")
    assert state.list_all_memberships("-created_at", 1, 0)[1] == 201
    state.list_all_memberships("username", 1, 0)
    state.list_all_memberships("username", 1, 0)
    assert sorts == ["-created_at", "-created_at", "username", "username"]
