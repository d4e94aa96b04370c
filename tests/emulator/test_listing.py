"""``GET /organizations``: order, filters, paging, and its cost on a large instance."""

from __future__ import annotations

from typing import Any

import pytest

from clerk_orgs_async.testing import ClerkEmulator, OrganizationQuery
from clerk_orgs_async.testing._organizations import ORG_SORT_KEYS, OrganizationRecord

from ._support import Api


async def _slugs(api: Api, **params: Any) -> list[str]:
    reply = await api.call("GET", "/organizations", params=params)
    assert reply.status == 200, reply.body
    return [org["slug"] for org in reply.body["data"]]


@pytest.fixture
async def orgs(api: Api) -> None:
    await api.create_org("Bravo", created_by="user_alice")
    await api.create_org("alpha", created_by="user_bob")
    charlie = await api.create_org("Charlie", created_by="user_alice", max_allowed_memberships=0)
    for user_id in ("user_bob", "user_carol"):
        await api.call(
            "POST",
            f"/organizations/{charlie['id']}/memberships",
            json={"user_id": user_id, "role": "org:member"},
        )


@pytest.mark.usefixtures("orgs")
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["charlie", "alpha", "bravo"]),
        ({"order_by": "-created_at"}, ["charlie", "alpha", "bravo"]),
        ({"order_by": "created_at"}, ["bravo", "alpha", "charlie"]),
        ({"order_by": "+name"}, ["alpha", "Bravo", "Charlie"]),
        ({"order_by": "-name"}, ["Charlie", "Bravo", "alpha"]),
        ({"order_by": "-members_count"}, ["charlie", "alpha", "bravo"]),
        ({"order_by": "members_count"}, ["bravo", "alpha", "charlie"]),
        ({"query": "RAV"}, ["bravo"]),
        ({"query": "ph"}, ["alpha"]),
        ({"user_id": "user_alice"}, ["charlie", "bravo"]),
        ({"user_id": ["+user_carol", "user_bob"]}, ["charlie", "alpha"]),
        ({"user_id": ["-user_alice"]}, ["alpha"]),
        ({"user_id": ["user_alice", "-user_carol"]}, ["bravo"]),
        ({"user_id": "user_nobody"}, []),
        ({"limit": 2}, ["charlie", "alpha"]),
        ({"limit": 2, "offset": 2}, ["bravo"]),
        ({"offset": 10}, []),
    ],
)
async def test_orders_and_filters(api: Api, params: dict[str, Any], expected: list[str]) -> None:
    slugs = await _slugs(api, **params)
    # Names show where the order is by name, slugs elsewhere.
    if "name" in params.get("order_by", ""):
        reply = await api.call("GET", "/organizations", params=params)
        slugs = [org["name"] for org in reply.body["data"]]
    assert slugs == expected


@pytest.mark.usefixtures("orgs")
async def test_query_is_exact_on_id_and_organization_id_filters(api: Api) -> None:
    everything = (await api.call("GET", "/organizations")).body["data"]
    ids = {org["slug"]: org["id"] for org in everything}
    assert await _slugs(api, query=ids["alpha"]) == ["alpha"]
    assert await _slugs(api, query=ids["alpha"][:-1]) == []
    assert await _slugs(api, organization_id=[ids["alpha"], f"+{ids['bravo']}"]) == [
        "alpha",
        "bravo",
    ]
    assert await _slugs(api, organization_id=f"-{ids['alpha']}") == ["charlie", "bravo"]


@pytest.mark.usefixtures("orgs")
async def test_total_count_counts_the_filtered_set_and_members_count_is_opt_in(api: Api) -> None:
    reply = await api.call("GET", "/organizations", params={"user_id": "user_alice", "limit": 1})
    assert reply.body["total_count"] == 2
    assert len(reply.body["data"]) == 1
    assert "members_count" not in reply.body["data"][0]
    counted = await api.call(
        "GET", "/organizations", params={"include_members_count": "true", "order_by": "name"}
    )
    assert [org["members_count"] for org in counted.body["data"]] == [1, 1, 3]


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"order_by": "slug"}, "order_by"),
        ({"order_by": "--name"}, "order_by"),
        ({"organization_id": [f"org_{n}" for n in range(101)]}, "organization_id"),
    ],
)
async def test_bad_parameters_get_422(api: Api, params: dict[str, Any], param: str) -> None:
    reply = await api.call("GET", "/organizations", params=params)
    assert (reply.status, reply.error_code()) == (422, "form_param_value_invalid")
    assert reply.body["errors"][0]["meta"]["param_name"] == param


async def test_limit_500_is_allowed(api: Api, clerk_emulator: ClerkEmulator) -> None:
    clerk_emulator.state.seed_organizations(501)
    reply = await api.call("GET", "/organizations", params={"limit": 500})
    assert (len(reply.body["data"]), reply.body["total_count"]) == (500, 501)


async def test_same_millisecond_creations_page_in_a_strict_order(
    api: Api, clerk_emulator: ClerkEmulator
) -> None:
    state = clerk_emulator.state
    created = [org.id for org in state.seed_organizations(25)]
    for org_id in created:  # every organization in the same millisecond
        state.update_organization(org_id, created_at=1_700_000_000_000)
    for order_by, expected in (("-created_at", created[::-1]), ("created_at", created)):
        walked: list[str] = []
        for offset in range(0, 25, 4):
            reply = await api.call(
                "GET", "/organizations", params={"limit": 4, "offset": offset, "order_by": order_by}
            )
            walked += [org["id"] for org in reply.body["data"]]
        assert walked == expected


def test_listing_a_large_instance_costs_a_page_not_a_sort(monkeypatch: pytest.MonkeyPatch) -> None:
    from clerk_orgs_async.testing import EmulatorState

    # Counted, not timed: how long the pages take is the machine's business.
    keyed: list[OrganizationRecord] = []
    by_creation = ORG_SORT_KEYS["created_at"]

    def counted(org: OrganizationRecord) -> tuple[Any, ...]:
        keyed.append(org)
        return by_creation(org)

    monkeypatch.setitem(ORG_SORT_KEYS, "created_at", counted)
    state = EmulatorState()
    state.seed_organizations(20_000)
    state.list_organizations(OrganizationQuery(limit=500))  # sorts once
    assert len(keyed) == 20_000
    for offset in range(0, 20_000, 500):
        page, total = state.list_organizations(OrganizationQuery(limit=500, offset=offset))
        assert (len(page), total) == (500, 20_000)
    assert len(keyed) == 20_000  # 40 pages, and not one more sort


def test_a_write_invalidates_the_cached_order() -> None:
    from clerk_orgs_async.testing import EmulatorState

    state = EmulatorState()
    first, second = state.seed_organizations(2)
    assert state.list_organizations(OrganizationQuery(order_by="name"))[0] == [first, second]
    state.update_organization(first.id, name="Zulu")
    assert state.list_organizations(OrganizationQuery(order_by="name"))[0] == [second, first]
    third = state.create_organization("Alpha")
    assert state.list_organizations(OrganizationQuery(order_by="name"))[0][0] is third
