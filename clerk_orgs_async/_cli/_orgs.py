"""``clerk-orgs orgs list|get|create|update|delete``: one-off organization work."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from clerk_orgs_async import UNSET, ClerkClient, Organization, Unset
from clerk_orgs_async._cli._connect import run
from clerk_orgs_async._cli._files import loads_strict
from clerk_orgs_async._cli._output import echo_json, table, to_data

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _metadata(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return UNSET
    try:
        data = loads_strict(value)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"invalid JSON: {exc.msg}") from None
    except ValueError as exc:
        # NaN or Infinity, an integer past 4300 digits, nesting past the recursion limit.
        raise click.BadParameter(f"invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise click.BadParameter("must be a JSON object")
    return data


def metadata_option(name: str) -> Callable[[F], F]:
    """A ``--public-metadata``-style option taking a JSON object."""
    return click.option(name, callback=_metadata, help="A JSON object (replaces the whole value).")


def given(value: T | None) -> T | Unset:
    """An option left out is a field left out of the request."""
    return UNSET if value is None else value


def _show(orgs: list[Organization], as_json: bool) -> None:
    if as_json:
        echo_json([to_data(org) for org in orgs])
        return
    table(
        None,
        ["id", "slug", "name", "max members", "created"],
        [
            [
                o.id,
                o.slug,
                o.name,
                str(o.max_allowed_memberships),
                o.created_at.isoformat(timespec="seconds"),
            ]
            for o in orgs
        ],
        keep=("id",),
    )


def _show_one(org: Organization, as_json: bool) -> None:
    if as_json:
        echo_json(to_data(org))
    else:
        _show([org], as_json)


@click.group()
def orgs() -> None:
    """List, show, create, update and delete organizations."""


@orgs.command("list")
@click.option("--query", help="Partial match on name and slug, exact on ID.")
@click.option("--max", "max_items", type=click.IntRange(min=0), help="Show at most this many.")
@json_option
def list_(query: str | None, max_items: int | None, as_json: bool) -> None:
    """List organizations, newest first."""

    async def work(clerk: ClerkClient) -> list[Organization]:
        return await clerk.organizations.list(query=query, max_items=max_items).collect()

    _show(run(work), as_json)


@orgs.command()
@click.argument("organization")
@json_option
def get(organization: str, as_json: bool) -> None:
    """Show one ORGANIZATION (ID or slug)."""

    async def work(clerk: ClerkClient) -> Organization:
        return await clerk.organizations.get(organization, include_members_count=True)

    _show_one(run(work), as_json)


@orgs.command()
@click.option("--name", required=True)
@click.option("--slug")
@click.option("--created-by", help="User ID: the first admin.")
@click.option("--max-memberships", type=click.IntRange(min=0), help="0: unlimited.")
@metadata_option("--public-metadata")
@metadata_option("--private-metadata")
@json_option
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

    _show_one(run(work), as_json)


@orgs.command()
@click.argument("organization")
@click.option("--name")
@click.option("--slug")
@click.option("--max-memberships", type=click.IntRange(min=0), help="0: unlimited.")
@metadata_option("--public-metadata")
@metadata_option("--private-metadata")
@json_option
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

    _show_one(run(work), as_json)


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
