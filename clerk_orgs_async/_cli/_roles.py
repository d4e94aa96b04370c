"""``clerk-orgs roles list|create``: the instance's organization roles."""

from __future__ import annotations

import click

from clerk_orgs_async import UNSET, ClerkClient, OrganizationRole
from clerk_orgs_async._cli._connect import run
from clerk_orgs_async._cli._options import given, keyed_options
from clerk_orgs_async._cli._permissions import ids_by_key
from clerk_orgs_async._cli._table import Col, View, output_options

VIEW: View[OrganizationRole] = View(
    [
        Col("id", lambda r: r.id, "whole"),
        Col("key", lambda r: r.key),
        Col("name", lambda r: r.name, "text"),
        Col("permissions", lambda r: "\n".join(p.key for p in r.permissions), "text"),
    ]
)


@click.group()
def roles() -> None:
    """List and create the instance's organization roles."""


@roles.command("list")
@output_options
def list_roles(as_json: bool) -> None:
    """List the roles, each with its permissions, newest first."""

    async def work(clerk: ClerkClient) -> list[OrganizationRole]:
        return await clerk.organization_roles.list().collect()

    VIEW.show(run(work), as_json)


@roles.command()
@keyed_options("org: then lowercase letters, digits and _.", required=True)
@click.option(
    "--permission",
    "permissions",
    multiple=True,
    help="A permission's ID, or its key (org:invoices:read); repeat for more. A key must"
    " exist: `clerk-orgs permissions create` makes one.",
)
@output_options
def create(
    name: str, key: str, description: str | None, permissions: tuple[str, ...], as_json: bool
) -> None:
    """Create a role."""

    async def work(clerk: ClerkClient) -> OrganizationRole:
        return await clerk.organization_roles.create(
            name=name,
            key=key,
            description=given(description),
            permissions=await _permission_ids(clerk, permissions) if permissions else UNSET,
        )

    VIEW.show_one(run(work), as_json)


async def _permission_ids(clerk: ClerkClient, wanted: tuple[str, ...]) -> list[str]:
    """IDs as given; keys (``org:…``) looked up among the instance's permissions.

    A key no permission has stops the command before the role is created: creating the
    permission too would add to the instance something the user did not ask for.
    """
    keys = [value for value in wanted if value.startswith("org:")]
    if not keys:
        return list(wanted)
    by_key = await ids_by_key(clerk)
    unknown = [k for k in keys if k not in by_key]
    if unknown:
        missing = ", ".join(unknown)
        raise click.ClickException(
            f"no permission has the key {missing}; create it first with `clerk-orgs"
            f" permissions create --key {unknown[0]} --name NAME`, or see"
            " `clerk-orgs permissions list`"
        )
    return [by_key.get(value, value) for value in wanted]
