"""``clerk-orgs domains add|list|remove|verify``: an organization's email domains."""

from __future__ import annotations

import click

from clerk_orgs_async import UNSET, ClerkClient, DeletedObject, OrganizationDomain
from clerk_orgs_async._cli._connect import run
from clerk_orgs_async._cli._options import json_option, organization_id
from clerk_orgs_async._cli._output import echo_json, to_data
from clerk_orgs_async._cli._table import Col, View, output_options

ENROLLMENT_MODES = (
    "manual_invitation",
    "automatic_invitation",
    "automatic_suggestion",
    "enterprise_sso",
)


VIEW: View[OrganizationDomain] = View(
    [
        Col("id", lambda d: d.id, "whole"),
        Col("name", lambda d: d.name, "whole"),
        Col("enrollment mode", lambda d: d.enrollment_mode, optional=True),
        Col(
            "verification",
            lambda d: "" if d.verification is None else d.verification.status,
            optional=True,
        ),
        Col(
            "ownership",
            lambda d: "" if d.ownership_verification is None else d.ownership_verification.status,
            optional=True,
        ),
    ]
)
EVERY_VIEW = VIEW.inserting(1, Col("organization", lambda d: d.organization_id, "whole"))
"""With ``--all``: whose domain each is."""


@click.group()
def domains() -> None:
    """Add, list, verify and remove an organization's email domains."""


@domains.command()
@click.argument("organization")
@click.argument("name")
@click.option(
    "--enrollment-mode",
    type=click.Choice(ENROLLMENT_MODES),
    help="How people with an address at NAME join [Clerk: manual_invitation].",
)
@click.option("--verified", is_flag=True, help="Mark the domain verified at once.")
@output_options
def add(
    organization: str, name: str, enrollment_mode: str | None, verified: bool, as_json: bool
) -> None:
    """Add the domain NAME (example.com) to ORGANIZATION (ID or slug)."""

    async def work(clerk: ClerkClient) -> OrganizationDomain:
        org_id = await organization_id(clerk, organization)
        return await clerk.organization_domains.create(
            org_id,
            name=name,
            enrollment_mode=UNSET if enrollment_mode is None else enrollment_mode,
            verified=True if verified else UNSET,
        )

    VIEW.show_one(run(work), as_json)


@domains.command("list")
@click.argument("organization", required=False)
@click.option("--all", "every", is_flag=True, help="Every organization's domains.")
@output_options
def list_(organization: str | None, every: bool, as_json: bool) -> None:
    """List the domains of ORGANIZATION (ID or slug), or --all, newest first."""
    if every == (organization is not None):
        raise click.UsageError("give either ORGANIZATION or --all")

    async def work(clerk: ClerkClient) -> list[OrganizationDomain]:
        if organization is None:
            return await clerk.organization_domains.list_all().collect()
        org_id = await organization_id(clerk, organization)
        return await clerk.organization_domains.list(org_id).collect()

    (EVERY_VIEW if every else VIEW).show(run(work), as_json)


@domains.command()
@click.argument("organization")
@click.argument("domain_id")
@click.confirmation_option(prompt="Remove the domain from the organization?")
@json_option
def remove(organization: str, domain_id: str, as_json: bool) -> None:
    """Remove the domain DOMAIN_ID from ORGANIZATION (ID or slug)."""

    async def work(clerk: ClerkClient) -> DeletedObject:
        org_id = await organization_id(clerk, organization)
        return await clerk.organization_domains.delete(org_id, domain_id)

    deleted = run(work)
    if as_json:
        echo_json(to_data(deleted))
    else:
        click.echo(f"removed {domain_id} from {organization}")


@domains.command()
@click.argument("organization")
@click.argument("domain_id")
@output_options
def verify(organization: str, domain_id: str, as_json: bool) -> None:
    """Mark the ownership of DOMAIN_ID, a domain of ORGANIZATION (ID or slug), verified."""

    async def work(clerk: ClerkClient) -> OrganizationDomain:
        org_id = await organization_id(clerk, organization)
        return await clerk.organization_domains.verify_ownership(org_id, domain_id)

    VIEW.show_one(run(work), as_json)
