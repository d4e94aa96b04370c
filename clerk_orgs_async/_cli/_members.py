"""``clerk-orgs members list|add|remove|set-role``: one-off membership work."""

from __future__ import annotations

import click

from clerk_orgs_async import ClerkClient, OrganizationMembership
from clerk_orgs_async._cli._connect import run
from clerk_orgs_async._cli._options import json_option, organization_id
from clerk_orgs_async._cli._output import echo_json
from clerk_orgs_async._cli._table import Col, View, day, output_options


def _user(membership: OrganizationMembership) -> str:
    data = membership.public_user_data
    return "" if data is None else data.user_id


VIEW: View[OrganizationMembership] = View(
    [
        Col("user", _user, "whole"),
        Col("role", lambda m: m.role),
        Col("since", lambda m: day(m.created_at), "whole", optional=True),
    ]
)


@click.group()
def members() -> None:
    """List, add and remove an organization's members, and set their roles."""


@members.command("list")
@click.argument("organization")
@output_options
def list_(organization: str, as_json: bool) -> None:
    """List the members of ORGANIZATION (ID or slug), oldest first."""

    async def work(clerk: ClerkClient) -> list[OrganizationMembership]:
        org_id = await organization_id(clerk, organization)
        return await clerk.organization_memberships.list(org_id, order_by="created_at").collect()

    VIEW.show(run(work), as_json)


@members.command()
@click.argument("organization")
@click.argument("user_id")
@click.option("--role", default="org:member", show_default=True)
@output_options
def add(organization: str, user_id: str, role: str, as_json: bool) -> None:
    """Add USER_ID to ORGANIZATION (ID or slug)."""

    async def work(clerk: ClerkClient) -> OrganizationMembership:
        org_id = await organization_id(clerk, organization)
        return await clerk.organization_memberships.create(org_id, user_id=user_id, role=role)

    VIEW.show_one(run(work), as_json)


@members.command()
@click.argument("organization")
@click.argument("user_id")
@json_option
def remove(organization: str, user_id: str, as_json: bool) -> None:
    """Remove USER_ID from ORGANIZATION (ID or slug)."""

    async def work(clerk: ClerkClient) -> str:
        org_id = await organization_id(clerk, organization)
        await clerk.organization_memberships.delete(org_id, user_id)
        return org_id

    org_id = run(work)
    if as_json:
        echo_json({"organization_id": org_id, "user_id": user_id, "deleted": True})
    else:
        click.echo(f"removed {user_id} from {organization}")


@members.command("set-role")
@click.argument("organization")
@click.argument("user_id")
@click.argument("role")
@output_options
def set_role(organization: str, user_id: str, role: str, as_json: bool) -> None:
    """Give USER_ID the ROLE in ORGANIZATION (ID or slug)."""

    async def work(clerk: ClerkClient) -> OrganizationMembership:
        org_id = await organization_id(clerk, organization)
        return await clerk.organization_memberships.update(org_id, user_id, role=role)

    VIEW.show_one(run(work), as_json)
