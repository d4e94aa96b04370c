"""examples/fastapi_app.py driven through httpx's ASGI transport against the emulator."""

from __future__ import annotations

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
            # No retries and a short timeout: each fault reaches the app at once (a second
            # is still far more than an answer takes on a loaded machine).
            super().__init__(*args, retry=None, timeout=1.0, **kwargs)
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


async def test_membership_routes_take_a_slug_or_an_id(http: httpx.AsyncClient) -> None:
    created = await http.post(
        "/organizations", json={"name": "Hooli", "slug": "hooli", "created_by": "user_1"}
    )
    org = created.json()
    added = await http.post(
        "/organizations/hooli/members", json={"user_id": "user_2", "role": "org:member"}
    )
    assert added.status_code == 201, added.text
    by_slug = await http.get("/organizations/hooli/members")
    assert by_slug.status_code == 200, by_slug.text
    assert by_slug.json() == [
        {"user_id": "user_1", "role": "org:admin"},
        {"user_id": "user_2", "role": "org:member"},
    ]
    assert (await http.get(f"/organizations/{org['id']}/members")).json() == by_slug.json()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/organizations/nope/members"),
        ("GET", "/organizations/org_missing/members"),
        ("POST", "/organizations/nope/members"),
        ("POST", "/organizations/org_missing/members"),
    ],
)
async def test_a_4xx_detail_keeps_upstream_internals_out(
    http: httpx.AsyncClient, method: str, path: str
) -> None:
    member = {"user_id": "user_1", "role": "org:member"}
    answer = await http.request(method, path, json=member if method == "POST" else None)
    assert (answer.status_code, answer.json()["code"]) == (404, "resource_not_found")
    detail = answer.json()["detail"]
    assert detail and "not found" in detail.lower()
    # Not the library's log line: no request line, route template, trace ID or status.
    for internal in ("GET", "POST", "/v1", "{", "trace", "404"):
        assert internal not in detail, detail


async def test_clerks_refusals_keep_their_meaning(http: httpx.AsyncClient) -> None:
    missing = await http.get("/organizations/org_missing/members")
    assert missing.status_code == 404
    assert missing.json()["code"] == "resource_not_found"
    no_creator = await http.post("/organizations", json={"name": "A", "created_by": "user_x"})
    assert no_creator.status_code == 400
    assert no_creator.json()["code"] == "organization_creator_not_found"
    assert (await http.post("/organizations", json={"name": "A", "slug": "taken"})).is_success
    taken = await http.post("/organizations", json={"name": "B", "slug": "taken"})
    assert taken.status_code == 409
    assert taken.json()["code"] == "form_identifier_exists"
    refused = await http.post("/organizations", json={"name": "C", "slug": "Not A Slug"})
    assert refused.status_code == 422
    assert refused.json()["code"] is None  # refused before anything was sent


async def test_adding_a_member_twice_is_a_409(
    http: httpx.AsyncClient, clerk_emulator: ClerkEmulator
) -> None:
    org = clerk_emulator.state.create_organization("Acme")
    path = f"/organizations/{org.id}/members"
    member = {"user_id": "user_1", "role": "org:member"}
    assert (await http.post(path, json=member)).status_code == 201
    again = await http.post(path, json=member)
    assert (again.status_code, again.json()["code"]) == (409, "already_a_member_in_organization")


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        (409, 409),
        (403, 403),
        (413, 413),
        (422, 422),
        (401, 502),
        (402, 502),
        (418, 502),
        (500, 503),
        (502, 503),
        (503, 503),
        ("drop", 503),
        ("hang", 504),
    ],
)
async def test_every_clerk_error_gets_a_fitting_status(
    http: httpx.AsyncClient, clerk_emulator: ClerkEmulator, fault: int | str, status: int
) -> None:
    if fault == "drop":
        clerk_emulator.faults.drop()
    elif fault == "hang":
        clerk_emulator.faults.hang(5)
    else:
        assert isinstance(fault, int)
        clerk_emulator.faults.status(fault)
    answer = await http.get("/organizations/org_any/members")
    assert answer.status_code == status, answer.text
    if status >= 500:
        assert answer.json()["detail"] == "Clerk is unavailable; try again later."


async def test_a_rate_limit_is_a_429_with_retry_after(
    http: httpx.AsyncClient, clerk_emulator: ClerkEmulator
) -> None:
    clerk_emulator.faults.status(429, retry_after=7)
    answer = await http.post("/organizations", json={"name": "Acme"})
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "7"
    assert answer.json()["code"] == "too_many_requests"


async def test_a_full_organization_is_a_403(
    http: httpx.AsyncClient, clerk_emulator: ClerkEmulator
) -> None:
    org = clerk_emulator.state.create_organization("Small", max_allowed_memberships=1)
    first = await http.post(
        f"/organizations/{org.id}/members", json={"user_id": "user_1", "role": "org:member"}
    )
    assert first.status_code == 201
    full = await http.post(
        f"/organizations/{org.id}/members", json={"user_id": "user_2", "role": "org:member"}
    )
    assert (full.status_code, full.json()["code"]) == (403, "quota_exceeded")


def test_every_error_class_gets_a_considered_status() -> None:
    from clerk_orgs_async import errors

    classes = [
        getattr(errors, name)
        for name in errors.__all__
        if isinstance(getattr(errors, name), type)
        and issubclass(getattr(errors, name), errors.ClerkError)
        and getattr(errors, name) not in (errors.ClerkError, errors.BulkInvitationError)
    ]
    listed = [kind for kind, _ in fastapi_app.STATUSES]
    for kind in classes:
        # Each class meets its own entry or a deliberate one for its family, never only the
        # catch-all for ClerkError (a class added to the library later would).
        first = next(entry for entry in listed if issubclass(kind, entry))
        assert first is not errors.ClerkError, kind


def test_a_bulk_invitation_error_answers_as_what_stopped_it() -> None:
    from clerk_orgs_async import BulkInvitationError, NotFoundError

    stopped = NotFoundError(404)
    error = BulkInvitationError(created=[], not_created=[], maybe_created=[], error=stopped)
    assert fastapi_app.status_for(error) == 404
