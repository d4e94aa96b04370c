"""Whether a gzip bomb stalls the emulator: ``python -m benchmarks.emulator_bomb``.

Starts ``clerk-orgs emulator`` in its own process, then posts a gzip bomb (2 MB on the wire,
2 GB once decoded) with the right key and with a wrong one, while another connection sends
``GET /v1/organizations`` one after another. Prints the bomb's answer and time, and how many
GETs were answered meanwhile with their median and slowest latency (the issue's target: a
concurrent GET answers within 100 ms).
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import statistics
import sys
import time
import zlib

import aiohttp

KEY = "sk_test_bomb"


def _bomb(expanded_mib: int = 2048) -> bytes:
    """``expanded_mib`` MiB of zeros gzipped: after a full flush each MiB compresses alike."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b"\0" * 2**20
    head = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    piece = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    return head + piece * (expanded_mib - 1) + compressor.flush()


async def _gets(
    session: aiohttp.ClientSession, url: str, stop: asyncio.Event
) -> list[tuple[float, float]]:
    """When each GET started, and its milliseconds."""
    times = []
    while not stop.is_set():
        start = time.perf_counter()
        async with session.get(url, headers={"Authorization": f"Bearer {KEY}"}) as response:
            await response.read()
        times.append((start, (time.perf_counter() - start) * 1000))
    return times


async def _round(base: str, bomb: bytes, key: str) -> None:
    stop = asyncio.Event()
    async with aiohttp.ClientSession() as gets, aiohttp.ClientSession() as poster:
        getter = asyncio.create_task(_gets(gets, base + "/organizations", stop))
        await asyncio.sleep(0.2)  # the GETs are flowing
        start = time.perf_counter()
        async with poster.post(
            base + "/organizations",
            data=io.BytesIO(bomb),
            headers={
                "Authorization": f"Bearer {key}",
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
            },
        ) as response:
            await response.read()
        took = (time.perf_counter() - start) * 1000
        stop.set()
        times = [ms for at, ms in await getter if at >= start]
    print(
        f"bomb with {'the' if key == KEY else 'a wrong'} key: {response.status} in {took:.0f} ms;"
        f" {len(times)} GETs meanwhile, median {statistics.median(times):.1f} ms,"
        f" slowest {max(times):.1f} ms"
    )


async def main() -> None:
    bomb = _bomb()
    print(f"bomb: {len(bomb) / 1e6:.1f} MB on the wire, 2048 MiB decoded")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from clerk_orgs_async._cli import main; main()",
        "emulator",
        "--port=0",
        f"--secret-key={KEY}",
        "--json",
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        settings = json.loads(await process.stdout.readline())
        for key in (KEY, "sk_test_wrong"):
            await _round(settings["CLERK_API_URL"], bomb, key)
    finally:
        process.terminate()
        await process.wait()


if __name__ == "__main__":
    asyncio.run(main())
