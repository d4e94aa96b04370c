"""``clerk-orgs orgs list|get|create|update|delete``: one-off organization work."""

from __future__ import annotations

from typing import Any

import click

from clerk_orgs_async import UNSET, ClerkClient, Organization
from clerk_orgs_async._cli._connect import run
from clerk_orgs_async._cli._options import given, json_option, metadata_options
from clerk_orgs_async._cli._output import echo_json
from clerk_orgs_async._cli._table import Col, View, day, output_options

VIEW: View[Organization] = View(
    [
        Col("id", lambda o: o.id, "whole"),
        Col("slug", lambda o: o.slug),
        Col("name", lambda o: o.name, "text"),
        Col("max members", lambda o: str(o.max_allowed_memberships), optional=True),
        Col("created", lambda o: day(o.created_at), "whole", optional=True),
    ]
)

max_memberships_option = click.option(
    "--max-memberships", type=click.IntRange(min=0), help="0: unlimited."
)


@click.group()
def orgs() -> None:
    """List, show, create, update and delete organizations."""


@orgs.command("list")
@click.option("--query", help="Partial match on name and slug, exact on ID.")
@click.option("--max", "max_items", type=click.IntRange(min=0), help="Show at most this many.")
@output_options
def list_(query: str | None, max_items: int | None, as_json: bool) -> None:
    """List organizations, newest first."""

    async def work(clerk: ClerkClient) -> list[Organization]:
        return await clerk.organizations.list(query=query, max_items=max_items).collect()

    VIEW.show(run(work), as_json)


@orgs.command()
@click.argument("organization")
@output_options
def get(organization: str, as_json: bool) -> None:
    """Show one ORGANIZATION (ID or slug)."""

    async def work(clerk: ClerkClient) -> Organization:
        return await clerk.organizations.get(organization, include_members_count=True)

    VIEW.show_one(run(work), as_json)


@orgs.command()
@click.option("--name", required=True)
@click.option("--slug")
@click.option("--created-by", help="User ID: the first admin.")
@max_memberships_option
@metadata_options
@output_options
def create(
    name: str,
    slug: str | None,
    created_by: str | None,
    max_memberships: int | None,
    public_metadata: Any,
    private_metadata: Any,
    as_json: bool,
) -> None:
    """Create an organization."""

    async def work(clerk: ClerkClient) -> Organization:
        return await clerk.organizations.create(
            name=name,
            slug=given(slug),
            created_by=given(created_by),
            max_allowed_memberships=given(max_memberships),
            public_metadata=public_metadata,
            private_metadata=private_metadata,
        )

    VIEW.show_one(run(work), as_json)


@orgs.command()
@click.argument("organization")
@click.option("--name")
@click.option("--slug")
@max_memberships_option
@metadata_options
@output_options
def update(
    organization: str,
    name: str | None,
    slug: str | None,
    max_memberships: int | None,
    public_metadata: Any,
    private_metadata: Any,
    as_json: bool,
) -> None:
    """Change an ORGANIZATION's (ID or slug) fields; metadata given is replaced whole."""

    async def work(clerk: ClerkClient) -> Organization:
        org = await clerk.organizations.get(organization)
        if (name, slug, max_memberships) != (None, None, None):
            org = await clerk.organizations.update(
                org.id,
                name=given(name),
                slug=given(slug),
                max_allowed_memberships=given(max_memberships),
            )
        if public_metadata is not UNSET or private_metadata is not UNSET:
            org = await clerk.organizations.replace_metadata(
                org.id, public_metadata=public_metadata, private_metadata=private_metadata
            )
        return org

    VIEW.show_one(run(work), as_json)


@orgs.command()
@click.argument("organization")
@click.confirmation_option(prompt="Delete the organization and all its memberships?")
@json_option
def delete(organization: str, as_json: bool) -> None:
    """Delete an ORGANIZATION (ID or slug) with its memberships."""

    async def work(clerk: ClerkClient) -> Organization:
        org = await clerk.organizations.get(organization)
        await clerk.organizations.delete(org.id)
        return org

    org = run(work)
    if as_json:
        echo_json({"object": "organization", "id": org.id, "slug": org.slug, "deleted": True})
    else:
        click.echo(f"deleted {org.slug}")
