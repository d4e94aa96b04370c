"""Organization invitations over HTTP: statuses, expiry on the emulator's clock, bulk, lists."""

from __future__ import annotations

import re
from typing import Any

import pytest

from clerk_orgs_async.testing import ClerkEmulator
from clerk_orgs_async.testing._errors import ClerkAPIError

from ._support import Api

ID = re.compile(r"orginv_[0-9A-Za-z]{27}")
DAY_MS = 86_400_000
START_MS = 1_700_000_000_000


class Clock:
    """The emulator's time, moved by the test."""

    def __init__(self) -> None:
        self.now = START_MS

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def clerk_emulator_options(emulator_options: dict[str, Any], clock: Clock) -> dict[str, Any]:
    return {**emulator_options, "clock": clock}


async def _org(api: Api, **fields: Any) -> str:
    org = await api.create_org("Inviting", created_by="user_alice", **fields)
    return str(org["id"])


async def _invite(
    api: Api, org_id: str, email: str, role: str = "org:member", **fields: Any
) -> Any:
    return await api.call(
        "POST",
        f"/organizations/{org_id}/invitations",
        json={"email_address": email, "role": role, **fields},
    )


async def _pending_count(api: Api, org_id: str) -> int:
    got = await api.call("GET", f"/organizations/{org_id}", params={"include_members_count": "1"})
    count: int = got.body["pending_invitations_count"]
    return count


async def test_an_invitation_starts_pending_with_what_was_asked(api: Api) -> None:
    org_id = await _org(api)
    reply = await _invite(
        api,
        org_id,
        "New.Person@Example.COM",
        inviter_user_id="user_alice",
        public_metadata={"team": "a"},
        private_metadata={"note": 1},
        expires_in_days=3,
        notify=False,
    )
    assert reply.status == 200, reply.body
    body = reply.body
    assert ID.fullmatch(body["id"])
    assert (body["status"], body["email_address"]) == ("pending", "new.person@example.com")
    assert (body["role"], body["role_name"], body["organization_id"]) == (
        "org:member",
        "Member",
        org_id,
    )
    assert body["created_at"] == START_MS
    assert body["expires_at"] == START_MS + 3 * DAY_MS
    assert (body["public_metadata"], body["private_metadata"]) == ({"team": "a"}, {"note": 1})
    assert body["inviter_id"] == "user_alice"
    assert body["public_inviter_data"]["identifier"] == "alice@example.com"
    assert body["url"] is None
    assert await _pending_count(api, org_id) == 1
    default = await _invite(api, org_id, "second@example.com")
    assert default.body["expires_at"] == START_MS + 30 * DAY_MS
    assert default.body["public_inviter_data"] is None
    assert await _pending_count(api, org_id) == 2
    listed = await api.call("GET", "/organizations", params={"include_members_count": "true"})
    assert listed.body["data"][0]["pending_invitations_count"] == 2


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"email_address": "a@b.co", "role": "org:owner"}, 422, "form_param_value_invalid"),
        ({"email_address": "not-an-email", "role": "org:member"}, 422, "form_param_format_invalid"),
        ({"email_address": "a b@c.co", "role": "org:member"}, 422, "form_param_format_invalid"),
        (
            {"email_address": "a@b.co", "role": "org:member", "expires_in_days": 0},
            422,
            "form_param_value_invalid",
        ),
        (
            {"email_address": "a@b.co", "role": "org:member", "expires_in_days": 366},
            422,
            "form_param_value_invalid",
        ),
        ({"role": "org:member"}, 422, "form_param_missing"),
        ({"email_address": "a@b.co", "role": 7}, 400, "request_body_invalid"),
        (
            {"email_address": "a@b.co", "role": "org:member", "inviter_user_id": "user_nobody"},
            422,
            "form_resource_not_found",
        ),
        (
            {"email_address": "a@b.co", "role": "org:member", "inviter_user_id": "user_bob"},
            403,
            "not_an_admin_in_organization",
        ),
    ],
)
async def test_refused_invitations_create_nothing(
    api: Api, fields: dict[str, Any], status: int, code: str
) -> None:
    org_id = await _org(api)
    reply = await api.call("POST", f"/organizations/{org_id}/invitations", json=fields)
    assert (reply.status, reply.error_code()) == (status, code)
    assert await _pending_count(api, org_id) == 0


async def test_a_member_without_manage_permission_cannot_invite(api: Api) -> None:
    org_id = await _org(api)
    await api.call(
        "POST",
        f"/organizations/{org_id}/memberships",
        json={"user_id": "user_bob", "role": "org:member"},
    )
    reply = await _invite(api, org_id, "x@y.io", inviter_user_id="user_bob")
    assert (reply.status, reply.error_code()) == (403, "not_an_admin_in_organization")
    missing = await _invite(api, "org_missing", "x@y.io")
    assert (missing.status, missing.error_code()) == (404, "resource_not_found")


async def test_one_pending_invitation_per_email(api: Api) -> None:
    org_id = await _org(api)
    first = await _invite(api, org_id, "dup@example.com")
    again = await _invite(api, org_id, "DUP@example.com", role="org:admin")
    assert (again.status, again.error_code()) == (400, "organization_invitation_not_unique")
    other_org = await api.create_org("Other")
    elsewhere = await _invite(api, other_org["id"], "dup@example.com")
    assert elsewhere.status == 200
    revoked = await api.call(
        "POST", f"/organizations/{org_id}/invitations/{first.body['id']}/revoke"
    )
    assert (revoked.status, revoked.body["status"]) == (200, "revoked")
    assert revoked.body["updated_at"] == START_MS
    assert (await _invite(api, org_id, "dup@example.com")).status == 200


async def test_revoke_only_a_pending_invitation_and_only_as_an_admin(api: Api) -> None:
    org_id = await _org(api)
    invitation = (await _invite(api, org_id, "r@example.com")).body
    path = f"/organizations/{org_id}/invitations/{invitation['id']}"
    await api.call(
        "POST",
        f"/organizations/{org_id}/memberships",
        json={"user_id": "user_bob", "role": "org:member"},
    )
    refused = await api.call("POST", path + "/revoke", json={"requesting_user_id": "user_bob"})
    assert (refused.status, refused.error_code()) == (403, "not_an_admin_in_organization")
    done = await api.call("POST", path + "/revoke", json={"requesting_user_id": "user_alice"})
    assert done.body["status"] == "revoked"
    twice = await api.call("POST", path + "/revoke")
    assert (twice.status, twice.error_code()) == (404, "organization_invitation_not_pending")
    got = await api.call("GET", path)
    assert got.body["status"] == "revoked"
    assert await _pending_count(api, org_id) == 0
    unknown = await api.call("GET", f"/organizations/{org_id}/invitations/orginv_nope")
    assert (unknown.status, unknown.error_code()) == (404, "organization_invitation_not_found")


async def test_revoke_by_an_unknown_user_is_a_status_the_revoke_spec_lists(api: Api) -> None:
    # The revoke operation lists 400, 403 and 404, no 422 (the conformance check refuses it).
    org_id = await _org(api)
    invitation = (await _invite(api, org_id, "u@example.com")).body
    path = f"/organizations/{org_id}/invitations/{invitation['id']}"
    refused = await api.call("POST", path + "/revoke", json={"requesting_user_id": "user_nobody"})
    assert (refused.status, refused.error_code()) == (400, "form_resource_not_found")
    assert refused.body["errors"][0]["meta"] == {"param_name": "requesting_user_id"}
    assert (await api.call("GET", path)).body["status"] == "pending"


async def test_invitations_expire_on_the_emulator_clock(
    api: Api, clock: Clock, clerk_emulator: ClerkEmulator
) -> None:
    org_id = await _org(api)
    invitation = (await _invite(api, org_id, "late@example.com", expires_in_days=1)).body
    path = f"/organizations/{org_id}/invitations/{invitation['id']}"
    clock.now = invitation["expires_at"] - 1
    assert (await api.call("GET", path)).body["status"] == "pending"
    clock.now = invitation["expires_at"]
    expired = await api.call("GET", path)
    assert expired.body["status"] == "expired"
    assert expired.body["updated_at"] == invitation["updated_at"]
    assert await _pending_count(api, org_id) == 0
    listed = await api.call(
        "GET", f"/organizations/{org_id}/invitations", params={"status": "expired"}
    )
    assert [i["id"] for i in listed.body["data"]] == [invitation["id"]]
    revoke = await api.call("POST", path + "/revoke")
    assert revoke.error_code() == "organization_invitation_not_pending"
    with pytest.raises(ClerkAPIError, match="expired"):
        clerk_emulator.state.accept_invitation(invitation["id"])
    assert (await _invite(api, org_id, "late@example.com")).status == 200


async def test_accepting_turns_the_invitation_into_a_membership(
    api: Api, clerk_emulator: ClerkEmulator
) -> None:
    org_id = await _org(api)
    invitation = (
        await _invite(api, org_id, "Carol@Sample.org", role="org:admin", public_metadata={"k": 1})
    ).body
    membership = clerk_emulator.state.accept_invitation(invitation["id"])
    assert (membership.user_id, membership.role) == ("user_carol", "org:admin")
    assert membership.public_metadata == {"k": 1}
    got = await api.call("GET", f"/organizations/{org_id}/invitations/{invitation['id']}")
    assert got.body["status"] == "accepted"
    org = await api.call("GET", f"/organizations/{org_id}", params={"include_members_count": "1"})
    assert (org.body["members_count"], org.body["pending_invitations_count"]) == (2, 0)
    members = await api.call(
        "GET", f"/organizations/{org_id}/memberships", params={"user_id": "user_carol"}
    )
    assert members.body["data"][0]["permissions"][0].startswith("org:sys_")
    with pytest.raises(ClerkAPIError, match="already been accepted"):
        clerk_emulator.state.accept_invitation(invitation["id"])


async def test_accepting_signs_up_a_new_user_or_uses_the_one_given(
    api: Api, clerk_emulator: ClerkEmulator
) -> None:
    org_id = await _org(api, max_allowed_memberships=0)
    state = clerk_emulator.state
    stranger = (await _invite(api, org_id, "stranger@example.com")).body
    joined = state.accept_invitation(stranger["id"])
    assert state.users[joined.user_id].email_address == "stranger@example.com"
    chosen = (await _invite(api, org_id, "someone@example.com")).body
    assert state.accept_invitation(chosen["id"], user_id="user_dave").user_id == "user_dave"
    member = (await _invite(api, org_id, "alice@example.com")).body
    with pytest.raises(ClerkAPIError, match="already a member") as already:
        state.accept_invitation(member["id"])
    assert already.value.code == "already_a_member_in_organization"
    revoked = (await _invite(api, org_id, "gone@example.com")).body
    state.invitations.revoke(org_id, revoked["id"])
    with pytest.raises(ClerkAPIError, match="revoked"):
        state.accept_invitation(revoked["id"])
    with pytest.raises(ClerkAPIError) as missing:
        state.accept_invitation("orginv_nope")
    assert missing.value.status == 404
    pending = (await _invite(api, org_id, "later@example.com")).body
    with pytest.raises(ClerkAPIError, match="user was not found"):
        state.accept_invitation(pending["id"], user_id="user_nobody")


async def test_accepting_into_a_full_organization_changes_nothing(
    api: Api, clerk_emulator: ClerkEmulator
) -> None:
    org_id = await _org(api, max_allowed_memberships=2)
    invitation = (await _invite(api, org_id, "newcomer@example.com")).body
    await api.call(
        "POST",
        f"/organizations/{org_id}/memberships",
        json={"user_id": "user_bob", "role": "org:member"},
    )
    users_before = set(clerk_emulator.state.users)
    with pytest.raises(ClerkAPIError) as full:
        clerk_emulator.state.accept_invitation(invitation["id"])
    assert (full.value.status, full.value.code) == (403, "quota_exceeded")
    assert set(clerk_emulator.state.users) == users_before
    got = await api.call("GET", f"/organizations/{org_id}/invitations/{invitation['id']}")
    assert got.body["status"] == "pending"


async def test_pending_invitations_count_toward_the_membership_limit(api: Api) -> None:
    org_id = await _org(api, max_allowed_memberships=3)
    assert (await _invite(api, org_id, "one@example.com")).status == 200
    assert (await _invite(api, org_id, "two@example.com")).status == 200
    full = await _invite(api, org_id, "three@example.com")
    assert (full.status, full.error_code()) == (403, "organization_membership_quota_exceeded")


async def test_bulk_creates_up_to_ten_all_or_none(api: Api) -> None:
    org_id = await _org(api, max_allowed_memberships=0)
    path = f"/organizations/{org_id}/invitations/bulk"
    ten = [{"email_address": f"p{n}@example.com", "role": "org:member"} for n in range(10)]
    created = await api.call("POST", path, json=ten)
    assert created.status == 200, created.body
    assert [i["email_address"] for i in created.body["data"]] == [i["email_address"] for i in ten]
    assert created.body["total_count"] == 10
    eleven = [{"email_address": f"q{n}@example.com", "role": "org:member"} for n in range(11)]
    too_many = await api.call("POST", path, json=eleven)
    assert (too_many.status, too_many.error_code()) == (400, "bulk_size_exceeded")
    one_bad = [
        {"email_address": "ok@example.com", "role": "org:member"},
        {"email_address": "bad@example.com", "role": "org:nope"},
    ]
    assert (await api.call("POST", path, json=one_bad)).status == 422
    twice = [{"email_address": "same@example.com", "role": "org:member"}] * 2
    assert (await api.call("POST", path, json=twice)).error_code() == (
        "organization_invitation_not_unique"
    )
    for body in ([], {"email_address": "a@b.co", "role": "org:member"}, [3]):
        reply = await api.call("POST", path, json=body)
        assert (reply.status, reply.error_code()) == (400, "request_body_invalid")
    assert await _pending_count(api, org_id) == 10


async def test_lists_filter_and_order(api: Api, clock: Clock) -> None:
    org_id = await _org(api, max_allowed_memberships=0)
    ids = {}
    for email in ("b@example.com", "a@example.com", "c@example.com"):
        clock.now += 1
        ids[email] = (await _invite(api, org_id, email)).body["id"]
    await api.call("POST", f"/organizations/{org_id}/invitations/{ids['c@example.com']}/revoke")
    base = f"/organizations/{org_id}/invitations"

    async def emails(path: str, **params: Any) -> list[str]:
        reply = await api.call("GET", path, params=params)
        assert reply.status == 200, reply.body
        return [i["email_address"] for i in reply.body["data"]]

    assert await emails(base) == ["c@example.com", "a@example.com", "b@example.com"]
    assert await emails(base, order_by="email_address") == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
    ]
    assert await emails(base, status="revoked") == ["c@example.com"]
    assert await emails(base, email_address="A@EXAMPLE.COM") == ["a@example.com"]
    assert await emails(base + "/pending", limit=1, offset=1) == ["b@example.com"]
    bad_page = await api.call("GET", base + "/pending", params={"limit": 0})
    assert (bad_page.status, bad_page.error_code()) == (400, "invalid_query_parameter_value")
    bad_status = await api.call("GET", base, params={"status": "lost"})
    assert (bad_status.status, bad_status.error_code()) == (422, "form_param_value_invalid")

    other = await api.create_org("Elsewhere")
    await _invite(api, other["id"], "z@elsewhere.io")
    every = await api.call("GET", "/organization_invitations", params={"query": "ELSEWHERE"})
    (found,) = every.body["data"]
    assert found["public_organization_data"]["slug"] == "elsewhere"
    pending = await api.call(
        "GET",
        "/organization_invitations",
        params={"status": "pending", "order_by": "email_address"},
    )
    assert [i["email_address"] for i in pending.body["data"]] == [
        "a@example.com",
        "b@example.com",
        "z@elsewhere.io",
    ]
    await api.call("DELETE", f"/organizations/{other['id']}")
    assert (await api.call("GET", "/organization_invitations")).body["total_count"] == 3
