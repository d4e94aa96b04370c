"""The emulator in a process of its own, at an instance limit, recording what it served.

Run as ``python -m tests.redis_budget._emulator REQUESTS/SECONDS``. Prints one JSON line with its
URL, key and the ID of its one organization once it listens; on SIGTERM, one JSON line with
every response it served as ``[monotonic time, status]`` (the clock every process shares).
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time

from clerk_orgs_async.testing import ClerkEmulator
from clerk_orgs_async.testing._app import ServedResponse


async def main(rate: str) -> None:
    requests, seconds = rate.split("/")
    served: list[tuple[float, int | None]] = []

    def record(response: ServedResponse) -> None:
        served.append((time.monotonic(), response.record.status))

    emu = ClerkEmulator(rate_limit=(int(requests), float(seconds)), on_response=record)
    org = emu.state.seed_organizations(1)[0]
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with emu:
        print(json.dumps({"url": emu.base_url, "key": emu.secret_key, "org": org.id}), flush=True)
        await stop.wait()
    print(json.dumps({"served": served}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
