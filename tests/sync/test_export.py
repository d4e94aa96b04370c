"""export_organizations: the records a sync takes, streamed back."""

from __future__ import annotations

from contextlib import aclosing

from clerk_orgs_async import ClerkClient
from clerk_orgs_async.sync import (
    DesiredMember,
    DesiredOrganization,
    export_organizations,
    sync_organizations,
)
from clerk_orgs_async.testing import ClerkEmulator
from tests.sync.conftest import writes


async def test_export_round_trips(clerk: ClerkClient, clerk_emulator: ClerkEmulator) -> None:
    emu = clerk_emulator.state
    for n in range(1, 21):
        org = emu.create_organization(
            f"Org {n}", slug=f"org-{n}", created_by="user_1", public_metadata={"n": n}
        )
        emu.create_membership(org.id, f"user_{n % 5 + 2}", "org:member")
    exported = [r async for r in export_organizations(clerk, include_members=True)]
    assert len(exported) == 20
    first = next(r for r in exported if r.slug == "org-1")
    assert first == DesiredOrganization(
        slug="org-1",
        name="Org 1",
        max_allowed_memberships=5,
        public_metadata={"n": 1},
        private_metadata={},
        members=[DesiredMember("user_1", "org:admin"), DesiredMember("user_3", "org:member")],
    )
    report = await sync_organizations(clerk, exported, delete_missing=True)
    assert report.actions == []
    assert writes(clerk_emulator) == []


async def test_export_without_members(clerk: ClerkClient, clerk_emulator: ClerkEmulator) -> None:
    clerk_emulator.state.create_organization("Acme", slug="acme", created_by="user_1")
    (record,) = [r async for r in export_organizations(clerk)]
    assert record.members is None
    assert all("/memberships" not in r.path for r in clerk_emulator.requests)


async def test_leaving_an_export_early(clerk: ClerkClient, clerk_emulator: ClerkEmulator) -> None:
    clerk_emulator.state.seed_organizations(30)
    async with aclosing(export_organizations(clerk, include_members=True)) as records:
        async for _ in records:
            break
    # The members fetched ahead of the consumer were cancelled, not left running.
    assert clerk_emulator.stats.requests < 30
