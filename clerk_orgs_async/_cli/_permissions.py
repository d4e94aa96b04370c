"""``clerk-orgs permissions list|create|update|delete``: the instance's organization
permissions, which roles hold."""

from __future__ import annotations

import click

from clerk_orgs_async import ClerkClient, DeletedObject, OrganizationPermission
from clerk_orgs_async._cli._connect import run
from clerk_orgs_async._cli._options import given, json_option, keyed_options
from clerk_orgs_async._cli._output import echo_json, to_data
from clerk_orgs_async._cli._table import Col, View, output_options

VIEW: View[OrganizationPermission] = View(
    [
        Col("id", lambda p: p.id, "whole"),
        Col("key", lambda p: p.key),
        Col("name", lambda p: p.name, "text"),
    ]
)
"""No ``type`` column (--json has it): the key tells a system permission (``org:sys_…``), and
an ID, a key and a name fit 80 columns."""

_KEY_HELP = "org:<feature>:<permission>, such as org:invoices:read."


async def ids_by_key(clerk: ClerkClient) -> dict[str, str]:
    """Every permission's ID by its key (``org:invoices:read``)."""
    every = clerk.organization_permissions.list(order_by="-created_at")
    return {p.key: p.id async for p in every}


async def _permission_id(clerk: ClerkClient, permission: str) -> str:
    """An ID as given; a key (``org:…``) looked up."""
    if not permission.startswith("org:"):
        return permission
    found = (await ids_by_key(clerk)).get(permission)
    if found is None:
        raise click.ClickException(
            f"no permission has the key {permission}; `clerk-orgs permissions list` shows them"
        )
    return found


@click.group()
def permissions() -> None:
    """List, create, update and delete the instance's organization permissions."""


@permissions.command("list")
@output_options
def list_(as_json: bool) -> None:
    """List the permissions, system (org:sys_…) and custom, newest first."""

    async def work(clerk: ClerkClient) -> list[OrganizationPermission]:
        return await clerk.organization_permissions.list(order_by="-created_at").collect()

    VIEW.show(run(work), as_json)


@permissions.command()
@keyed_options(_KEY_HELP, required=True)
@output_options
def create(name: str, key: str, description: str | None, as_json: bool) -> None:
    """Create a permission.

    Roles hold it once given it: `clerk-orgs roles create --permission KEY`.
    """

    async def work(clerk: ClerkClient) -> OrganizationPermission:
        return await clerk.organization_permissions.create(
            name=name, key=key, description=given(description)
        )

    VIEW.show_one(run(work), as_json)


@permissions.command()
@click.argument("permission")
@keyed_options(_KEY_HELP, required=False)
@output_options
def update(
    permission: str, name: str | None, key: str | None, description: str | None, as_json: bool
) -> None:
    """Change a custom PERMISSION (ID or key)."""
    if (name, key, description) == (None, None, None):
        raise click.UsageError("nothing to change: give --name, --key or --description")

    async def work(clerk: ClerkClient) -> OrganizationPermission:
        return await clerk.organization_permissions.update(
            await _permission_id(clerk, permission),
            name=given(name),
            key=given(key),
            description=given(description),
        )

    VIEW.show_one(run(work), as_json)


@permissions.command()
@click.argument("permission")
@click.confirmation_option(prompt="Delete the permission? Every role that holds it loses it.")
@json_option
def delete(permission: str, as_json: bool) -> None:
    """Delete a custom PERMISSION (ID or key); the roles that hold it lose it."""

    async def work(clerk: ClerkClient) -> DeletedObject:
        return await clerk.organization_permissions.delete(await _permission_id(clerk, permission))

    deleted = run(work)
    if as_json:
        echo_json(to_data(deleted))
    else:
        click.echo(f"deleted {permission}")
