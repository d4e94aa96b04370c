"""``clerk-orgs emulator``: the local Clerk emulator in the foreground, for other processes."""

from __future__ import annotations

import asyncio
import json
import math
import re
import signal
from pathlib import Path

import click

from clerk_orgs_async._cli._connect import secret_key
from clerk_orgs_async._cli._seed import named_user, numbered_user
from clerk_orgs_async.testing import (
    REQUEST_LOG_SIZE,
    ClerkEmulator,
    DataFileError,
    Latency,
    User,
    WebhookEndpoint,
    WebhookFaults,
)


def _latency(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Latency | None:
    if value is None:
        return None
    try:
        parts = [float(part) for part in value.split(",")]
    except ValueError:
        parts = []
    if not 1 <= len(parts) <= 2 or not all(0 <= part < math.inf for part in parts):
        raise click.BadParameter("use SECONDS or LOW,HIGH, e.g. 0.05 or 0.02,0.08")
    if len(parts) == 1:
        return parts[0]
    if parts[0] > parts[1]:
        raise click.BadParameter(f"LOW must not be above HIGH, got {value}")
    return parts[0], parts[1]


def _rate_limit(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> tuple[int, float] | None:
    if value is None:
        return None
    try:
        requests, seconds = value.split("/")
        limit = int(requests), float(seconds)
    except ValueError:
        limit = (0, 0.0)
    if limit[0] < 1 or not 0 < limit[1] < math.inf:
        raise click.BadParameter("use REQUESTS/SECONDS, e.g. 100/10 as on Clerk")
    return limit


def _webhook_faults(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> WebhookFaults:
    if not value:
        return WebhookFaults()
    try:
        pairs = dict(part.split("=", 1) for part in value.split(","))
        return WebhookFaults(**{name.strip(): float(v) for name, v in pairs.items()})
    except (ValueError, TypeError) as error:
        raise click.BadParameter(
            f"{value!r}: use FAULT=VALUE pairs, e.g. drop=0.2,reorder_window=2 ({error})"
        ) from None


def _users(_ctx: click.Context, _param: click.Parameter, value: str) -> list[User]:
    """``N`` gives ``user_1`` … ``user_N``; ``alice,bob`` gives ``user_alice``, ``user_bob``."""
    value = value.strip()
    if _COUNT.fullmatch(value):
        if len(value) > 7 or int(value) > MAX_USERS:
            raise click.BadParameter(f"at most {MAX_USERS:,} users")
        return [numbered_user(n) for n in range(1, int(value) + 1)]
    names = [name.strip() for name in value.split(",")]
    if not all(_NAME.fullmatch(name) for name in names):
        raise click.BadParameter(
            "use a number (user_1 … user_N) or names such as alice,bob (user_alice, user_bob)"
        )
    return [named_user(name.removeprefix("user_")) for name in names]


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_COUNT = re.compile(r"[0-9]+")
MAX_USERS = 100_000


def _banner(emu: ClerkEmulator, seeded: list[str]) -> None:
    others = len(emu.state.users) - len(seeded)
    click.echo(f"Clerk emulator on {emu.base_url}, Ctrl+C to stop.")
    click.echo(
        f"Users: {_describe(seeded) or 'none'}"
        + (f" (and {others} more from {emu.data_file})" if others > 0 else "")
    )
    click.echo(f"Organizations: {len(emu.state.organizations)}")
    click.echo(f"Web console: {emu.console_url}")
    click.echo("Paste in the shell of the program that uses it:")
    click.echo(f"export CLERK_API_URL={emu.base_url}")
    click.echo(f"export CLERK_SECRET_KEY={emu.secret_key}")
    for n, endpoint in enumerate(emu.webhooks.endpoints):
        # One variable: the first endpoint's secret; the others' as comments to copy.
        line = f"CLERK_WEBHOOK_SIGNING_SECRET={endpoint.secret}"
        click.echo(f"export {line}" if n == 0 else f"# for {endpoint.url}: {line}")


def _describe(users: list[str]) -> str:
    """User IDs in a line: all of them, or the first and last of a long run."""
    if len(users) <= 12:
        return ", ".join(users)
    return f"{', '.join(users[:3])}, … {users[-1]} ({len(users)} in all)"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8787,
    show_default=True,
    help="Port; 0 picks a free one.",
)
@click.option(
    "--secret-key",
    callback=secret_key,
    help="Key clients must send; a random sk_test_… if not given.",
)
@click.option(
    "--users",
    default="5",
    show_default=True,
    callback=_users,
    help="Users to have: N for user_1 … user_N, or names: alice,bob for user_alice, user_bob.",
)
@click.option(
    "--seed-orgs",
    type=click.IntRange(0, 1_000_000),
    default=0,
    show_default=True,
    help="Have at least this many orgs.",
)
@click.option(
    "--data",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON file the state is kept in: every acknowledged write survives a crash.",
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
    "--allow-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="Also answer requests for this Host, e.g. a container's name; repeatable, '*' for"
    " any. Loopback names and --host are always answered (DNS rebinding guard).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the settings and users as one line of JSON instead.",
)
@click.option(
    "--webhook",
    "webhooks",
    multiple=True,
    metavar="URL",
    help="Deliver Clerk's events to this endpoint (repeatable); prints its signing secret.",
)
@click.option(
    "--webhook-faults",
    callback=_webhook_faults,
    metavar="FAULT=VALUE,…",
    help="Faults for the --webhook endpoints: duplicate, drop, bad_signature (chances 0-1),"
    " reorder_window, delay (seconds); e.g. drop=0.2,reorder_window=2.",
)
@click.option(
    "--max-memberships",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="Default max_allowed_memberships of new organizations (0: unlimited).",
)
def emulator(
    host: str,
    port: int,
    secret_key: str | None,
    users: list[User],
    seed_orgs: int,
    data: Path | None,
    latency: Latency | None,
    rate_limit: tuple[int, float] | None,
    request_log_size: int,
    max_memberships: int,
    webhooks: tuple[str, ...],
    webhook_faults: WebhookFaults,
    allowed_hosts: tuple[str, ...],
    as_json: bool,
) -> None:
    """Run a local Clerk organizations API until Ctrl+C or SIGTERM.

    Prints the users it has, the address of the web console (the state, the requests received
    and the faults to inject), then CLERK_API_URL and CLERK_SECRET_KEY as export lines to
    paste into the shell of the program that uses it. With --data the state (organizations,
    memberships, users, webhook endpoints and undelivered events) is kept across restarts.
    """
    if webhook_faults != WebhookFaults() and not webhooks:
        raise click.BadParameter(
            "they apply to --webhook endpoints: give one", param_hint="'--webhook-faults'"
        )
    try:
        endpoints = [WebhookEndpoint(url=url, faults=webhook_faults) for url in webhooks]
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--webhook'") from None
    try:
        emu = ClerkEmulator(
            webhooks=endpoints,
            secret_key=secret_key,
            host=host,
            port=port,
            default_max_allowed_memberships=max_memberships,
            latency=latency,
            rate_limit=rate_limit,
            data_file=data,
            request_log_size=request_log_size,
            allowed_hosts=allowed_hosts,
        )
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--allow-host'") from None
    asyncio.run(_serve(emu, users=users, orgs=seed_orgs, as_json=as_json))


async def _serve(emu: ClerkEmulator, *, users: list[User], orgs: int, as_json: bool) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await emu.start()
    except DataFileError as error:
        raise click.BadParameter(str(error), param_hint="'--data'") from None
    except OSError as error:
        raise click.BadParameter(
            f"cannot listen on {emu.host}:{emu.port}: {error.strerror or error};"
            " is another emulator running? Pick another port, or --port 0 for a free one",
            param_hint="'--port'",
        ) from None
    try:
        emu.state.add_users(u for u in users if u.id not in emu.state.users)
        emu.state.seed_organizations(max(0, orgs - len(emu.state.organizations)))
        emu.save()
        if as_json:
            settings = {
                "CLERK_API_URL": emu.base_url,
                "CLERK_SECRET_KEY": emu.secret_key,
                "console": emu.console_url,
                "users": list(emu.state.users),
                "organizations": len(emu.state.organizations),
                "webhooks": [
                    {"url": e.url, "CLERK_WEBHOOK_SIGNING_SECRET": e.secret}
                    for e in emu.webhooks.endpoints
                ],
            }
            click.echo(json.dumps(settings))
        else:
            _banner(emu, [u.id for u in users])
        await stop.wait()
    finally:
        await emu.close()
    if emu.data_file is not None:
        click.echo(f"State saved to {emu.data_file}", err=True)
