"""Counting a job's requests by kind, apart from what other code does on the same client."""

from __future__ import annotations

import asyncio

from clerk_orgs_async import RetryPolicy
from clerk_orgs_async._counting import counting
from clerk_orgs_async.testing import ClerkEmulator, instant_retries


async def test_a_job_counts_its_own_reads_writes_and_retries_only() -> None:
    async with ClerkEmulator() as emu, emu.client(retry=RetryPolicy(jitter=False)) as clerk:
        org = await clerk.organizations.create(name="Acme", slug="acme")
        stop = asyncio.Event()

        async def the_app() -> None:  # shares the client, outside the job's context
            while not stop.is_set():
                await clerk.organizations.get(org.id)
                await asyncio.sleep(0)

        app = asyncio.create_task(the_app())
        with instant_retries(), counting() as counts:
            emu.faults.status(503, method="PATCH", times=2)

            async def job() -> None:
                await clerk.organizations.update(org.id, name="Acme Inc")
                await asyncio.gather(*(clerk.organizations.get("acme") for _ in range(3)))

            await asyncio.create_task(job())  # tasks the job starts count for it too
        stop.set()
        await app
    assert (counts.reads, counts.writes, counts.retries) == (3, 3, 2)
    assert counts.total == 6


async def test_counting_blocks_nest() -> None:
    async with ClerkEmulator() as emu, emu.client() as clerk:
        with counting() as outer:
            await clerk.organizations.create(name="Acme", slug="acme")
            with counting() as inner:
                await clerk.organizations.get("acme")
    assert (outer.reads, outer.writes) == (1, 1)
    assert (inner.reads, inner.writes) == (1, 0)
