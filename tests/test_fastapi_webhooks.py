"""The example's webhook route and mirror, fed signed deliveries built here."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from clerk_orgs_async import ClerkClient
from clerk_orgs_async.testing import ClerkEmulator
from examples import fastapi_app
from examples.fastapi_app import Mirror, reconcile, reconciling
from tests.conftest import sample
from tests.webhooks._deliveries import OTHER_SECRET, SECRET, envelope, signed_headers

USERS = [f"user_{n}" for n in range(1, 6)]
T0 = 1732000000000
_ids = itertools.count(1)


@pytest.fixture
def clerk_emulator_options() -> dict[str, Any]:
    return {"users": USERS, "default_max_allowed_memberships": 0}


@pytest.fixture
async def app(
    clerk_emulator: ClerkEmulator, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[httpx.AsyncClient, Mirror]]:
    monkeypatch.setenv("CLERK_SECRET_KEY", clerk_emulator.secret_key)
    monkeypatch.setenv("CLERK_API_URL", clerk_emulator.base_url)
    monkeypatch.setenv("CLERK_WEBHOOK_SIGNING_SECRET", SECRET)
    application = fastapi_app.create_app()
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            yield client, application.state.mirror


def organization(org_id: str = "org_1", *, name: str = "Acme", at: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = sample("organization")
    return data | {"id": org_id, "name": name, "updated_at": T0 + at}


def membership(
    membership_id: str = "orgmem_1", *, org_id: str = "org_1", role: str = "org:member", at: int = 0
) -> dict[str, Any]:
    data: dict[str, Any] = sample("membership")
    data["organization"] |= {"id": org_id, "updated_at": T0}
    return data | {"id": membership_id, "role": role, "updated_at": T0 + at}


async def deliver(
    http: httpx.AsyncClient, kind: str, data: dict[str, Any], *, message_id: str | None = None
) -> httpx.Response:
    body = envelope(kind, data)
    headers = signed_headers(body, message_id=message_id or f"msg_{next(_ids)}")
    return await http.post("/webhooks/clerk", content=body, headers=headers)


async def test_a_verified_event_is_applied_with_a_204(
    app: tuple[httpx.AsyncClient, Mirror],
) -> None:
    http, mirror = app
    answer = await deliver(http, "organization.created", organization())
    assert (answer.status_code, answer.content) == (204, b"")
    assert mirror.organizations["org_1"].name == "Acme"


async def test_a_bad_signature_is_a_400_without_detail(
    app: tuple[httpx.AsyncClient, Mirror],
) -> None:
    http, mirror = app
    body = envelope("organization.created", organization())
    for headers in (
        signed_headers(body, secret=OTHER_SECRET),
        signed_headers(body, age=600),
        {k: v for k, v in signed_headers(body).items() if k != "svix-signature"},
    ):
        answer = await http.post("/webhooks/clerk", content=body, headers=headers)
        assert (answer.status_code, answer.content) == (400, b"")
    changed = body.replace(b"Acme", b"Acmf")
    answer = await http.post("/webhooks/clerk", content=changed, headers=signed_headers(body))
    assert (answer.status_code, answer.content) == (400, b"")
    assert mirror.organizations == {} and mirror.applied == []


async def test_no_signing_secret_is_a_500_without_detail(
    app: tuple[httpx.AsyncClient, Mirror], monkeypatch: pytest.MonkeyPatch
) -> None:
    http, mirror = app
    monkeypatch.delenv("CLERK_WEBHOOK_SIGNING_SECRET")
    answer = await deliver(http, "organization.created", organization())
    assert (answer.status_code, answer.content) == (500, b"")
    assert mirror.applied == []


async def test_a_message_delivered_twice_is_applied_once(
    app: tuple[httpx.AsyncClient, Mirror],
) -> None:
    http, mirror = app
    for _ in range(3):
        answer = await deliver(http, "organization.created", organization(), message_id="msg_a")
        assert answer.status_code == 204
    assert mirror.applied == [("msg_a", "organization.created")]


async def test_an_update_before_its_create_is_not_rolled_back(
    app: tuple[httpx.AsyncClient, Mirror],
) -> None:
    http, mirror = app
    await deliver(http, "organization.updated", organization(name="Acme Inc", at=5))
    await deliver(http, "organization.created", organization(name="Acme", at=0))
    assert mirror.organizations["org_1"].name == "Acme Inc"


async def test_an_older_update_after_a_newer_one_is_ignored(
    app: tuple[httpx.AsyncClient, Mirror],
) -> None:
    http, mirror = app
    await deliver(http, "organization.created", organization(name="v1", at=0))
    await deliver(http, "organization.updated", organization(name="v3", at=9))
    await deliver(http, "organization.updated", organization(name="v2", at=4))
    assert mirror.organizations["org_1"].name == "v3"
    await deliver(http, "organizationMembership.updated", membership(role="org:admin", at=9))
    await deliver(http, "organizationMembership.created", membership(role="org:member", at=0))
    assert mirror.memberships["orgmem_1"].role == "org:admin"


async def test_memberships_follow_their_events(app: tuple[httpx.AsyncClient, Mirror]) -> None:
    http, mirror = app
    await deliver(http, "organizationMembership.created", membership())
    row = mirror.memberships["orgmem_1"]
    assert (row.organization_id, row.user_id, row.role) == (
        "org_1",
        sample("membership")["public_user_data"]["user_id"],
        "org:member",
    )
    assert "org_1" in mirror.organizations  # from the membership's organization
    await deliver(http, "organizationMembership.updated", membership(role="org:admin", at=3))
    assert mirror.memberships["orgmem_1"].role == "org:admin"
    await deliver(http, "organizationMembership.deleted", membership(role="org:admin", at=3))
    assert mirror.memberships == {}
    # A late update of a deleted membership does not bring it back.
    await deliver(http, "organizationMembership.updated", membership(role="org:member", at=4))
    assert mirror.memberships == {}


async def test_a_deleted_organization_takes_its_memberships_and_stays_deleted(
    app: tuple[httpx.AsyncClient, Mirror],
) -> None:
    http, mirror = app
    await deliver(http, "organization.created", organization())
    await deliver(http, "organizationMembership.created", membership())
    deleted = {"object": "organization", "id": "org_1", "deleted": True}
    await deliver(http, "organization.deleted", deleted)
    assert mirror.organizations == {} and mirror.memberships == {}
    await deliver(http, "organization.updated", organization(at=50))
    await deliver(http, "organizationMembership.created", membership("orgmem_2", at=50))
    assert mirror.organizations == {} and mirror.memberships == {}


async def test_other_events_are_acknowledged_and_change_nothing(
    app: tuple[httpx.AsyncClient, Mirror],
) -> None:
    http, mirror = app
    for kind in ("user.created", "session.created", "role.created"):
        data = sample("role") if kind == "role.created" else {"id": "user_9", "object": "user"}
        assert (await deliver(http, kind, data)).status_code == 204
    assert mirror.organizations == {} and mirror.memberships == {}
    assert [kind for _, kind in mirror.applied] == [
        "user.created",
        "session.created",
        "role.created",
    ]


async def test_reconcile_makes_the_mirror_equal_clerks_state(
    clerk_emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    state = clerk_emulator.state
    kept = state.create_organization("Kept", created_by="user_1")
    renamed = state.create_organization("Old name")
    state.create_membership(renamed.id, "user_2", "org:member")
    mirror = Mirror()
    # The mirror saw the creations, then missed an update, a deletion and a membership change.
    await reconcile(clerk, mirror)
    gone = state.create_organization("Gone")
    await reconcile(clerk, mirror)
    state.update_organization(renamed.id, name="New name")
    state.update_membership(renamed.id, "user_2", role="org:admin")
    state.delete_organization(gone.id)
    state.delete_membership(kept.id, "user_1")
    await reconcile(clerk, mirror)
    assert {o.id: o.name for o in mirror.organizations.values()} == {
        kept.id: "Kept",
        renamed.id: "New name",
    }
    assert {(m.organization_id, m.user_id, m.role) for m in mirror.memberships.values()} == {
        (renamed.id, "user_2", "org:admin")
    }


def test_a_row_written_while_the_lists_were_read_is_kept() -> None:
    from clerk_orgs_async._serialization import structurer
    from clerk_orgs_async.models import Organization

    mirror = Mirror()
    since = mirror.version
    mirror.put_organization(structurer(Organization)(organization("org_new")))
    mirror.forget_missing(set(), set(), since)
    assert "org_new" in mirror.organizations
    mirror.forget_missing(set(), set(), mirror.version)
    assert mirror.organizations == {}


async def test_reconciling_runs_until_the_block_ends(
    clerk_emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    org = clerk_emulator.state.create_organization("Found by reconcile")
    mirror = Mirror()
    async with reconciling(clerk, mirror, every=0.001):
        await asyncio.wait_for(until(lambda: org.id in mirror.organizations), 10)


async def until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.001)
