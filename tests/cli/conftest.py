"""A live emulator on its own thread and event loop, for commands run with click's runner."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from click.testing import CliRunner, Result

from clerk_orgs_async._cli import main
from clerk_orgs_async._cli._seed import emulator_users
from clerk_orgs_async.testing import ClerkEmulator


@pytest.fixture
def emulator() -> Iterator[ClerkEmulator]:
    """Started on a background loop: each command runs its own ``asyncio.run`` against it."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    emu = ClerkEmulator(users=emulator_users())
    asyncio.run_coroutine_threadsafe(emu.start(), loop).result()
    try:
        yield emu
    finally:
        asyncio.run_coroutine_threadsafe(emu.close(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


class Cli:
    """Runs ``clerk-orgs`` against the emulator (key and URL from the environment)."""

    def __init__(self, emulator: ClerkEmulator) -> None:
        self.emulator = emulator
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None) -> Result:
        env = {
            "CLERK_SECRET_KEY": self.emulator.secret_key,
            "CLERK_API_URL": self.emulator.base_url,
        }
        return self.runner.invoke(main, list(args), env=env, input=input, catch_exceptions=False)

    def writes(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.emulator.requests if r.method != "GET"]


@pytest.fixture
def cli(emulator: ClerkEmulator) -> Cli:
    return Cli(emulator)
