"""Safe writes against the emulator: no false successes, no false failures, nothing twice."""

from __future__ import annotations

import time

import pytest

from clerk_orgs_async import BadRequestError, ClerkClient, UnprocessableEntityError
from clerk_orgs_async.testing import ClerkEmulator


async def test_a_503_never_turns_a_taken_slug_into_a_success(
    emu: ClerkEmulator, clerk: ClerkClient
) -> None:
    existing = await clerk.organizations.create(name="Acme", slug="acme")
    # Without the 503 the call raises 422 form_identifier_exists. With it, the lookup finds an
    # organization of that name and slug: one that existed before the call, so not its own.
    emu.faults.status(503, method="POST")
    with pytest.raises(UnprocessableEntityError) as caught:
        await clerk.organizations.create(name="Acme", slug="acme")
    assert caught.value.code == "form_identifier_exists"
    assert [org.id for org in emu.state.organizations.values()] == [existing.id]


async def test_a_create_whose_answer_is_lost_still_returns_its_organization(
    emu: ClerkEmulator, clerk: ClerkClient
) -> None:
    emu.faults.status(503, method="POST", after_apply=True)
    org = await clerk.organizations.create(name="Acme", slug="acme")
    assert list(emu.state.organizations) == [org.id]


async def test_a_503_never_turns_an_existing_membership_into_a_success(
    emu: ClerkEmulator, clerk: ClerkClient
) -> None:
    org = await clerk.organizations.create(name="Acme", slug="acme", created_by="user_owner")
    await clerk.organization_memberships.create(org.id, user_id="user_1", role="org:member")
    emu.faults.status(503, method="POST")
    with pytest.raises(BadRequestError) as caught:
        await clerk.organization_memberships.create(org.id, user_id="user_1", role="org:member")
    assert caught.value.code == "already_a_member_in_organization"


async def test_a_membership_whose_answer_is_lost_is_returned_once(
    emu: ClerkEmulator, clerk: ClerkClient
) -> None:
    org = await clerk.organizations.create(name="Acme", slug="acme")
    emu.faults.drop(method="POST", after_apply=True)
    member = await clerk.organization_memberships.create(org.id, user_id="user_1", role="org:admin")
    assert member.role == "org:admin"
    assert [m.user_id for m in emu.state.memberships(org.id)] == ["user_1"]


async def test_an_old_organization_made_elsewhere_is_never_returned_as_created(
    emu: ClerkEmulator, clerk: ClerkClient
) -> None:
    # This client has written nothing: only the Date headers tell it the server's clock.
    hour_ago = int(time.time() * 1000) - 3_600_000
    emu.state.create_organization("Acme", slug="acme", created_at=hour_ago)
    emu.faults.drop(method="POST")
    with pytest.raises(UnprocessableEntityError):
        await clerk.organizations.create(name="Acme", slug="acme")
    assert len(emu.state.organizations) == 1
