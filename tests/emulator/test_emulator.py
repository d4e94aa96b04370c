"""``ClerkEmulator``: lifecycle, authentication, unknown routes, state saved and loaded."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from clerk_orgs_async import AuthenticationError, ClerkClient
from clerk_orgs_async.testing import ClerkEmulator, User

from ._support import Api


async def test_lifecycle_and_generated_key() -> None:
    emulator = ClerkEmulator()
    with pytest.raises(RuntimeError, match="not started"):
        _ = emulator.base_url
    assert re.fullmatch(r"sk_test_[0-9A-Za-z]{40}", emulator.secret_key)
    assert ClerkEmulator().secret_key != emulator.secret_key
    async with emulator:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", emulator.base_url)
        assert emulator.port != 0
        with pytest.raises(RuntimeError, match="already started"):
            await emulator.start()
    await emulator.close()  # closing twice is harmless


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        # Clerk's codes for each case: no credentials, a malformed header, a wrong key.
        (None, "authentication_invalid"),
        ("", "authentication_invalid"),
        ("sk_test_wrong", "authorization_header_format_invalid"),
        ("Basic dXNlcjpwYXNz", "authorization_header_format_invalid"),
        ("Bearer ", "authorization_header_format_invalid"),
        ("Bearer sk_test_wrong", "clerk_key_invalid"),
    ],
)
async def test_requests_need_the_secret_key(api: Api, authorization: str | None, code: str) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    async with api.session.get(
        api.emulator.base_url + "/organizations", headers=headers
    ) as response:
        body = await response.json()
    assert response.status == 401
    assert body["errors"][0]["code"] == code
    assert body["clerk_trace_id"]


async def test_a_wrong_key_is_clerks_clerk_key_invalid_through_the_client(
    clerk_emulator: ClerkEmulator,
) -> None:
    async with ClerkClient(
        secret_key="sk_test_" + "x" * 40, base_url=clerk_emulator.base_url
    ) as clerk:
        with pytest.raises(AuthenticationError) as refused:
            await clerk.organizations.list()
    assert (refused.value.status, refused.value.code) == (401, "clerk_key_invalid")
    assert "Secret Key is invalid" in str(refused.value)


async def test_unknown_routes_answer_in_clerk_shape(api: Api) -> None:
    missing = await api.call("GET", "/sessions")
    assert (missing.status, missing.error_code()) == (404, "resource_not_found")


async def test_users_are_seeded_from_ids_mappings_and_records() -> None:
    emulator = ClerkEmulator(
        users=["user_a", {"id": "user_b", "username": "bee"}, User(id="user_c", first_name="C")]
    )
    users = emulator.state.users
    assert sorted(users) == ["user_a", "user_b", "user_c"]
    assert (users["user_b"].username, users["user_c"].first_name) == ("bee", "C")
    seeded = emulator.state.seed_users(2)
    assert [u.username for u in seeded] == ["user4", "user5"]
    assert all(re.fullmatch(r"user_[0-9A-Za-z]{27}", u.id) for u in seeded)


async def test_state_survives_a_restart_through_the_data_file(
    tmp_path: Path, emulator_options: dict[str, Any]
) -> None:
    data = tmp_path / "state.json"
    async with (
        ClerkEmulator(**emulator_options, data_file=data) as first,
        aiohttp.ClientSession() as session,
    ):
        api = Api(session, first)
        org = await api.create_org("Kept", created_by="user_alice", public_metadata={"k": 1})
        await api.call(
            "POST",
            f"/organizations/{org['id']}/memberships",
            json={"user_id": "user_bob", "role": "org:member"},
        )
        form = aiohttp.FormData()
        form.add_field("file", io.BytesIO(b"GIF89a"), filename="l.gif", content_type="image/gif")
        await api.call("PUT", f"/organizations/{org['id']}/logo", data=form)
    assert data.exists()

    async with (
        ClerkEmulator(data_file=data, on_response=emulator_options["on_response"]) as second,
        aiohttp.ClientSession() as session,
    ):
        api = Api(session, second)
        got = await api.call("GET", "/organizations/kept", params={"include_members_count": 1})
        assert got.body["id"] == org["id"]
        assert (got.body["members_count"], got.body["public_metadata"]) == (2, {"k": 1})
        async with session.get(got.body["image_url"]) as image:
            assert await image.read() == b"GIF89a"
        listed = await api.call("GET", "/organizations", params={"user_id": "user_bob"})
        assert listed.body["total_count"] == 1
        newer = await api.create_org("Newer")
        ids = [o["id"] for o in (await api.call("GET", "/organizations")).body["data"]]
        assert ids == [newer["id"], org["id"]]
        assert "user_alice" in second.state.users


async def test_requests_are_logged_and_counted(api: Api, clerk_emulator: ClerkEmulator) -> None:
    await api.call("GET", "/organizations")
    await api.call("GET", "/organizations/nope")
    assert [(r.method, r.path, r.status) for r in clerk_emulator.requests] == [
        ("GET", "/v1/organizations", 200),
        ("GET", "/v1/organizations/nope", 404),
    ]
    assert clerk_emulator.stats.requests == 2
    assert clerk_emulator.stats.statuses == {200: 1, 404: 1}


def test_reset_forgets_everything_but_the_users() -> None:
    from clerk_orgs_async.testing import EmulatorState

    state = EmulatorState(roles=("org:admin", "org:member", "org:billing"))
    state.add_users(["user_1", "user_2"])
    acme = state.create_organization("Acme", created_by="user_1")
    state.create_organization("Globex", created_by="user_2")
    state.create_membership(acme.id, "user_2", "org:member")
    state.roles.create_permission(name="Read invoices", key="org:invoices:read")
    state.invitations.create(acme.id, [{"email_address": "x@acme.example", "role": "org:member"}])
    state.domains.create(acme.id, "acme.example")
    assert [m.role for m in state.user_memberships("user_2")] == ["org:member", "org:admin"]
    state.reset()
    assert list(state.users) == ["user_1", "user_2"]
    assert not state.organizations
    assert state.user_memberships("user_2") == []
    assert [r.key for r in state.roles] == ["org:admin", "org:member", "org:billing"]
    assert "org:invoices:read" not in [p.key for p in state.roles.list_permissions(None, "key")]
    assert state.invitations.matching(None) == [] and state.domains.matching() == []
    again = state.create_organization("Acme", created_by="user_1")
    assert again.slug == "acme"
