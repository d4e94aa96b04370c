"""examples/fastapi_app.py driven through httpx's ASGI transport against the emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from clerk_orgs_async import ClerkClient
from clerk_orgs_async.testing import ClerkEmulator
from examples import fastapi_app

USERS = [f"user_{n}" for n in range(1, 6)]


@pytest.fixture
def clerk_emulator_options() -> dict[str, Any]:
    return {"users": USERS, "default_max_allowed_memberships": 0}


@pytest.fixture
async def http(
    clerk_emulator: ClerkEmulator, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    clients: list[ClerkClient] = []

    class Counted(ClerkClient):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            clients.append(self)

    monkeypatch.setattr(fastapi_app, "ClerkClient", Counted)
    monkeypatch.setenv("CLERK_SECRET_KEY", clerk_emulator.secret_key)
    monkeypatch.setenv("CLERK_API_URL", clerk_emulator.base_url)
    app = fastapi_app.create_app()
    # httpx's ASGITransport does not run the lifespan: enter it here.
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            yield client
        assert len(clients) == 1  # every request shared the lifespan's one client


async def test_create_and_list_members(http: httpx.AsyncClient) -> None:
    created = await http.post(
        "/organizations", json={"name": "Acme", "slug": "acme", "created_by": "user_1"}
    )
    assert created.status_code == 201
    org = created.json()
    assert (org["name"], org["slug"]) == ("Acme", "acme")
    members = await http.get(f"/organizations/{org['id']}/members")
    assert members.status_code == 200
    assert members.json() == [{"user_id": "user_1", "role": "org:admin"}]


async def test_errors_map_to_statuses(http: httpx.AsyncClient) -> None:
    missing = await http.get("/organizations/org_missing/members")
    assert missing.status_code == 404
    assert missing.json()["code"] == "resource_not_found"
    assert (await http.post("/organizations", json={"name": "A", "slug": "taken"})).is_success
    taken = await http.post("/organizations", json={"name": "B", "slug": "taken"})
    assert taken.status_code == 422
    assert taken.json()["code"] == "form_identifier_exists"
    refused = await http.post("/organizations", json={"name": "C", "slug": "Not A Slug"})
    assert refused.status_code == 422


async def test_200_concurrent_requests_share_one_client(
    http: httpx.AsyncClient, clerk_emulator: ClerkEmulator
) -> None:
    creates = await asyncio.gather(
        *(
            http.post(
                "/organizations",
                json={"name": f"Org {n}", "slug": f"org-{n}", "created_by": USERS[n % 5]},
            )
            for n in range(100)
        )
    )
    assert [r.status_code for r in creates] == [201] * 100
    ids = [r.json()["id"] for r in creates]
    lists = await asyncio.gather(*(http.get(f"/organizations/{i}/members") for i in ids))
    assert [r.json() for r in lists] == [
        [{"user_id": USERS[n % 5], "role": "org:admin"}] for n in range(100)
    ]
    assert len(clerk_emulator.state.organizations) == 100
