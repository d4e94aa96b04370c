"""``clerk-orgs roles list|create`` and ``permissions list``: the instance's roles."""

from __future__ import annotations

import click

from clerk_orgs_async import UNSET, ClerkClient, OrganizationPermission, OrganizationRole
from clerk_orgs_async._cli._connect import run
from clerk_orgs_async._cli._orgs import given, json_option
from clerk_orgs_async._cli._output import echo_json, table, to_data


def _show_roles(roles: list[OrganizationRole], as_json: bool) -> None:
    if as_json:
        echo_json([to_data(r) for r in roles])
        return
    table(
        None,
        ["id", "key", "name", "permissions"],
        [[r.id, r.key, r.name, "\n".join(p.key for p in r.permissions)] for r in roles],
        keep=("id", "key"),
    )


@click.group()
def roles() -> None:
    """List and create the instance's organization roles."""


@roles.command("list")
@json_option
def list_roles(as_json: bool) -> None:
    """List the roles, each with its permissions, newest first."""

    async def work(clerk: ClerkClient) -> list[OrganizationRole]:
        return await clerk.organization_roles.list().collect()

    _show_roles(run(work), as_json)


@roles.command()
@click.option("--name", required=True)
@click.option("--key", required=True, help="org: then lowercase letters, digits and _.")
@click.option("--description")
@click.option(
    "--permission",
    "permissions",
    multiple=True,
    help="A permission's ID, or its key (org:invoices:read); repeat for more.",
)
@json_option
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

    role = run(work)
    if as_json:
        echo_json(to_data(role))
    else:
        _show_roles([role], as_json)


async def _permission_ids(clerk: ClerkClient, wanted: tuple[str, ...]) -> list[str]:
    """IDs as given; keys (``org:…``) looked up among the instance's permissions."""
    keys = [value for value in wanted if value.startswith("org:")]
    if not keys:
        return list(wanted)
    every = clerk.organization_permissions.list(order_by="-created_at")
    by_key = {p.key: p.id async for p in every}
    unknown = [k for k in keys if k not in by_key]
    if unknown:
        raise click.ClickException(f"no permission has the key {', '.join(unknown)}")
    return [by_key.get(value, value) for value in wanted]


def _show_permissions(permissions: list[OrganizationPermission], as_json: bool) -> None:
    if as_json:
        echo_json([to_data(p) for p in permissions])
        return
    table(
        None,
        ["id", "key", "name", "type"],
        [[p.id, p.key, p.name, p.type or ""] for p in permissions],
        keep=("id", "key"),
    )


@click.group()
def permissions() -> None:
    """List the instance's organization permissions."""


@permissions.command("list")
@json_option
def list_permissions(as_json: bool) -> None:
    """List the permissions, system (org:sys_…) and custom, newest first."""

    async def work(clerk: ClerkClient) -> list[OrganizationPermission]:
        return await clerk.organization_permissions.list(order_by="-created_at").collect()

    _show_permissions(run(work), as_json)
