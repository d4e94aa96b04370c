"""The ``clerk-orgs`` command line (needs the ``cli`` extra: click)."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any, NoReturn

import click

from clerk_orgs_async import __version__
from clerk_orgs_async._cli._connect import connection_options
from clerk_orgs_async._cli._demo import demo
from clerk_orgs_async._cli._domains import domains
from clerk_orgs_async._cli._emulator import emulator
from clerk_orgs_async._cli._invitations import invitations
from clerk_orgs_async._cli._members import members
from clerk_orgs_async._cli._orgs import orgs
from clerk_orgs_async._cli._permissions import permissions
from clerk_orgs_async._cli._roles import roles
from clerk_orgs_async._cli._sync import export, sync


class _Main(click.Group):
    """The ``clerk-orgs`` group: output that cannot be written is a one-line error too."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().main(*args, **kwargs)
        except OSError as error:
            # click handles a closed pipe (EPIPE) only; a full disk or a failing device
            # would end here with a traceback.
            _output_failed(error)


def _output_failed(error: OSError) -> NoReturn:
    what = f"cannot use {error.filename}" if error.filename else "cannot write the output"
    # What is left in stdout's buffer goes nowhere, so that the interpreter's last flush does
    # not fail again (the remedy the signal module's docs give for a closed pipe).
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    with contextlib.suppress(OSError):
        click.echo(f"Error: {what}: {error.strerror or error}", err=True)
    sys.exit(1)


@click.group(cls=_Main)
@click.version_option(__version__, prog_name="clerk-orgs")
@connection_options
def main() -> None:
    """Work with Clerk organizations from the command line."""


main.add_command(emulator)
for command in (sync, export, orgs, members, invitations, domains, roles, permissions, demo):
    main.add_command(command)
