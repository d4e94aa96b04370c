"""A live emulator on its own thread and event loop, for commands run with click's runner."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from click.testing import CliRunner, Result

from clerk_orgs_async._cli import main
from clerk_orgs_async._cli._seed import emulator_users
from clerk_orgs_async.testing import ClerkEmulator


@contextlib.contextmanager
def running_emulator(**options: Any) -> Iterator[ClerkEmulator]:
    """An emulator (``options`` go to ``ClerkEmulator``) started on a background loop: each
    command runs its own ``asyncio.run`` against it."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    emu = ClerkEmulator(users=emulator_users(), **options)
    asyncio.run_coroutine_threadsafe(emu.start(), loop).result()
    try:
        yield emu
    finally:
        asyncio.run_coroutine_threadsafe(emu.close(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


@pytest.fixture
def emulator() -> Iterator[ClerkEmulator]:
    with running_emulator() as emu:
        yield emu


class Cli:
    """Runs ``clerk-orgs`` against the emulator (key and URL from the environment)."""

    def __init__(self, emulator: ClerkEmulator) -> None:
        self.emulator = emulator
        self.runner = CliRunner()

    def __call__(
        self,
        *args: str,
        input: str | None = None,
        env: Mapping[str, str | None] | None = None,
        obj: Any = None,
    ) -> Result:
        """Run ``clerk-orgs ARGS``; ``env`` adds variables (None removes one), ``obj`` is
        click's context object (a ``Connection`` that makes the client differently)."""
        env = {
            "CLERK_SECRET_KEY": self.emulator.secret_key,
            "CLERK_API_URL": self.emulator.base_url,
            **(env or {}),
        }
        return self.runner.invoke(
            main, list(args), env=env, input=input, obj=obj, catch_exceptions=False
        )

    def writes(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.emulator.requests if r.method != "GET"]


@pytest.fixture
def cli(emulator: ClerkEmulator) -> Cli:
    return Cli(emulator)
