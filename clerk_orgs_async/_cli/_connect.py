"""The global options (key, URL, ``--emulator``, the shared budget) and running a command's
coroutine with a client."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any, Literal, TypeVar

import attrs
import click

from clerk_orgs_async import ClerkClient, ClerkError, InvalidRequestError, RedisRateLimit
from clerk_orgs_async._cli._seed import emulator_users

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


@attrs.define
class Connection:
    """Where commands send their requests, from the group's options."""

    secret_key: str | None = None
    base_url: str | None = None
    emulator: bool = False
    rate_limit_redis: str | None = None
    share: float | None = None

    def rate_limit(self) -> RedisRateLimit | Literal["auto"]:
        """The budget shared through Redis when asked for, else the client's default."""
        if self.rate_limit_redis is None:
            if self.share is not None:
                raise click.UsageError("--share applies to the budget of --rate-limit-redis")
            return "auto"
        return RedisRateLimit(
            self.rate_limit_redis, share=1.0 if self.share is None else self.share
        )

    @contextlib.asynccontextmanager
    async def client(self) -> AsyncIterator[ClerkClient]:
        """A client on Clerk, or on a fresh in-process emulator with users user_1 … user_40."""
        rate_limit = self.rate_limit()
        if not self.emulator:
            if self.secret_key is None:
                # The client's own message names its argument (secret_key=), not the option.
                raise click.UsageError(
                    "no Clerk secret key: pass --secret-key or set CLERK_SECRET_KEY"
                )
            async with ClerkClient(
                self.secret_key, base_url=self.base_url, rate_limit=rate_limit
            ) as clerk:
                yield clerk
            return
        from clerk_orgs_async.testing import ClerkEmulator

        async with (
            ClerkEmulator(users=emulator_users()) as emu,
            emu.client(rate_limit=rate_limit) as clerk,
        ):
            yield clerk


def secret_key(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """A key as read from an option or the environment: surrounding whitespace stripped.

    A space or a control character left inside (a line break from a file, a terminal
    escape) would fail every request: refused here, never echoed.
    """
    if value is None or not value.strip():
        return None
    key = value.strip()
    if not key.isprintable() or any(char.isspace() for char in key):
        raise click.BadParameter(
            "the secret key contains a space or a control character (a line break from a"
            " file?); check how it was set"
        )
    return key


def _store(
    field: str, check: Callable[[click.Context, click.Parameter, Any], Any] | None = None
) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        checked = value if check is None else check(ctx, param, value)
        setattr(ctx.ensure_object(Connection), field, checked)

    return callback


def _redis_url(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        try:
            RedisRateLimit(value)
        except InvalidRequestError as error:
            raise click.BadParameter(str(error)) from None
    return value


def connection_options(group: F) -> F:
    """Add ``--secret-key``, ``--base-url``, ``--emulator``, ``--rate-limit-redis`` and
    ``--share`` to the command group."""
    options = [
        click.option(
            "--secret-key",
            envvar="CLERK_SECRET_KEY",
            expose_value=False,
            callback=_store("secret_key", secret_key),
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
            help="Run against a fresh in-process emulator (with users user_1 … user_40).",
        ),
        click.option(
            "--rate-limit-redis",
            metavar="URL",
            expose_value=False,
            callback=_store("rate_limit_redis", _redis_url),
            help="Share the instance's budget with every process using the key through this "
            "Redis (redis://host:6379/0); needs the redis extra.",
        ),
        click.option(
            "--share",
            type=click.FloatRange(0, 1, min_open=True),
            expose_value=False,
            callback=_store("share"),
            help="With --rate-limit-redis: the fraction of the budget this command may use "
            "in any window, e.g. 0.5 to leave half to a web app [default: 1].",
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
    """``asyncio.run``, with this library's errors shown as one line.

    Input refused before any request (``InvalidRequestError``) is a usage error, exit status
    2; any other ``ClerkError`` exits with status 1.
    """
    try:
        return asyncio.run(work)
    except InvalidRequestError as error:
        raise click.UsageError(f"{type(error).__name__}: {error}") from None
    except ClerkError as error:
        raise click.ClickException(f"{type(error).__name__}: {error}") from None
