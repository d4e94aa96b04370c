"""``clerk-orgs invitations invite|list|revoke``: inviting people by email, in bulk too."""

from __future__ import annotations

from pathlib import Path

import attrs
import click
from rich.progress import Progress, TaskID

from clerk_orgs_async import (
    UNSET,
    BulkInvitationError,
    ClerkClient,
    InvitationRequest,
    OrganizationInvitation,
)
from clerk_orgs_async._cli._connect import run
from clerk_orgs_async._cli._emails import addresses
from clerk_orgs_async._cli._options import given, organization_id
from clerk_orgs_async._cli._output import echo_json, progress_bar, to_data
from clerk_orgs_async._cli._pace import BULK_CALL_SIZE, BULK_ENDPOINT, estimate, patient
from clerk_orgs_async._cli._table import Col, View, day, output_options

STATUSES = ("pending", "accepted", "revoked", "expired")


VIEW: View[OrganizationInvitation] = View(
    [
        Col("id", lambda i: i.id, "whole"),
        Col("email", lambda i: i.email_address, "whole"),
        Col("role", lambda i: i.role),
        Col("status", lambda i: i.status or "", optional=True),
        Col("expires", lambda i: day(i.expires_at), "whole", optional=True),
    ]
)
EVERY_VIEW = VIEW.inserting(1, Col("organization", lambda i: i.organization_id or "", "whole"))
"""With ``--all``: whose invitation each is."""


@click.group()
def invitations() -> None:
    """Invite people to an organization by email, list and revoke invitations."""


@invitations.command()
@click.argument("organization")
@click.argument("emails", metavar="[EMAIL]...", nargs=-1)
@click.option(
    "--file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Email addresses, one a line (blank lines and # comments ignored).",
)
@click.option("--role", default="org:member", show_default=True)
@click.option("--notify/--no-notify", default=None, help="Email the invitation [Clerk: yes].")
@click.option("--expires-in-days", type=click.IntRange(1, 365), help="1 to 365 [Clerk: 30].")
@click.option("--redirect-url", help="Where the invitation link leads.")
@click.option("--inviter", help="User ID of the admin who invites.")
@output_options
def invite(
    organization: str,
    emails: tuple[str, ...],
    file: Path | None,
    role: str,
    notify: bool | None,
    expires_in_days: int | None,
    redirect_url: str | None,
    inviter: str | None,
    as_json: bool,
) -> None:
    """Invite each EMAIL (and each address of --file) to ORGANIZATION (ID or slug).

    Sent in bulk calls of 10, paced to Clerk's 50 calls an hour: the time that takes is
    printed first. Every address is checked before any is sent (exit status 2). An address
    Clerk refuses is named with Clerk's code, and the others are still sent. If a call
    fails otherwise, prints what was created, what was not, and what may have been (exit
    status 1; 130 on Ctrl-C).
    """
    requests = [
        InvitationRequest(
            email_address=address.email,
            role=role,
            inviter_user_id=given(inviter),
            redirect_url=given(redirect_url),
            expires_in_days=given(expires_in_days),
            notify=UNSET if notify is None else notify,
        )
        for address in addresses(emails, file)
    ]

    created = calls = 0  # so far, as bulk_create reports after each call
    sending = False

    def advance(progress: Progress, task: TaskID, done: int) -> None:
        nonlocal created, calls
        created, calls = done, calls + 1
        progress.update(task, completed=done)

    async def work(clerk: ClerkClient) -> list[OrganizationInvitation] | BulkInvitationError:
        nonlocal sending
        org_id = await organization_id(clerk, organization)
        limit = clerk.endpoint_limits.get(BULK_ENDPOINT)
        click.echo(estimate(len(requests), limit, paced=clerk.rate_limit is not None), err=True)
        with progress_bar("Inviting") as progress:
            task = progress.add_task("Inviting", total=len(requests))
            sending = True
            try:
                return await clerk.organization_invitations.bulk_create(
                    org_id,
                    requests,
                    on_progress=lambda done, _total: advance(progress, task, done),
                    retry=patient(clerk.retry, limit),
                )
            except BulkInvitationError as error:
                return error

    try:
        outcome = run(work)
    except KeyboardInterrupt:
        _show_stopped(Stopped.interrupted(requests, created, calls, sending=sending), as_json)
        raise click.exceptions.Exit(130) from None
    if isinstance(outcome, BulkInvitationError):
        _show_stopped(Stopped.from_error(outcome), as_json)
        raise click.ClickException(f"{type(outcome).__name__}: {outcome}")
    VIEW.show(outcome, as_json)


@attrs.frozen
class Stopped:
    """A bulk send cut short: each address created, not created, or maybe created."""

    created: list[str]
    not_created: list[str]
    """Not sent, or refused by a call that failed whole: worth sending again."""
    maybe_created: list[str]
    invitations: list[OrganizationInvitation]
    """The invitations created, when known (an interrupted send knows only their addresses)."""
    error: str | None
    """Why a call failed; None when the send was interrupted."""
    refused: dict[str, str] = attrs.field(factory=dict)
    """Address -> Clerk's code, for each invitation Clerk refused."""
    stopped: bool = True
    """False when every invitation was sent, some refused."""

    @classmethod
    def from_error(cls, error: BulkInvitationError) -> Stopped:
        refused = {r.email_address: e.code or str(e.status) for r, e in error.refused}
        return cls(
            created=[i.email_address for i in error.created],
            not_created=[
                r.email_address for r in error.not_created if r.email_address not in refused
            ],
            maybe_created=[r.email_address for r in error.maybe_created],
            invitations=list(error.created),
            error=f"{type(error.error).__name__}: {error.error}",
            refused=refused,
            stopped=all(e is not error.error for _, e in error.refused),
        )

    @classmethod
    def interrupted(
        cls, requests: list[InvitationRequest], created: int, calls: int, *, sending: bool
    ) -> Stopped:
        """After Ctrl-C: calls go in order, so the first ``calls`` calls' addresses were
        sent; the call after them was in flight, or waiting for the budget, once sending had
        begun. When those calls created them all, they are known to be created; otherwise
        (some were refused) which ones is not known: they may have been."""
        emails = [r.email_address for r in requests]
        sent = min(calls * BULK_CALL_SIZE, len(emails))
        known = sent if created == sent else 0
        unsure = sent + BULK_CALL_SIZE if sending else sent
        return cls(
            created=emails[:known],
            not_created=emails[unsure:],
            maybe_created=emails[known:unsure],
            invitations=[],
            error=None,
        )


def _show_stopped(stopped: Stopped, as_json: bool) -> None:
    if as_json:
        echo_json(
            {
                "created": stopped.created,
                "not_created": stopped.not_created,
                "maybe_created": stopped.maybe_created,
                "invitations": [to_data(i) for i in stopped.invitations],
                "refused": [
                    {"email_address": email, "code": code}
                    for email, code in stopped.refused.items()
                ],
                "error": stopped.error,
                "interrupted": stopped.error is None,
            }
        )
        return
    notes = {i.email_address: i.id for i in stopped.invitations} | stopped.refused
    total = (
        len(stopped.created)
        + len(stopped.not_created)
        + len(stopped.maybe_created)
        + len(stopped.refused)
    )
    if not stopped.stopped:
        click.echo(f"Created {len(stopped.created)} of {total} invitations.")
    else:
        how = "Stopped" if stopped.error else "Interrupted"
        click.echo(f"{how} after {len(stopped.created)} of {total} invitations.")
    for title, emails in (
        ("created", stopped.created),
        ("refused by Clerk", list(stopped.refused)),
        ("not created: send them again", stopped.not_created),
        ("may have been created: see `invitations list --email`", stopped.maybe_created),
    ):
        if emails or title == "created":
            click.echo(f"{title} ({len(emails)}):")
        for email in emails:
            click.echo(f"  {email} {notes.get(email, '')}".rstrip())


@invitations.command("list")
@click.argument("organization", required=False)
@click.option("--all", "every", is_flag=True, help="Every organization's invitations.")
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--email", help="Only the invitations of this address.")
@output_options
def list_(
    organization: str | None, every: bool, status: str | None, email: str | None, as_json: bool
) -> None:
    """List the invitations of ORGANIZATION (ID or slug), or --all, newest first."""
    if every == (organization is not None):
        raise click.UsageError("give either ORGANIZATION or --all")

    async def work(clerk: ClerkClient) -> list[OrganizationInvitation]:
        api = clerk.organization_invitations
        if organization is not None:
            org_id = await organization_id(clerk, organization)
            return await api.list(org_id, status=status, email_address=email).collect()
        found = await api.list_all(status=status, query=email).collect()
        # The instance-wide query is a partial match; --email means this address only.
        return [i for i in found if email is None or i.email_address.lower() == email.lower()]

    (EVERY_VIEW if every else VIEW).show(run(work), as_json)


@invitations.command()
@click.argument("organization")
@click.argument("invitation_id")
@output_options
def revoke(organization: str, invitation_id: str, as_json: bool) -> None:
    """Revoke the pending invitation INVITATION_ID of ORGANIZATION (ID or slug)."""

    async def work(clerk: ClerkClient) -> OrganizationInvitation:
        org_id = await organization_id(clerk, organization)
        return await clerk.organization_invitations.revoke(org_id, invitation_id)

    VIEW.show_one(run(work), as_json)
