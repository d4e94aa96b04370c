"""``clerk-orgs sync`` and ``clerk-orgs export``: reading and writing files, the progress bar."""

from __future__ import annotations

import codecs
import sys
from contextlib import aclosing
from pathlib import Path
from typing import Any

import click

from clerk_orgs_async import ClerkClient
from clerk_orgs_async._cli._connect import run
from clerk_orgs_async._cli._files import (
    FORMATS,
    FileError,
    Format,
    OutputFile,
    format_by_extension,
    format_of,
    read_records,
    write_records,
)
from clerk_orgs_async._cli._output import progress_bar
from clerk_orgs_async._cli._report import partial_report, show_report
from clerk_orgs_async._cli._table import output_options
from clerk_orgs_async.sync import (
    DesiredOrganization,
    InvalidDesiredStateError,
    Key,
    SyncAction,
    SyncReport,
    export_organizations,
    sync_organizations,
    validate,
)


async def sync_with_progress(
    clerk: ClerkClient, records: list[DesiredOrganization], **options: Any
) -> SyncReport:
    """``sync_organizations`` with a progress bar on stderr, off when stderr is no terminal."""
    label = "Planning" if options.get("dry_run") else "Syncing"
    with progress_bar(f"{label} organizations") as progress:
        task = progress.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return await sync_organizations(clerk, records, on_progress=advance, **options)


def read_text(path: Path) -> str:
    """The file as UTF-8 text; bytes that are not UTF-8 are an error with their line.

    A byte order mark in front is dropped: spreadsheets save "CSV UTF-8" with one.
    """
    raw = path.read_bytes().removeprefix(codecs.BOM_UTF8)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        byte = raw[exc.start : exc.start + 1].hex()
        raise FileError(line, f"not UTF-8 text (byte 0x{byte}); save the file as UTF-8") from None


def load(
    path: Path, fmt: Format | None, key: Key, *, invitations: bool = False
) -> list[DesiredOrganization]:
    """Read and check a desired-state file; a bad record stops the command (status 2)."""
    try:
        records, lines = read_records(read_text(path), fmt or format_by_extension(path))
        validate(records, key, invitations=invitations)
    except FileError as error:
        raise click.BadParameter(str(error), param_hint=f"FILE {path}") from None
    except InvalidDesiredStateError as error:
        problems = "\n".join(f"line {lines[i]}: {message}" for i, message in error.problems)
        raise click.BadParameter(problems, param_hint=f"FILE {path}") from None
    return records


format_option = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), help="File format [default: by extension]."
)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@format_option
@click.option("--dry-run", is_flag=True, help="Show the plan; send no write.")
@click.option("--delete-missing", is_flag=True, help="Delete organizations not in FILE.")
@click.option("--concurrency", type=click.IntRange(min=1), default=8, show_default=True)
@click.option("--no-members", is_flag=True, help="Leave every organization's members alone.")
@click.option(
    "--invitations",
    is_flag=True,
    help="Keep pending invitations for members named by email_address; revoke the others.",
)
@click.option(
    "--key",
    type=click.Choice(["slug", "name"]),
    default="slug",
    show_default=True,
    help="What matches a record to an organization.",
)
@output_options
def sync(
    file: Path,
    fmt: Format | None,
    dry_run: bool,
    delete_missing: bool,
    concurrency: int,
    no_members: bool,
    invitations: bool,
    key: Key,
    as_json: bool,
) -> None:
    """Make Clerk's organizations match FILE (JSON Lines, JSON or CSV, as `export` writes).

    Exits with status 1 when any write failed, 2 when FILE is malformed (nothing is sent),
    130 on Ctrl-C, after printing what was done until then.
    """
    records = load(file, fmt, key, invitations=invitations)
    done: list[SyncAction] = []

    async def work(clerk: ClerkClient) -> SyncReport:
        return await sync_with_progress(
            clerk,
            records,
            key=key,
            delete_missing=delete_missing,
            sync_members=not no_members,
            concurrency=concurrency,
            dry_run=dry_run,
            on_action=done.append,
            sync_invitations=invitations,
        )

    try:
        report = run(work)
    except KeyboardInterrupt:
        show_report(partial_report(done, dry_run=dry_run), as_json, interrupted=True)
        raise click.exceptions.Exit(130) from None
    show_report(report, as_json)
    if not report.ok:
        raise click.exceptions.Exit(1)


@click.command()
@click.option("--members", is_flag=True, help="List each organization's members too.")
@click.option(
    "--invitations",
    is_flag=True,
    help="With --members: list pending invitations as members named by email_address.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="jsonl, json or csv [default: by the extension of -o, else jsonl].",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (replaced whole once the export is done) [default: stdout].",
)
def export(members: bool, invitations: bool, fmt: Format | None, output: Path | None) -> None:
    """Write every organization as desired-state records, the input `sync` takes.

    CSV cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) get a '
    in front; `sync` removes it again.
    """
    if invitations and not members:
        raise click.UsageError("--invitations lists invitations among members: add --members")

    async def work(clerk: ClerkClient) -> list[DesiredOrganization]:
        exported = export_organizations(
            clerk, include_members=members, include_invitations=invitations
        )
        async with aclosing(exported) as records:
            return [record async for record in records]

    if output is None:
        write_records(run(work), fmt or "jsonl", sys.stdout, members=members)
        return
    # Opened before any request: an output that cannot be written costs no API call.
    with OutputFile.beside(output) as target:
        chosen = _export_format(fmt, output)
        count = write_records(run(work), chosen, target.stream, members=members)
        target.commit()
    click.echo(f"exported {count} organizations to {output}", err=True)


def _export_format(fmt: Format | None, output: Path) -> Format:
    """``--format``, else the output's extension; the two must agree when both are given."""
    named = format_of(output)
    if fmt is not None and named is not None and fmt != named:
        raise click.BadParameter(
            f"--format {fmt} does not match the extension of {output.name} ({named}):"
            " drop --format or rename the file",
            param_hint="'--format'",
        )
    return fmt or format_by_extension(output)
