"""The global options (key, URL, ``--emulator``) and running a command's coroutine with a client."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import attrs
import click

from clerk_orgs_async import ClerkClient, ClerkError

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

EMULATOR_USERS = [f"user_{n:03d}" for n in range(1, 41)]
"""The users a fresh emulator has, the ones ``examples/organizations.jsonl`` refers to."""


@attrs.define
class Connection:
    """Where commands send their requests, from the group's options."""

    secret_key: str | None = None
    base_url: str | None = None
    emulator: bool = False

    @contextlib.asynccontextmanager
    async def client(self) -> AsyncIterator[ClerkClient]:
        """A client on Clerk, or on a fresh in-process emulator with ``EMULATOR_USERS``."""
        if not self.emulator:
            async with ClerkClient(self.secret_key, base_url=self.base_url) as clerk:
                yield clerk
            return
        from clerk_orgs_async.testing import ClerkEmulator

        async with ClerkEmulator(users=EMULATOR_USERS) as emu, emu.client() as clerk:
            yield clerk


def _store(field: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        setattr(ctx.ensure_object(Connection), field, value)

    return callback


def connection_options(group: F) -> F:
    """Add ``--secret-key``, ``--base-url`` and ``--emulator`` to the command group."""
    options = [
        click.option(
            "--secret-key",
            envvar="CLERK_SECRET_KEY",
            expose_value=False,
            callback=_store("secret_key"),
            help="Clerk secret key [env: CLERK_SECRET_KEY].",
        ),
        click.option(
            "--base-url",
            envvar="CLERK_API_URL",
            expose_value=False,
            callback=_store("base_url"),
            help="API root [env: CLERK_API_URL; default https://api.clerk.com/v1].",
        ),
        click.option(
            "--emulator",
            is_flag=True,
            expose_value=False,
            callback=_store("emulator"),
            help="Run against a fresh in-process emulator (with 40 users, user_001…).",
        ),
    ]
    for option in options:
        group = option(group)
    return group


def run(work: Callable[[ClerkClient], Awaitable[T]]) -> T:
    """Run ``work`` with a client from the group's options; a ClerkError exits with status 1."""
    connection = click.get_current_context().find_object(Connection) or Connection()

    async def main() -> T:
        async with connection.client() as clerk:
            return await work(clerk)

    return run_async(main())


def run_async(work: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run``, with this library's errors shown as one line and exit status 1."""
    try:
        return asyncio.run(work)
    except ClerkError as error:
        raise click.ClickException(f"{type(error).__name__}: {error}") from error
