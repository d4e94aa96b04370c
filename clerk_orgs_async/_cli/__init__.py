"""The ``clerk-orgs`` command line (needs the ``cli`` extra: click)."""

from __future__ import annotations

import click

from clerk_orgs_async._cli._emulator import emulator
from clerk_orgs_async._version import __version__


@click.group()
@click.version_option(__version__, prog_name="clerk-orgs")
def main() -> None:
    """Work with Clerk organizations from the command line."""


main.add_command(emulator)
