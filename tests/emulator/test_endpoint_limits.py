"""Clerk's per-endpoint limits: on with rate limiting, per resource, only that endpoint blocked."""

from __future__ import annotations

from collections import Counter
from typing import Any

import aiohttp
import pytest

from clerk_orgs_async.testing import ClerkEmulator
from clerk_orgs_async.testing._endpoint_limits import (
    CLERK_ENDPOINT_LIMITS,
    ENDPOINT_LIMITER,
    EndpointLimiter,
    resolve,
)

from ._support import USERS, Api

GENEROUS = (100_000, 1.0)
ORG = "/v1/organizations/{organization_id}"


async def _member_org(api: Api, name: str) -> str:
    org = await api.create_org(name, created_by="user_alice", max_allowed_memberships=0)
    for user_id in ("user_bob", "user_carol"):
        await api.call(
            "POST",
            f"/organizations/{org['id']}/memberships",
            json={"user_id": user_id, "role": "org:member"},
        )
    return str(org["id"])


@pytest.mark.clerk_emulator(rate_limit=GENEROUS)
async def test_ten_organization_updates_per_organization(
    api: Api, clerk_emulator: ClerkEmulator
) -> None:
    acme, beta = await _member_org(api, "Acme"), await _member_org(api, "Beta")
    updates = [
        ("PATCH", "", {"name": "Acme 2"}),
        ("PATCH", "/metadata", {"public_metadata": {"n": 1}}),
        ("PUT", "/metadata", {"private_metadata": {"n": 2}}),
    ]
    for n in range(10):
        method, suffix, body = updates[n % 3]
        assert (await api.call(method, f"/organizations/{acme}{suffix}", json=body)).status == 200
    limited = await api.call("PUT", f"/organizations/{acme}/metadata", json={"public_metadata": {}})
    assert (limited.status, limited.error_code()) == (429, "too_many_requests")
    assert 1 <= int(limited.headers["Retry-After"]) <= 10
    got = await api.call("GET", f"/organizations/{acme}")
    assert got.body["public_metadata"] == {"n": 1}
    assert (await api.call("PATCH", f"/organizations/{beta}", json={"name": "B"})).status == 200
    member = await api.call(
        "PATCH", f"/organizations/{acme}/memberships/user_bob", json={"role": "org:admin"}
    )
    assert member.status == 200
    assert clerk_emulator.stats.faults["endpoint_limit"] == 1


@pytest.mark.clerk_emulator(rate_limit=GENEROUS)
async def test_ten_membership_updates_per_membership(api: Api) -> None:
    org = await _member_org(api, "Acme")
    bob = f"/organizations/{org}/memberships/user_bob"
    for n in range(5):
        assert (await api.call("PATCH", bob, json={"role": "org:member"})).status == 200
        metadata = {"public_metadata": {"n": n}}
        assert (await api.call("PATCH", bob + "/metadata", json=metadata)).status == 200
    limited = await api.call("PATCH", bob, json={"role": "org:admin"})
    assert (limited.status, limited.error_code()) == (429, "too_many_requests")
    carol = f"/organizations/{org}/memberships/user_carol"
    assert (await api.call("PATCH", carol, json={"role": "org:admin"})).status == 200
    listed = await api.call(
        "GET", f"/organizations/{org}/memberships", params={"role": "org:admin"}
    )
    assert {m["public_user_data"]["user_id"] for m in listed.body["data"]} == {
        "user_alice",
        "user_carol",
    }


@pytest.mark.clerk_emulator(rate_limit=GENEROUS, endpoint_limits={"create_invitation": (2, 3600.0)})
async def test_invitation_creates_per_hour_can_be_tuned(api: Api) -> None:
    org = await _member_org(api, "Acme")
    path = f"/organizations/{org}/invitations"
    for n in range(2):
        invited = await api.call(
            "POST", path, json={"email_address": f"i{n}@example.com", "role": "org:member"}
        )
        assert invited.status == 200
    limited = await api.call(
        "POST", path, json={"email_address": "late@example.com", "role": "org:member"}
    )
    assert limited.status == 429
    assert 3590 <= int(limited.headers["Retry-After"]) <= 3600
    bulk = await api.call(
        "POST", path + "/bulk", json=[{"email_address": "b@example.com", "role": "org:member"}]
    )
    assert bulk.status == 200
    listed = await api.call("GET", path)
    assert sorted(i["email_address"] for i in listed.body["data"]) == [
        "b@example.com",
        "i0@example.com",
        "i1@example.com",
    ]


@pytest.mark.clerk_emulator(rate_limit=GENEROUS)
async def test_requests_refused_before_the_limit_do_not_spend_it(api: Api) -> None:
    org = await _member_org(api, "Acme")
    for _ in range(12):
        refused = await api.call("PATCH", f"/organizations/{org}", json={}, key="sk_test_wrong")
        assert refused.status == 401
    for _ in range(10):
        assert (await api.call("PATCH", f"/organizations/{org}", json={})).status == 200


@pytest.mark.parametrize(
    "options", [{"rate_limit": GENEROUS, "endpoint_limits": False}, {}], ids=["off", "no-limit"]
)
async def test_off_without_rate_limiting_or_when_turned_off(options: dict[str, Any]) -> None:
    emulator = ClerkEmulator(users=USERS, **options)
    assert ENDPOINT_LIMITER not in emulator.app
    state = emulator.state
    org = state.create_organization("Acme")
    async with emulator, aiohttp.ClientSession() as session:
        api = Api(session, emulator)
        for _ in range(12):
            assert (await api.call("PATCH", f"/organizations/{org.id}", json={})).status == 200


def test_bad_tuning_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match="give rate_limit too"):
        ClerkEmulator(endpoint_limits={"update_organization": (1, 1.0)})
    with pytest.raises(ValueError, match=r"unknown endpoint limit.*update_organization"):
        ClerkEmulator(rate_limit=GENEROUS, endpoint_limits={"update_org": (1, 1.0)})
    with pytest.raises(ValueError, match="at least 1 request"):
        ClerkEmulator(rate_limit=GENEROUS, endpoint_limits={"update_organization": (0, 1.0)})


def test_clerks_documented_limits() -> None:
    now = [0.0]
    faults: Counter[str] = Counter()
    limiter = EndpointLimiter(resolve({}), faults, clock=lambda: now[0])
    invite, bulk = ("POST", ORG + "/invitations"), ("POST", ORG + "/invitations/bulk")
    org_a, org_b = {"organization_id": "org_a"}, {"organization_id": "org_b"}
    assert all(limiter.admit(*invite, org_a if n % 2 else org_b) is None for n in range(250))
    assert limiter.admit(*invite, org_a) == 3600  # per instance, whichever organization
    assert all(limiter.admit(*bulk, org_a) is None for _ in range(50))
    assert limiter.admit(*bulk, org_b) == 3600
    member = ("PATCH", ORG + "/memberships/{user_id}/metadata")
    bob = {"organization_id": "org_a", "user_id": "user_bob"}
    assert all(limiter.admit(*member, bob) is None for _ in range(10))
    assert limiter.admit(*member, bob) == 10
    assert limiter.admit(*member, {**bob, "organization_id": "org_b"}) is None
    now[0] = 10.0
    assert limiter.admit(*member, bob) is None
    assert limiter.admit("GET", ORG, org_a) is None
    assert faults["endpoint_limit"] == 3
    assert {
        name: (limit.requests, limit.per_seconds) for name, limit in CLERK_ENDPOINT_LIMITS.items()
    } == {
        "create_invitation": (250, 3600),
        "create_invitations_bulk": (50, 3600),
        "update_organization": (10, 10),
        "update_membership": (10, 10),
    }


def test_idle_windows_are_let_go() -> None:
    now = [0.0]
    limiter = EndpointLimiter(resolve({}), Counter(), clock=lambda: now[0])
    for n in range(1024):
        limiter.admit("PATCH", ORG, {"organization_id": f"org_{n}"})
    now[0] = 11.0
    limiter.admit("PATCH", ORG, {"organization_id": "org_new"})
    assert len(limiter._windows) == 1
