"""The ``clerk-orgs`` command line (needs the ``cli`` extra: click)."""

from __future__ import annotations

import click

from clerk_orgs_async._cli._connect import connection_options
from clerk_orgs_async._cli._demo import demo
from clerk_orgs_async._cli._domains import domains
from clerk_orgs_async._cli._emulator import emulator
from clerk_orgs_async._cli._invitations import invitations
from clerk_orgs_async._cli._members import members
from clerk_orgs_async._cli._orgs import orgs
from clerk_orgs_async._cli._roles import permissions, roles
from clerk_orgs_async._cli._sync import export, sync
from clerk_orgs_async._version import __version__


@click.group()
@click.version_option(__version__, prog_name="clerk-orgs")
@connection_options
def main() -> None:
    """Work with Clerk organizations from the command line."""


main.add_command(emulator)
for command in (sync, export, orgs, members, invitations, domains, roles, permissions, demo):
    main.add_command(command)
