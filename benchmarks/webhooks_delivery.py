"""The emulator's webhook delivery throughput: ``python -m benchmarks webhooks_delivery``.

Also runnable on its own: ``python -m benchmarks.webhooks_delivery --events 5000``.

A burst of changes made through the Python API (``state.create_organization``), each sent to
one local aiohttp endpoint in the same process (answering 200 without verifying, so the figure
is the emulator's signing and sending), timed from the first change until every message is
delivered. Then the API's own write latency with and without an endpoint: deliveries happen
off the request path, so an endpoint should not slow the answers. Prints events per second
and milliseconds per write (medians).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import aiohttp
from aiohttp import web

from clerk_orgs_async.testing import ClerkEmulator


async def _endpoint() -> tuple[web.AppRunner, str, list[int]]:
    received = [0]

    async def receive(request: web.Request) -> web.Response:
        await request.read()
        received[0] += 1
        return web.Response()

    app = web.Application()
    app.router.add_post("/", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/", received


async def throughput(events: int) -> float:
    """Events per second delivered, from the first change of a burst to the last delivery."""
    runner, url, received = await _endpoint()
    try:
        async with ClerkEmulator(webhooks=[url]) as emu:
            start = time.perf_counter()
            for n in range(events):
                emu.state.create_organization(f"Bench {n}")
            queued = time.perf_counter() - start
            await emu.webhooks.idle(timeout=600)
            elapsed = time.perf_counter() - start
            assert received[0] == events, received[0]
            assert all(m.status == "delivered" for m in emu.webhooks.messages)
    finally:
        await runner.cleanup()
    print(
        f"delivery: {events / elapsed:7.0f} events/s ({events} events in {elapsed:.2f} s;"
        f" queuing them took {queued * 1000:.0f} ms)"
    )
    return events / elapsed


async def _writes(emu: ClerkEmulator, count: int) -> list[float]:
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


async def latency(writes: int) -> tuple[float, float]:
    """Median milliseconds per API write without an endpoint, and with one."""
    runner, url, _ = await _endpoint()
    medians = []
    try:
        for label, hooks in (("no endpoint", []), ("one endpoint", [url])):
            async with ClerkEmulator(webhooks=hooks) as emu:
                times = await _writes(emu, writes)
                await emu.webhooks.idle(timeout=600)
            medians.append(statistics.median(times))
            print(f"{label:>13}: {medians[-1]:5.2f} ms per API write (median)")
    finally:
        await runner.cleanup()
    return medians[0], medians[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--writes", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(throughput(args.events))
    asyncio.run(latency(args.writes))


if __name__ == "__main__":
    main()
