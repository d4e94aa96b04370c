"""The client over the emulator's custom roles and pending invitations."""

from __future__ import annotations

import pytest

from clerk_orgs_async import ClerkClient, UnprocessableEntityError
from clerk_orgs_async.testing import ClerkEmulator


async def test_roles_and_invitations_show_through_the_client(
    clerk: ClerkClient, clerk_emulator: ClerkEmulator
) -> None:
    state = clerk_emulator.state
    reports = state.roles.create_permission(name="Read reports", key="org:reports:read")
    state.roles.create_role(name="Analyst", key="org:analyst", permissions=[reports.id])
    org = await clerk.organizations.create(name="Acme", created_by="user_alice")
    member = await clerk.organization_memberships.create(
        org.id, user_id="user_bob", role="org:analyst"
    )
    assert (member.role_name, member.permissions) == ("Analyst", ["org:reports:read"])
    with pytest.raises(UnprocessableEntityError):
        await clerk.organization_memberships.create(org.id, user_id="user_carol", role="org:ghost")
    state.invitations.create(org.id, [{"email_address": "new@example.com", "role": "org:member"}])
    counted = await clerk.organizations.get(org.id, include_members_count=True)
    assert (counted.members_count, counted.pending_invitations_count) == (2, 1)
