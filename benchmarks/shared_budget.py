"""Four processes against one instance budget: shared through Redis, or each paced alone.

Run ``python -m benchmarks.shared_budget`` (needs ``redis-server`` on the PATH, as
``make test`` installs it, and the ``redis`` extra). The emulator runs in a process of its
own at 50 requests per 2 seconds (Clerk's budget scaled down, at a window long enough that
the emulator's time to serve a burst stays small beside it) and counts what it served and
when; each worker is a process with its own ``ClerkClient`` doing GETs (see
``tests/redis_budget/_worker.py``), all started together. Prints a Markdown table: the
budget used (as ``benchmarks`` measures it: requests let through over the most a sliding
window allows in their span), the 429s the emulator answered, and the calls that failed.
Not part of ``make test``; for the README and the report, not for asserting timings.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from tests.redis_budget._job import Job, finish
from tests.redis_budget._server import RedisServer

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


async def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        server = RedisServer(Path(directory))
        server.start()
        try:
            print("| job | pacing | budget used | 429s | failed calls |")
            print("| --- | --- | --- | --- | --- |")
            for job, calls in JOBS.items():
                for pacing, (where, share) in PACINGS.items():
                    url = server.url if where == "redis" else "local"
                    print(f"| {job} | {pacing} | {await run(url, calls, share)} |", flush=True)
        finally:
            server.stop()


if __name__ == "__main__":
    asyncio.run(main())
