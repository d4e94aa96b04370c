"""A Redis some milliseconds away, in a process of its own (so that forwarding costs the
client's process nothing): ``python -m benchmarks._latency_proxy REDIS_PORT LATENCY``.
Prints the port it listens on, then forwards until it is terminated."""

from __future__ import annotations

import asyncio
import sys

from tests.redis_budget._proxy import RedisProxy


async def main(port: int, latency: float) -> None:
    proxy = await RedisProxy(port, latency=latency).start()
    print(proxy.port, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), float(sys.argv[2])))
