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
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from benchmarks._contenders import SECRET_KEY, Contender, RateLimited, make

Metrics = dict[str, float]


async def timed(work: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``work``."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    await work()
    return time.perf_counter() - wall, time.process_time() - cpu


async def blocks(work: Callable[[], Awaitable[Any]], count: int) -> tuple[float, float]:
    """Median wall and CPU seconds over ``count`` runs of ``work``.

    Several blocks per process, then the median over processes: a burst of load from
    elsewhere on the machine spoils one block, not the round.
    """
    runs = [await timed(work) for _ in range(count)]
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


async def server_ids(base_url: str, count: int = 500) -> list[str]:
    """Up to ``count`` organization IDs the server holds, listed before measuring."""
    headers = {"Authorization": f"Bearer {SECRET_KEY}"}
    ids: list[str] = []
    async with aiohttp.ClientSession(headers=headers) as session:
        while len(ids) < count:
            params = {"limit": "500", "offset": str(len(ids))}
            async with session.get(f"{base_url}/organizations", params=params) as resp:
                if resp.status == 429:  # a rate-limited server: the previous round's quota
                    await asyncio.sleep(float(resp.headers.get("Retry-After", "1")))
                    continue
                resp.raise_for_status()
                page = await resp.json()
            ids += [org["id"] for org in page["data"]]
            if len(page["data"]) < 500:
                break
    return ids[:count]


async def sequential_get(c: Contender, base_url: str, n: int, count: int) -> Metrics:
    ids = await server_ids(base_url)

    async def run() -> None:
        for i in range(n):
            await c.get(ids[i % len(ids)])

    await run()
    wall, cpu = await blocks(run, count)
    return {"cpu_us": cpu / n * 1e6, "wall_us": wall / n * 1e6}


async def sequential_create(c: Contender, n: int, count: int) -> Metrics:
    created = 0

    async def run() -> None:
        nonlocal created
        for _ in range(n):
            created += 1
            await c.create(
                f"Bench Org {created}", f"bench-org-{created}", "user_2bench000000000000000000000"
            )

    await run()
    wall, cpu = await blocks(run, count)
    return {"cpu_us": cpu / n * 1e6, "wall_us": wall / n * 1e6}


async def list_all(c: Contender, walks: int) -> Metrics:
    seen = 0

    async def walk() -> None:
        nonlocal seen
        seen = 0
        async for _org in c.iterate():
            seen += 1

    async for _org in c.iterate(max_items=1000):
        pass
    wall, cpu = await blocks(walk, walks)
    return {
        "objects_per_s": seen / wall,
        "cpu_us_per_org": cpu / seen * 1e6,
        "wall_s": wall,
        "orgs": seen,
    }


async def concurrent_get(c: Contender, base_url: str, tasks: int, batches: int) -> Metrics:
    ids = await server_ids(base_url)

    async def batch(size: int = tasks) -> None:
        await asyncio.gather(*(c.get(ids[i % len(ids)]) for i in range(size)))

    await batch(min(tasks, 100))  # warm up: fill the pool of 100 connections
    wall, cpu = await blocks(batch, batches)
    return {"wall_ms": wall * 1e3, "cpu_us": cpu / tasks * 1e6}


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


async def rate_limited(c: Contender, base_url: str, tasks: int, limit: list[float]) -> Metrics:
    requests, window = int(limit[0]), limit[1]
    ids = await server_ids(base_url, tasks)
    if len(ids) < tasks:
        raise RuntimeError(f"the server has {len(ids)} organizations, {tasks} writes need one each")
    # Start with the server's window empty: the previous round's requests have aged out.
    await asyncio.sleep(window + 0.1)
    refused = failed = 0

    async def one(i: int) -> None:
        # One write per organization: only the instance budget binds, not Clerk's limit of
        # 10 writes per 10 s per organization.
        nonlocal refused, failed
        try:
            await c.merge_metadata(ids[i], {"round": i})
        except RateLimited:
            refused += 1
        except Exception:
            failed += 1

    wall, _cpu = await timed(lambda: asyncio.gather(*(one(i) for i in range(tasks))))
    succeeded = tasks - refused - failed
    # The most a sliding window lets through in `wall` seconds: a full window at once, then
    # `requests` per `window` (the budget this client may use, its "100%").
    most = requests * (wall / window + 1)
    return {
        "succeeded": succeeded,
        "responses_429": refused + c.retried_429,
        "failed": refused + failed,
        "rate": succeeded / wall,
        "budget_used": succeeded / most,
        "wall_s": wall,
    }


async def sync_requests(orgs: int, members: int, changed: float) -> Metrics:
    """Requests a sync and an export send, against the emulator in this process (request
    counts do not depend on where it runs), with their lower bound: ``ceil(orgs / 500) +
    ceil(memberships / 500) + writes``."""
    import attrs

    from clerk_orgs_async._counting import counting
    from clerk_orgs_async.sync import export_organizations, sync_organizations
    from clerk_orgs_async.testing import ClerkEmulator

    users = [f"user_{n}" for n in range(1, 1001)]
    async with ClerkEmulator(users=users, default_max_allowed_memberships=0) as emu:
        state = emu.state
        for n, org in enumerate(state.seed_organizations(orgs)):
            for k in range(members):
                state.create_membership(org.id, users[(n * members + k) % len(users)], "org:member")
        async with emu.client() as clerk:
            reads = -(-orgs // 500) + -(-(orgs * members) // 500)
            with counting() as exported:
                records = [r async for r in export_organizations(clerk, include_members=True)]
            with counting() as noop:
                report = await sync_organizations(clerk, records)
            if report.actions:
                raise RuntimeError(f"a sync of the export planned {len(report.actions)} writes")
            step = max(1, round(1 / changed))
            edited = [
                attrs.evolve(r, name=r.name + " (renamed)") if i % step == 0 else r
                for i, r in enumerate(records)
            ]
            writes = sum(1 for i in range(len(records)) if i % step == 0)
            with counting() as change:
                report = await sync_organizations(clerk, edited)
            if len(report.actions) != writes or not report.ok:
                raise RuntimeError(f"expected {writes} updates, got {report.counts}")
    return {
        "export_requests": exported.total,
        "noop_requests": noop.total,
        "change_requests": change.total,
        "lower_bound": reads,
        "writes": writes,
        "export_ratio": exported.total / reads,
        "noop_ratio": noop.total / reads,
        "change_ratio": change.total / (reads + writes),
    }


def webhook_verify(contender: str, n: int, count: int) -> Metrics:
    """CPU per delivery verified and decoded, over a mix of Clerk's events (no server)."""
    from benchmarks._webhook_events import deliveries, verifier

    verify = verifier(contender)
    batch = deliveries(contender)

    def run() -> None:
        for i in range(n):
            body, headers = batch[i % len(batch)]
            verify(body, headers)

    run()
    times = []
    for _ in range(count):
        gc.collect()
        cpu = time.process_time()
        run()
        times.append(time.process_time() - cpu)
    return {"cpu_us": statistics.median(times) / n * 1e6}


async def run(job: dict[str, Any]) -> Metrics:
    params: dict[str, Any] = job["params"]
    base_url: str = job["base_url"]
    scenario: str = job["scenario"]
    if scenario == "webhooks":
        return webhook_verify(job["contender"], params["n"], params["blocks"])
    if scenario == "webhooks_delivery":
        from benchmarks.webhooks_delivery import latency, throughput

        without, with_endpoint = await latency(params["writes"])
        return {
            "events_per_s": await throughput(params["events"]),
            "write_ms": with_endpoint,
            "write_ms_without": without,
        }
    async with make(job["contender"], base_url, job["options"]) as c:
        if scenario == "get":
            return await sequential_get(c, base_url, params["n"], params["blocks"])
        if scenario == "create":
            return await sequential_create(c, params["n"], params["blocks"])
        if scenario in ("list", "prefetch"):
            return await list_all(c, params["walks"])
        if scenario == "concurrent":
            return await concurrent_get(c, base_url, params["tasks"], params["batches"])
        if scenario == "memory":
            return await memory(c, job["options"]["items"])
        if scenario == "sync":
            return await sync_requests(params["orgs"], params["members"], params["changed"])
        if scenario == "ratelimit":
            return await rate_limited(c, base_url, params["tasks"], params["limit"])
    raise ValueError(f"unknown scenario {scenario!r}")


def main() -> None:
    job = json.loads(sys.argv[1])
    metrics = asyncio.run(run(job))
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
