"""``clerk-orgs demo``: a bulk sync, an edit and a re-sync, and an export, on a local emulator."""

from __future__ import annotations

from pathlib import Path

import attrs
import click

from clerk_orgs_async._cli._connect import run_async
from clerk_orgs_async._cli._files import Format
from clerk_orgs_async._cli._report import show_plan, show_summary
from clerk_orgs_async._cli._seed import demo_organizations, emulator_users
from clerk_orgs_async._cli._sync import format_option, load, sync_with_progress
from clerk_orgs_async.sync import DesiredMember, DesiredOrganization, export_organizations
from clerk_orgs_async.testing import User

LATENCY = (0.002, 0.01)
"""Seconds per request, so the emulator feels like a (very fast) network."""


def edit(records: list[DesiredOrganization]) -> list[DesiredOrganization]:
    """A few typical changes: a rename, new metadata, a member added, removed, promoted."""
    edited = list(records)
    first, second, third, fourth = edited[:4]
    edited[0] = attrs.evolve(first, name=first.name + " (renamed)")
    metadata = {**(second.public_metadata or {}), "vip": True}
    edited[1] = attrs.evolve(second, public_metadata=metadata)
    members = list(third.members or ())
    outsider = next(
        m.user_id
        for r in records
        for m in r.members or ()
        if m.user_id not in {x.user_id for x in members}
    )
    edited[2] = attrs.evolve(third, members=[*members, DesiredMember(outsider)])
    promoted = [
        attrs.evolve(m, role="org:admin") if m.role != "org:admin" else m
        for m in fourth.members or ()
    ]
    edited[3] = attrs.evolve(fourth, members=promoted[:-1] if len(promoted) > 2 else promoted)
    return edited


@click.command()
@click.option(
    "--file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The organizations to sync [default: 300 generated ones, as in"
    " examples/organizations.jsonl].",
)
@format_option
def demo(file: Path | None, fmt: Format | None) -> None:
    """Sync organizations into a fresh local emulator, edit a few, sync again, and export.

    The emulator has users user_1 … user_40 and any others FILE refers to. Nothing leaves
    this machine.
    """
    if file is None:
        records = [DesiredOrganization.from_dict(data) for data in demo_organizations()]
    else:
        records = load(file, fmt, "slug")
    seeded = emulator_users()
    known = {user.id for user in seeded}
    others = sorted({m.user_id for r in records for m in r.members or () if m.user_id} - known)
    source = "generated records" if file is None else file.name
    run_async(_demo(source, records, [*seeded, *(User(id=u) for u in others)]))


async def _demo(source: str, records: list[DesiredOrganization], users: list[User]) -> None:
    from clerk_orgs_async.testing import ClerkEmulator

    async with ClerkEmulator(users=users, latency=LATENCY) as emu, emu.client() as clerk:
        click.echo(f"Emulator at {emu.base_url} with {len(users)} users.")
        click.echo(f"\n1. Sync {len(records)} organizations from {source} into it:")
        show_summary(await sync_with_progress(clerk, records))

        edited = edit(records)
        click.echo("\n2. Edit four records and plan again (dry run):")
        show_plan(await sync_with_progress(clerk, edited, dry_run=True))
        click.echo("\n3. Apply the edits:")
        show_summary(await sync_with_progress(clerk, edited))
        click.echo("\n4. Sync the same records once more:")
        show_summary(await sync_with_progress(clerk, edited))

        exported = [r async for r in export_organizations(clerk, include_members=True)]
        memberships = sum(len(r.members or ()) for r in exported)
        click.echo(
            f"\n5. Export: {len(exported)} organizations with {memberships} memberships,"
            f" identical to the edited file: {_by_slug(exported) == _by_slug(edited)}."
        )


def _by_slug(records: list[DesiredOrganization]) -> dict[str, DesiredOrganization]:
    return {
        r.slug: attrs.evolve(r, members=sorted(r.members or (), key=lambda m: m.name))
        for r in records
    }
