"""A sync and an export read the current state in the fewest requests, and say what they spent."""

from __future__ import annotations

import math

import pytest

from clerk_orgs_async import ClerkClient
from clerk_orgs_async.sync import (
    DesiredMember,
    DesiredOrganization,
    export_organizations,
    sync_organizations,
)
from clerk_orgs_async.testing import ClerkEmulator
from tests.sync.conftest import USERS


def seed(emu: ClerkEmulator, orgs: int, members: int) -> None:
    emu.state.default_max_allowed_memberships = 0
    for n, org in enumerate(emu.state.seed_organizations(orgs)):
        for k in range(members):
            emu.state.create_membership(org.id, USERS[(n + k) % len(USERS)], "org:member")


def requests_seen(emu: ClerkEmulator, since: int) -> list[str]:
    return [f"{r.method} {r.path}" for r in list(emu.requests)[since:]]


async def test_a_no_op_sync_reads_every_membership_at_once_when_cheaper(
    clerk_emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    seed(clerk_emulator, 1200, 3)  # 3,600 memberships: 8 pages, against 1,200 per-org reads
    records = [r async for r in export_organizations(clerk, include_members=True)]
    before = len(clerk_emulator.requests)

    report = await sync_organizations(clerk, records)

    assert report.actions == []
    paths = requests_seen(clerk_emulator, before)
    assert set(paths) == {"GET /v1/organizations", "GET /v1/organization_memberships"}
    # Pages of 500 reaching back 5 items: the lower bound plus a page's overlap at most.
    bound = math.ceil(1200 / 500) + math.ceil(3600 / 500)
    assert bound <= len(paths) <= bound + 2
    assert (report.requests.reads, report.requests.writes, report.requests.retries) == (
        len(paths),
        0,
        0,
    )


async def test_members_are_read_per_organization_when_that_is_cheaper(
    clerk_emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    seed(clerk_emulator, 30, 20)  # 600 memberships in organizations the sync does not manage
    await clerk.organizations.create(name="Managed", slug="managed", created_by="user_1")
    before = len(clerk_emulator.requests)

    report = await sync_organizations(
        clerk,
        [
            DesiredOrganization(
                slug="managed", name="Managed", members=[DesiredMember("user_1", "org:admin")]
            )
        ],
    )

    assert report.actions == []
    paths = requests_seen(clerk_emulator, before)
    assert paths.count("GET /v1/organization_memberships") == 0
    assert sum(p.endswith("/memberships") for p in paths) == 1  # 1 read beats 2 pages of 500


async def test_an_organization_without_members_needs_no_read(
    clerk_emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    await clerk.organizations.create(name="Empty", slug="empty")
    before = len(clerk_emulator.requests)
    report = await sync_organizations(
        clerk, [DesiredOrganization(slug="empty", name="Empty", members=[])]
    )
    assert report.actions == []
    assert requests_seen(clerk_emulator, before) == ["GET /v1/organizations"]


async def test_writes_and_retries_are_counted(
    clerk_emulator: ClerkEmulator, clerk: ClerkClient
) -> None:
    clerk_emulator.faults.status(503, method="POST", times=1)
    report = await sync_organizations(
        clerk,
        [
            DesiredOrganization(
                slug="acme", name="Acme", members=[DesiredMember("user_1", "org:admin")]
            )
        ],
    )
    assert report.ok and report.counts["create"] == 1
    # list, then the create: 503 (lookup by slug: a read), then the retry.
    assert (report.requests.reads, report.requests.writes, report.requests.retries) == (2, 2, 1)


# For an export every organization is needed: the instance-wide read is never dearer, and
# on a tie (one organization) per-organization reads are kept.
@pytest.mark.parametrize(("orgs", "members", "wide"), [(600, 2, True), (1, 20, False)])
async def test_an_export_reads_the_cheaper_way(
    clerk_emulator: ClerkEmulator, clerk: ClerkClient, orgs: int, members: int, wide: bool
) -> None:
    seed(clerk_emulator, orgs, min(members, len(USERS)))
    before = len(clerk_emulator.requests)
    records = [r async for r in export_organizations(clerk, include_members=True)]
    assert len(records) == orgs
    assert all(len(r.members or ()) == min(members, len(USERS)) for r in records)
    instance_wide = "GET /v1/organization_memberships" in requests_seen(clerk_emulator, before)
    assert instance_wide is wide
