"""A cancelled sync: ``on_action`` has told the caller of every write that happened."""

from __future__ import annotations

import asyncio

import pytest

from clerk_orgs_async import ClerkClient
from clerk_orgs_async.sync import (
    DesiredMember,
    DesiredOrganization,
    SyncAction,
    sync_organizations,
)
from clerk_orgs_async.testing import ClerkEmulator

RECORDS = [
    DesiredOrganization(
        slug=f"org-{n}",
        name=f"Org {n}",
        members=[DesiredMember("user_1", "org:admin"), DesiredMember("user_2")],
    )
    for n in range(40)
]


@pytest.fixture
def clerk_emulator_options(clerk_emulator_options: dict[str, object]) -> dict[str, object]:
    return {**clerk_emulator_options, "latency": 0.01}


async def test_on_action_reports_each_write_as_it_ends(
    clerk: ClerkClient, clerk_emulator: ClerkEmulator
) -> None:
    seen: list[SyncAction] = []
    report = await sync_organizations(clerk, RECORDS[:3], on_action=seen.append)
    assert sorted(map(repr, seen)) == sorted(map(repr, report.actions))


async def test_a_cancelled_sync_has_reported_every_write_that_happened(
    clerk: ClerkClient, clerk_emulator: ClerkEmulator
) -> None:
    seen: list[SyncAction] = []
    task = asyncio.ensure_future(
        sync_organizations(clerk, RECORDS, concurrency=4, on_action=seen.append)
    )
    while len(clerk_emulator.state.organizations) < 8:
        await asyncio.sleep(0.005)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    created = {org.slug for org in clerk_emulator.state.organizations.values()}
    applied = {a.key for a in seen if a.kind == "create" and a.outcome == "applied"}
    in_flight = {a.key for a in seen if a.outcome == "unknown"}
    assert applied <= created <= applied | in_flight
    assert 8 <= len(created) < len(RECORDS)
    assert in_flight  # four workers were busy when the cancel came
    members = {
        (org.slug, m.user_id)
        for org in clerk_emulator.state.organizations.values()
        for m in clerk_emulator.state.memberships(org.id)
        if m.role == "org:member"
    }
    added = {(a.key, a.user_id) for a in seen if a.kind == "add_member" and a.outcome == "applied"}
    unknown = {
        (a.key, a.user_id) for a in seen if a.kind == "add_member" and a.outcome == "unknown"
    }
    assert added <= members <= added | unknown
