"""One process of a multi-process job: ``calls`` GETs through a ``RedisRateLimit``.

Run as ``python -m tests.redis_budget._worker URL SECRET REDIS_URL ORG_ID CALLS RATE SHARE``
(RATE as REQUESTS/SECONDS; REDIS_URL ``local`` paces this process alone, at SHARE of RATE,
as a baseline for ``benchmarks/shared_budget.py``). Prints ``READY`` once loaded, starts on
a line on stdin (so processes start together, however long each took to load), and ends
with one JSON line: the loop time of every request sent (from aiohttp's trace, so after the
budget's permit), the calls that succeeded, and any that failed. Logs of the
``clerk_orgs_async`` logger go to stderr.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from types import SimpleNamespace

import aiohttp

from clerk_orgs_async import ClerkClient, ClerkError, RateLimit, RedisRateLimit


async def main(argv: list[str]) -> None:
    base_url, secret, redis_url, org_id, calls, rate, share = argv
    requests, seconds = rate.split("/")
    loop = asyncio.get_running_loop()
    sends: list[float] = []

    async def sent(
        _session: aiohttp.ClientSession,
        _context: SimpleNamespace,
        _params: aiohttp.TraceRequestStartParams,
    ) -> None:
        sends.append(loop.time())

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(sent)
    limit: RateLimit | RedisRateLimit
    if redis_url == "local":
        limit = RateLimit(max(1, int(int(requests) * float(share))), float(seconds))
    else:
        limit = RedisRateLimit(
            redis_url, requests=int(requests), per_seconds=float(seconds), share=float(share)
        )
    failed: list[str] = []

    async with (
        aiohttp.ClientSession(trace_configs=[trace]) as session,
        ClerkClient(secret, base_url=base_url, rate_limit=limit, session=session) as clerk,
    ):

        async def one() -> None:
            try:
                await clerk.organizations.get(org_id)
            except ClerkError as error:
                failed.append(f"{type(error).__name__}: {error}")

        await asyncio.gather(*(one() for _ in range(int(calls))))
    print(json.dumps({"sends": sends, "ok": int(calls) - len(failed), "failed": failed}))


if __name__ == "__main__":
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(message)s")
    print("READY", flush=True)
    sys.stdin.readline()
    asyncio.run(main(sys.argv[1:]))
