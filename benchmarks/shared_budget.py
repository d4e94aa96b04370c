"""The shared budget (``RedisRateLimit``): its throughput through a Redis far away, and four
processes against one instance budget, shared through Redis or each paced alone.

Run ``python -m benchmarks shared_budget`` (needs ``redis-server`` on the PATH, as
``make test`` installs it, and the ``redis`` extra; ``--help`` for the parts). It writes its
tables into ``RESULTS.md``, in a section of their own that ``python -m benchmarks`` keeps.

Throughput: ``CALLERS`` concurrent callers in one process for ``SECONDS`` s, each calling
``organizations.get`` in a loop, paced by a ``RateLimit`` in the process or by a
``RedisRateLimit`` through a TCP proxy (``benchmarks/_latency_proxy.py``, a process of its
own) that delays each way by half of ``LATENCY``. Counted: the calls answered within the
time, and the 429s the emulator answered.

Processes: the emulator runs in a process of its own at 50 requests per 2 seconds (Clerk's
budget scaled down, at a window long enough that the emulator's time to serve a burst stays
small beside it) and counts what it served and
when; each worker is a process with its own ``ClerkClient`` doing GETs (see
``tests/redis_budget/_worker.py``), all started together. Prints a Markdown table: the
budget used (as ``benchmarks`` measures it: requests let through over the most a sliding
window allows in their span), the 429s the emulator answered, and the calls that failed.
Not part of ``make test``; for the README and the report, not for asserting timings.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import secrets
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks._report import record_section
from clerk_orgs_async import ClerkClient, RateLimit, RedisRateLimit
from tests.redis_budget._job import Job, finish
from tests.redis_budget._server import RedisServer

CALLERS, SECONDS, LATENCY = 50, 4.0, 0.05
BUDGETS = {
    "1000 per 10 s (Clerk's production budget)": "1000/10",
    "100000 per 10 s (a budget that does not bind)": "100000/10",
}

REQUESTS, WINDOW = 50, 2.0
JOBS = {"even (4 x 50 calls)": [50, 50, 50, 50], "uneven (110, 50, 20, 20)": [110, 50, 20, 20]}
PACINGS = {
    "RedisRateLimit(requests=50)": ("redis", 1.0),
    "RateLimit(50, 2) in each": ("local", 1.0),
    "RateLimit(12, 2) in each (split by hand)": ("local", 0.25),
}


async def run(redis_url: str, calls: list[int], share: float) -> str:
    job = Job(f"{REQUESTS}/{WINDOW:g}")
    await job.start_emulator()
    try:
        reports = await finish(await job.workers(redis_url, [(n, share) for n in calls]))
    finally:
        served = await job.served()
    failed = sum(len(report["failed"]) for report in reports)
    refused = served.refused / len(served.served)
    return (
        f"{served.utilisation(REQUESTS, WINDOW):.1%} | {served.refused} ({refused:.1%}) | {failed}"
    )


async def calls_in_time(rate: str, redis_url: str | None) -> tuple[int, int]:
    """(calls answered within SECONDS, 429s) for CALLERS callers, paced locally or through
    Redis at ``redis_url``."""
    requests, seconds = (float(part) for part in rate.split("/"))
    job = Job(rate)
    await job.start_emulator()
    done = 0
    try:
        limit: RateLimit | RedisRateLimit = RateLimit(int(requests), seconds)
        if redis_url is not None:
            key = "bench:" + secrets.token_hex(8)  # a fresh budget: none held by a last run
            limit = RedisRateLimit(redis_url, requests=int(requests), per_seconds=seconds, key=key)
        settings = job.settings
        async with ClerkClient(
            settings["key"], base_url=settings["url"], rate_limit=limit
        ) as clerk:
            await clerk.organizations.get(settings["org"])  # connected, scripts loaded
            loop = asyncio.get_running_loop()
            end = loop.time() + SECONDS

            async def caller() -> None:
                nonlocal done
                while loop.time() < end:
                    await clerk.organizations.get(settings["org"])
                    done += loop.time() < end

            await asyncio.gather(*(caller() for _ in range(CALLERS)))
    finally:
        served = await job.served()
    return done, served.refused


async def round_trip(url: str) -> float:
    """The median of 20 PINGs through the proxy: on a loaded machine, more than LATENCY."""
    import redis.asyncio

    client = redis.asyncio.Redis.from_url(url)
    loop = asyncio.get_running_loop()
    times = []
    try:
        for _ in range(20):
            started = loop.time()
            await client.ping()
            times.append(loop.time() - started)
    finally:
        await client.aclose()
    return statistics.median(times)


async def throughput(server: RedisServer) -> list[str]:
    proxy = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks._latency_proxy",
        str(server.port),
        str(LATENCY),
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proxy.stdout is not None
        port = int(await asyncio.wait_for(proxy.stdout.readline(), 30))
        lines = [
            f"{CALLERS} concurrent callers for {SECONDS:g} s, Redis {LATENCY * 1000:g} ms away "
            "(round trip):",
            "",
            "| budget | pacing | calls answered | 429s | shared / local |",
            "| --- | --- | --- | --- | --- |",
        ]
        for budget, rate in BUDGETS.items():
            local, refused = await calls_in_time(rate, None)
            lines.append(f"| {budget} | RateLimit | {local} | {refused} | |")
            url = f"redis://127.0.0.1:{port}/0"
            shared, refused = await calls_in_time(rate, url)
            ratio = f"{shared / local:.0%}" if local else "-"
            lines.append(
                f"| {budget} | RedisRateLimit | {shared} | {refused} | {ratio} "
                f"(PING {await round_trip(url) * 1000:.0f} ms) |"
            )
            print(*lines[-2:], sep="\n", file=sys.stderr, flush=True)
        return lines
    finally:
        proxy.terminate()
        await proxy.wait()


async def processes(server: RedisServer) -> list[str]:
    lines = [
        f"Four processes, the emulator at {REQUESTS} per {WINDOW:g} s:",
        "",
        "| job | pacing | budget used | 429s | failed calls |",
        "| --- | --- | --- | --- | --- |",
    ]
    for job, calls in JOBS.items():
        for pacing, (where, share) in PACINGS.items():
            url = server.url if where == "redis" else "local"
            lines.append(f"| {job} | {pacing} | {await run(url, calls, share)} |")
            print(lines[-1], file=sys.stderr, flush=True)
    return lines


async def main(parts: list[str]) -> str:
    with tempfile.TemporaryDirectory() as directory:
        server = RedisServer(Path(directory))
        server.start()
        try:
            sections = ["## Shared budget (`python -m benchmarks shared_budget`)", ""]
            load = os.getloadavg()[0]
            sections.append(
                f"On {platform.machine()}, Python {platform.python_version()}, load average "
                f"{load:.1f} on {os.cpu_count()} CPUs at the start: the figures vary with the "
                "machine's load, the ratios less."
            )
            for part in parts:
                sections += ["", *(await PARTS[part](server))]
            return "\n".join(sections) + "\n"
        finally:
            server.stop()


PARTS = {"throughput": throughput, "processes": processes}


def cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks shared_budget",
        description="The shared budget through Redis: throughput, and processes sharing it.",
    )
    parser.add_argument(
        "parts", nargs="*", metavar="PART", help=f"what to run (default: all): {', '.join(PARTS)}"
    )
    parser.add_argument("--no-write", action="store_true", help="print, do not write RESULTS.md")
    args = parser.parse_args(argv)
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s) {', '.join(sorted(unknown))}; choose from {list(PARTS)}")
    section = asyncio.run(main(args.parts or list(PARTS)))
    print(section)
    if not args.no_write:
        record_section(section)
    return 0


if __name__ == "__main__":
    sys.exit(cli(sys.argv[1:]))
