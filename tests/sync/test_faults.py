"""2,000 organizations synced through the emulator's random faults converge to the desired state."""

from __future__ import annotations

import pytest

from clerk_orgs_async import ClerkClient
from clerk_orgs_async.sync import DesiredMember, DesiredOrganization, sync_organizations
from clerk_orgs_async.testing import ClerkEmulator
from tests.sync.conftest import USERS, state

COUNT = 2000


def desired(n: int) -> DesiredOrganization:
    admin, member = USERS[n % len(USERS)], USERS[(n + 7) % len(USERS)]
    return DesiredOrganization(
        slug=f"org-{n:04d}",
        name=f"Org {n}",
        max_allowed_memberships=0,
        public_metadata={"n": n},
        private_metadata={"plan": "pro" if n % 2 else "free"},
        members=sorted(
            [DesiredMember(admin, "org:admin"), DesiredMember(member)], key=lambda m: m.name
        ),
    )


@pytest.mark.slow  # a soak: make test runs it, make check does not
async def test_sync_through_random_faults(
    clerk: ClerkClient, clerk_emulator: ClerkEmulator
) -> None:
    records = [desired(n) for n in range(COUNT)]
    # A third of the organizations exist already, drifted.
    for record in records[: COUNT // 3]:
        org = clerk_emulator.state.create_organization(
            "Old name", slug=record.slug, created_by=USERS[-1]
        )
        clerk_emulator.state.create_membership(org.id, USERS[-2], "org:admin")
    # Half of the 5xx and dropped writes land before failing: their retries must not
    # duplicate or trip over them. (429s are scripted apart: Clerk refuses those unapplied.)
    clerk_emulator.faults.random({500: 0.03, 503: 0.02, "drop": 0.02}, seed=42, after_apply=0.5)
    clerk_emulator.faults.status(429, times=50, method="POST", retry_after=0)
    report = await sync_organizations(clerk, records, concurrency=16)
    clerk_emulator.faults.clear()
    assert sum(clerk_emulator.stats.faults.values()) > 100
    assert report.ok, report.failures[:3]
    assert state(clerk_emulator) == {r.slug: r for r in records}
    again = await sync_organizations(clerk, records, concurrency=16)
    assert again.actions == []
