"""``GET /users``, ``/users/count`` and ``/users/{user_id}``: the seeded users, read-only.

Every 200 here is also checked against the fields Clerk's spec requires of a ``User`` (see
``USERS_ROUTES`` in ``_support.py``).
"""

from __future__ import annotations

import pytest

from clerk_orgs_async._json import dumps
from clerk_orgs_async.testing import ClerkEmulator, EmulatorState, RequestRecord, ServedResponse
from clerk_orgs_async.testing._users import UserQuery
from tests._needs import missing

from ._support import SPEC_MISSING, Api, Conformance


async def test_get_a_user(api: Api) -> None:
    reply = await api.call("GET", "/users/user_alice")
    assert reply.status == 200, reply.body
    user = reply.body
    assert (user["object"], user["id"], user["first_name"]) == ("user", "user_alice", "Alice")
    (email,) = user["email_addresses"]
    assert email["email_address"] == "alice@example.com"
    assert user["primary_email_address_id"] == email["id"]
    assert email["verification"]["status"] == "verified"
    assert user["phone_numbers"][0]["phone_number"] == "+15550000001"
    assert user["web3_wallets"][0]["web3_wallet"] == "0xaaa1"
    assert user["image_url"] == "https://images.example.com/alice.png"
    assert user["last_active_at"] == 1_700_000_000_000
    # The same identification IDs on every read.
    again = await api.call("GET", "/users/user_alice")
    assert again.body == user


async def test_a_user_without_identifications(api: Api) -> None:
    user = (await api.call("GET", "/users/user_dave")).body
    assert user["email_addresses"] == user["phone_numbers"] == user["web3_wallets"] == []
    assert user["primary_email_address_id"] is None
    assert user["has_image"] is False
    assert user["image_url"].startswith(api.emulator.base_url + "/_emulator/images/")


async def test_an_unknown_user_is_404(api: Api) -> None:
    reply = await api.call("GET", "/users/user_nobody")
    assert (reply.status, reply.error_code()) == (404, "resource_not_found")


async def test_list_pages_through_every_user_newest_first(api: Api) -> None:
    first = await api.call("GET", "/users", params={"limit": 4})
    rest = await api.call("GET", "/users", params={"limit": 4, "offset": 4})
    ids = [u["id"] for u in first.body + rest.body]
    assert ids == list(reversed(list(api.emulator.state.users)))
    assert len(first.body) == 4


def test_users_seeded_within_one_millisecond_get_distinct_creation_times() -> None:
    # A machine fast enough to seed every user in one millisecond, or a clock pinned by a test:
    # the newest-first order must not depend on where the milliseconds fall.
    state = EmulatorState(clock=lambda: 1_700_000_000_000)
    state.add_users(["user_a", {"id": "user_b"}])
    seeded = state.seed_users(2)
    times = [user.created_at for user in state.users.values()]
    assert times == sorted(set(times)), times
    assert times[0] == 1_700_000_000_000
    newest_first = state.users.page(UserQuery(), lambda _: set())
    assert [u.id for u in newest_first] == [seeded[1].id, seeded[0].id, "user_b", "user_a"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"user_id": ["user_bob", "user_carol"]}, ["user_carol", "user_bob"]),
        ({"user_id": "-user_alice", "limit": 2}, ["user_frank", "user_erin"]),
        ({"email_address": "carol@sample.org"}, ["user_carol"]),
        ({"username": ["bobby", "alice"]}, ["user_bob", "user_alice"]),
        ({"query": "sample.ORG"}, ["user_carol"]),
        ({"query": "user_da"}, ["user_dave"]),
        ({"name_query": "ake"}, ["user_bob"]),
        ({"email_address_query": "EXAMPLE"}, ["user_bob", "user_alice"]),
        ({"last_active_at_after": 1_700_000_100_000}, ["user_bob"]),
        ({"order_by": "-username", "limit": 3}, ["user_carol", "user_bob", "user_alice"]),
        ({"order_by": "first_name", "limit": 2}, ["user_alice", "user_bob"]),
        ({"banned": "true"}, []),
    ],
)
async def test_list_filters_and_orders(
    api: Api, params: dict[str, object], expected: list[str]
) -> None:
    reply = await api.call("GET", "/users", params=params)
    assert reply.status == 200, reply.body
    assert [u["id"] for u in reply.body] == expected


async def test_list_by_organization(api: Api) -> None:
    org = await api.create_org("Acme", created_by="user_carol")
    await api.call(
        "POST",
        f"/organizations/{org['id']}/memberships",
        json={"user_id": "user_erin", "role": "org:member"},
    )
    members = await api.call("GET", "/users", params={"organization_id": org["id"]})
    assert [u["id"] for u in members.body] == ["user_erin", "user_carol"]
    outside = await api.call("GET", "/users", params={"organization_id": f"-{org['id']}"})
    assert {u["id"] for u in outside.body} == set(api.emulator.state.users) - {
        "user_carol",
        "user_erin",
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, 6),
        # The list's filters; its page and order do not change a count.
        ({"limit": 2, "offset": 5, "order_by": "-username"}, 6),
        ({"user_id": ["user_bob", "user_carol"]}, 2),
        ({"user_id": "-user_alice"}, 5),
        ({"email_address_query": "EXAMPLE"}, 2),
        ({"query": "sample.ORG"}, 1),
        ({"last_active_at_after": 1_700_000_100_000}, 1),
        ({"banned": "true"}, 0),
    ],
)
async def test_count_users_with_the_lists_filters(
    api: Api, params: dict[str, object], expected: int
) -> None:
    # @clerk/backend's users.getUserList reads its totalCount here (the emulator once read
    # "count" as a user ID and answered 404).
    reply = await api.call("GET", "/users/count", params=params)
    assert reply.status == 200, reply.body
    assert reply.body == {"object": "total_count", "total_count": expected}


async def test_count_users_of_an_organization(api: Api) -> None:
    org = await api.create_org("Acme", created_by="user_carol")
    reply = await api.call("GET", "/users/count", params={"organization_id": org["id"]})
    assert reply.body == {"object": "total_count", "total_count": 1}
    bad = await api.call("GET", "/users/count", params={"banned": "maybe"})
    assert (bad.status, bad.error_code()) == (422, "form_param_value_invalid")


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
        ({"order_by": "password"}, "order_by"),
        ({"banned": "maybe"}, "banned"),
        ({"user_id": [f"user_{n}" for n in range(101)]}, "user_id"),
        ({"email_address": [f"{n}@x.io" for n in range(101)]}, "email_address"),
    ],
)
async def test_list_refuses_bad_parameters(api: Api, params: dict[str, object], param: str) -> None:
    reply = await api.call("GET", "/users", params=params)
    assert (reply.status, reply.error_code()) == (422, "form_param_value_invalid")
    assert reply.body["errors"][0]["meta"] == {"param_name": param}


async def test_users_are_read_only(api: Api) -> None:
    created = await api.call("POST", "/users", json={"email_address": ["x@example.com"]})
    assert created.status == 405
    assert created.error_code() == "request_invalid"
    assert "user_x" not in api.emulator.state.users


async def test_users_need_the_key(api: Api, clerk_emulator: ClerkEmulator) -> None:
    reply = await api.call("GET", "/users", key="sk_test_wrong")
    assert reply.status == 401


async def test_the_conformance_check_catches_a_user_missing_a_required_field(
    api: Api, conformance: Conformance
) -> None:
    if not conformance.enabled:
        missing(SPEC_MISSING)
    reply = await api.call("GET", "/users/user_bob")
    record = RequestRecord(method="GET", path="/v1/users/user_bob", status=200)

    def served(body: object) -> ServedResponse:
        return ServedResponse(
            record=record,
            route="/users/{user_id}",
            content_type="application/json",
            body=dumps(body),
        )

    assert conformance.check(served(reply.body)) == []
    del reply.body["banned"]
    assert any(
        "'banned' is a required property" in p for p in conformance.check(served(reply.body))
    )
    listed = ServedResponse(
        record=RequestRecord(method="GET", path="/v1/users", status=200),
        route="/users",
        content_type="application/json",
        body=dumps([{**reply.body, "banned": True, "first_name": 3}]),
    )
    assert any("3 is not of type 'string'" in p for p in conformance.check(listed))
