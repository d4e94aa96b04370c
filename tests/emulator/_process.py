"""``clerk-orgs emulator`` in a subprocess, as other programs run it."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import attrs

# `clerk-orgs` as a terminal starts it: with Ctrl-C's default handler. A process started in the
# background by a non-interactive shell (`make test &`, some CI runners) ignores SIGINT, and its
# children inherit that, so a test's SIGINT would otherwise be lost.
COMMAND = (
    sys.executable,
    "-c",
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from clerk_orgs_async._cli import main; main()",
)


@attrs.define
class EmulatorProcess:
    """A running ``clerk-orgs emulator`` and what it printed at start."""

    process: asyncio.subprocess.Process
    settings: dict[str, Any]
    banner: list[str]

    @property
    def base_url(self) -> str:
        return str(self.settings["CLERK_API_URL"])

    @property
    def secret_key(self) -> str:
        return str(self.settings["CLERK_SECRET_KEY"])


async def read_settings(process: asyncio.subprocess.Process) -> tuple[dict[str, Any], list[str]]:
    """The ``CLERK_API_URL``/``CLERK_SECRET_KEY`` the emulator prints, and every line before."""
    assert process.stdout is not None
    settings: dict[str, Any] = {}
    banner: list[str] = []
    while "CLERK_SECRET_KEY" not in settings:
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        assert line, "the emulator exited before printing its settings:\n" + "".join(banner)
        banner.append(line)
        if line.startswith("{"):  # --json: one line with everything
            settings.update(json.loads(line))
            continue
        if line.startswith("Web console: "):
            settings["console"] = line.removeprefix("Web console: ").strip()
        name, _, value = line.strip().removeprefix("export ").partition("=")
        if name in ("CLERK_API_URL", "CLERK_SECRET_KEY"):
            settings[name] = value
    return settings, banner


@asynccontextmanager
async def emulator_process(*args: str) -> AsyncIterator[EmulatorProcess]:
    """Start ``clerk-orgs emulator ARGS`` on a free port; SIGKILL it if still running at exit."""
    process = await asyncio.create_subprocess_exec(
        *COMMAND,
        "emulator",
        "--port=0",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        settings, banner = await read_settings(process)
        yield EmulatorProcess(process, settings, banner)
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
