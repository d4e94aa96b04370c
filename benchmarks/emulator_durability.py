"""What a durable ``--data`` file costs per write: ``python -m benchmarks.emulator_durability``.

With 10,000 organizations (and a membership and metadata each) in the emulator, measures
sequential ``POST /organizations`` through the HTTP API without a data file and with one (each
write journaled and fsynced before its answer), and, for comparison, the design it replaced:
rewriting the whole state (snapshot, encode, temporary file, fsync, rename) after each write.
Prints milliseconds per write (medians) and the start-up and close compaction times.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp

from clerk_orgs_async._json import dumps
from clerk_orgs_async.testing import ClerkEmulator
from clerk_orgs_async.testing._state import EmulatorState


def _fill(state: EmulatorState, organizations: int) -> None:
    users = [u.id for u in state.seed_users(20)]
    for n, org in enumerate(state.seed_organizations(organizations, created_by=users[0])):
        state.create_membership(org.id, users[1 + n % 19], "org:member")
        state.merge_metadata(org.id, public_metadata={"plan": "pro", "n": n})


async def _writes(emu: ClerkEmulator, count: int) -> list[float]:
    """Milliseconds of each of ``count`` sequential creates."""
    headers = {"Authorization": f"Bearer {emu.secret_key}"}
    times = []
    async with aiohttp.ClientSession(headers=headers) as session:
        for n in range(count):
            start = time.perf_counter()
            async with session.post(
                emu.base_url + "/organizations", json={"name": f"Bench {n}"}
            ) as response:
                await response.read()
                assert response.status == 200, response.status
            times.append((time.perf_counter() - start) * 1000)
    return times


async def _http(organizations: int, writes: int, directory: Path) -> None:
    for label, data_file in (("no data file", None), ("journal", directory / "state.json")):
        emu = ClerkEmulator(data_file=data_file)
        _fill(emu.state, organizations)
        start = time.perf_counter()
        await emu.start()
        started = (time.perf_counter() - start) * 1000
        times = await _writes(emu, writes)
        start = time.perf_counter()
        await emu.close()
        closed = (time.perf_counter() - start) * 1000
        print(
            f"{label:>14}: {statistics.median(times):6.2f} ms per write (median of {writes}),"
            f" p95 {sorted(times)[int(writes * 0.95)]:6.2f} ms;"
            f" start {started:5.0f} ms, close {closed:5.0f} ms"
        )


def _rewrite(organizations: int, writes: int, directory: Path) -> None:
    state = EmulatorState()
    _fill(state, organizations)
    path = directory / "rewrite.json"
    times = []
    for n in range(writes):
        start = time.perf_counter()
        state.create_organization(f"Bench {n}")
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as out:
            out.write(dumps(state.snapshot()))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        times.append((time.perf_counter() - start) * 1000)
    print(
        f"{'whole rewrite':>14}: {statistics.median(times):6.2f} ms per write"
        f" (median of {writes}, state only, no HTTP)"
    )


def main() -> None:
    """Run the measurement and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=10_000)
    parser.add_argument("--writes", type=int, default=500)
    args = parser.parse_args()
    print(f"{args.organizations} organizations in the emulator:")
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(_http(args.organizations, args.writes, Path(tmp)))
        _rewrite(args.organizations, min(args.writes, 20), Path(tmp))


if __name__ == "__main__":
    main()
