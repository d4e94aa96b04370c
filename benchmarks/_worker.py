"""One measurement in a fresh process: ``python -m benchmarks._worker '<json job>'``.

The job names a scenario, a contender with its options, the server's base URL and the
scenario's parameters. The worker warms the contender up, measures, and prints one JSON line
of metrics. The server runs in another process, so ``time.process_time()`` here is the
client's own CPU time (user and system, every thread of this process).
"""

from __future__ import annotations

import asyncio
import gc
import json
import resource
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from benchmarks._contenders import Contender, RateLimited, make

Metrics = dict[str, float]


async def timed(work: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``work``."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    await work()
    return time.perf_counter() - wall, time.process_time() - cpu


async def server_ids(base_url: str) -> list[str]:
    """Some organization IDs the server holds, fetched before measuring."""
    root = base_url.rsplit("/v1", 1)[0]
    async with aiohttp.ClientSession() as session, session.get(f"{root}/__bench/ids") as resp:
        ids: list[str] = await resp.json()
    return ids


async def sequential_get(c: Contender, base_url: str, n: int, warmup: int) -> Metrics:
    ids = await server_ids(base_url)

    async def run(count: int) -> None:
        for i in range(count):
            await c.get(ids[i % len(ids)])

    await run(warmup)
    wall, cpu = await timed(lambda: run(n))
    return {"cpu_us": cpu / n * 1e6, "wall_us": wall / n * 1e6}


async def sequential_create(c: Contender, n: int, warmup: int) -> Metrics:
    async def run(start: int, count: int) -> None:
        for i in range(start, start + count):
            await c.create(f"Bench Org {i}", f"bench-org-{i}", "user_2bench000000000000000000000")

    await run(0, warmup)
    wall, cpu = await timed(lambda: run(warmup, n))
    return {"cpu_us": cpu / n * 1e6, "wall_us": wall / n * 1e6}


async def list_all(c: Contender, walks: int) -> Metrics:
    seen = 0

    async def walk() -> None:
        nonlocal seen
        for _ in range(walks):
            async for _org in c.iterate():
                seen += 1

    async for _org in c.iterate(max_items=1000):
        pass
    wall, cpu = await timed(walk)
    return {
        "objects_per_s": seen / wall,
        "cpu_us_per_org": cpu / seen * 1e6,
        "wall_s": wall / walks,
        "orgs": seen / walks,
    }


async def concurrent_get(c: Contender, base_url: str, tasks: int, batches: int) -> Metrics:
    ids = await server_ids(base_url)

    async def batch() -> None:
        await asyncio.gather(*(c.get(ids[i % len(ids)]) for i in range(tasks)))

    async def run() -> None:
        for _ in range(batches):
            await batch()

    await batch()
    wall, cpu = await timed(run)
    return {"wall_ms": wall / batches * 1e3, "cpu_us": cpu / (batches * tasks) * 1e6}


def _max_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


async def memory(c: Contender, items: int) -> Metrics:
    seen = 0
    async for _org in c.iterate(max_items=10):
        pass
    before = _max_rss_mb()
    async for _org in c.iterate(max_items=items):
        seen += 1
    if seen != items:
        raise RuntimeError(f"walked {seen} organizations, expected {items}")
    return {"peak_rss_mb": _max_rss_mb(), "rss_before_mb": before, "orgs": seen}


async def rate_limited(c: Contender, base_url: str, tasks: int, window: float) -> Metrics:
    ids = await server_ids(base_url)
    # Start with the server's window empty: the previous round's requests have aged out.
    await asyncio.sleep(window + 0.1)
    refused = failed = 0

    async def one(i: int) -> None:
        nonlocal refused, failed
        try:
            await c.get(ids[i % len(ids)])
        except RateLimited:
            refused += 1
        except Exception:
            failed += 1

    wall, _cpu = await timed(lambda: asyncio.gather(*(one(i) for i in range(tasks))))
    succeeded = tasks - refused - failed
    return {
        "succeeded": succeeded,
        "responses_429": refused + c.retried_429,
        "failed": refused + failed,
        "rate": succeeded / wall,
        "wall_s": wall,
    }


async def run(job: dict[str, Any]) -> Metrics:
    params: dict[str, Any] = job["params"]
    base_url: str = job["base_url"]
    scenario: str = job["scenario"]
    async with make(job["contender"], base_url, job["options"]) as c:
        if scenario == "get":
            return await sequential_get(c, base_url, params["n"], params["warmup"])
        if scenario == "create":
            return await sequential_create(c, params["n"], params["warmup"])
        if scenario in ("list", "prefetch"):
            return await list_all(c, params["walks"])
        if scenario == "concurrent":
            return await concurrent_get(c, base_url, params["tasks"], params["batches"])
        if scenario == "memory":
            return await memory(c, job["options"]["items"])
        if scenario == "ratelimit":
            return await rate_limited(c, base_url, params["tasks"], params["window"])
    raise ValueError(f"unknown scenario {scenario!r}")


def main() -> None:
    job = json.loads(sys.argv[1])
    metrics = asyncio.run(run(job))
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
