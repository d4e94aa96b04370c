"""The sync API used as a user would; mypy --strict checks it (it is never run)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from clerk_orgs_async import ClerkClient
from clerk_orgs_async.sync import (
    DesiredMember,
    DesiredOrganization,
    RequestCounts,
    SyncAction,
    SyncReport,
    export_organizations,
    sync_organizations,
)
from clerk_orgs_async.testing import ClerkEmulator


async def desired() -> AsyncIterator[DesiredOrganization]:
    yield DesiredOrganization(
        slug="acme",
        name="Acme",
        max_allowed_memberships=10,
        public_metadata={"plan": "pro"},
        members=[DesiredMember("user_1", "org:admin"), DesiredMember("user_2")],
    )


def progress(done: int, total: int) -> None:
    print(f"{done}/{total}")


async def main(clerk: ClerkClient) -> None:
    report: SyncReport = await sync_organizations(
        clerk, desired(), delete_missing=True, concurrency=4, dry_run=True, on_progress=progress
    )
    for action in report.actions:
        print(action.kind, action.key, action.changes, action.outcome)
    for failure in report.failures:
        print(failure.key, failure.error)
    print(report.counts["create"], report.ok)
    done: list[SyncAction] = []
    await sync_organizations(clerk, desired(), on_action=done.append)
    print([(a.kind, a.outcome == "unknown") for a in done])
    async for record in export_organizations(clerk, include_members=True):
        print(record.slug, record.members)
    async with ClerkEmulator(users=["user_1"]) as emu, emu.client() as local:
        await sync_organizations(local, [record async for record in export_organizations(clerk)])


async def with_invitations(clerk: ClerkClient) -> None:
    roster = [
        DesiredMember("user_1", "org:admin"),
        DesiredMember(role="org:member", email_address="grace@example.com"),
    ]
    report = await sync_organizations(
        clerk,
        [DesiredOrganization(slug="acme", name="Acme", members=roster)],
        sync_invitations=True,
    )
    spent: RequestCounts = report.requests
    print(spent.reads, spent.writes, spent.retries, spent.total)
    for action in report.actions:
        print(action.member, action.email_address, action.invitation_id)
    async for record in export_organizations(clerk, include_members=True, include_invitations=True):
        print([member.name for member in record.members or ()])
