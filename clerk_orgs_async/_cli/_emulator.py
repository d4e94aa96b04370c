"""``clerk-orgs emulator``: the local Clerk emulator in the foreground, for other processes."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import click

from clerk_orgs_async.testing import ClerkEmulator
from clerk_orgs_async.testing._emulator import REQUEST_LOG_SIZE
from clerk_orgs_async.testing._pacing import Latency


def _latency(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Latency | None:
    if value is None:
        return None
    try:
        parts = [float(part) for part in value.split(",")]
    except ValueError:
        raise click.BadParameter("use SECONDS or LOW,HIGH, e.g. 0.05 or 0.02,0.08") from None
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return parts[0], parts[1]
    raise click.BadParameter("use SECONDS or LOW,HIGH, e.g. 0.05 or 0.02,0.08")


def _rate_limit(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> tuple[int, float] | None:
    if value is None:
        return None
    try:
        requests, seconds = value.split("/")
        return int(requests), float(seconds)
    except ValueError:
        raise click.BadParameter("use REQUESTS/SECONDS, e.g. 100/10 as on Clerk") from None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8787, show_default=True, help="Port; 0 picks a free one.")
@click.option("--secret-key", help="Key clients must send; a random sk_test_… if not given.")
@click.option("--users", default=0, show_default=True, help="Have at least this many users.")
@click.option("--seed-orgs", default=0, show_default=True, help="Have at least this many orgs.")
@click.option(
    "--data",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON file: state is loaded from it at start and saved to it on exit.",
)
@click.option(
    "--latency", callback=_latency, help="Seconds added per request: SECONDS or LOW,HIGH."
)
@click.option(
    "--rate-limit", callback=_rate_limit, help="REQUESTS/SECONDS, then 429 (e.g. 100/10)."
)
@click.option(
    "--request-log-size",
    default=REQUEST_LOG_SIZE,
    show_default=True,
    type=click.IntRange(min=0),
    help="How many requests the web console's log keeps.",
)
@click.option(
    "--max-memberships",
    default=5,
    show_default=True,
    help="Default max_allowed_memberships of new organizations (0: unlimited).",
)
def emulator(
    host: str,
    port: int,
    secret_key: str | None,
    users: int,
    seed_orgs: int,
    data: Path | None,
    latency: Latency | None,
    rate_limit: tuple[int, float] | None,
    request_log_size: int,
    max_memberships: int,
) -> None:
    """Run a local Clerk organizations API until Ctrl+C or SIGTERM.

    Prints CLERK_API_URL and CLERK_SECRET_KEY lines for clients to use, and the address of
    the web console, which shows the state, the requests received and the faults to inject.
    """
    asyncio.run(
        _serve(
            ClerkEmulator(
                secret_key=secret_key,
                host=host,
                port=port,
                default_max_allowed_memberships=max_memberships,
                latency=latency,
                rate_limit=rate_limit,
                data_file=data,
                request_log_size=request_log_size,
            ),
            users=users,
            orgs=seed_orgs,
        )
    )


async def _serve(emu: ClerkEmulator, *, users: int, orgs: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with emu:
        emu.state.seed_users(max(0, users - len(emu.state.users)))
        emu.state.seed_organizations(max(0, orgs - len(emu.state.organizations)))
        click.echo(
            f"Clerk emulator: {len(emu.state.organizations)} organizations, "
            f"{len(emu.state.users)} users. Ctrl+C to stop."
        )
        click.echo(f"Web console: {emu.console_url}")
        click.echo(f"CLERK_API_URL={emu.base_url}")
        click.echo(f"CLERK_SECRET_KEY={emu.secret_key}")
        await stop.wait()
    if emu.data_file is not None:
        click.echo(f"State saved to {emu.data_file}")
