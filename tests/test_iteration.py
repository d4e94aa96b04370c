"""Iterating every organization against the emulator while others are created and deleted."""

from __future__ import annotations

import asyncio
import random

import pytest

from clerk_orgs_async.testing import ClerkEmulator


@pytest.mark.parametrize("prefetch", [0, 4])
async def test_walk_is_drift_safe_under_concurrent_writes(prefetch: int) -> None:
    async with ClerkEmulator() as emu, emu.client() as clerk:
        original = {org.id for org in emu.state.seed_organizations(1500)}
        deleted: set[str] = set()
        rng = random.Random(prefetch)
        walking = True

        async def churn(worker: int) -> None:
            # Creates land at the front of the -created_at order, deletes anywhere: both
            # shift the offsets of everything the walk has not reached yet.
            n = 0
            while walking:
                n += 1
                await clerk.organizations.create(name=f"Churn {worker} {n}")
                victim = rng.choice(sorted(original - deleted))
                deleted.add(victim)  # before the await, so no other worker picks it
                await clerk.organizations.delete(victim)
                await asyncio.sleep(0)

        writers = [asyncio.create_task(churn(worker)) for worker in range(4)]
        seen = [org.id async for org in clerk.organizations.list(limit=25, prefetch=prefetch)]
        walking = False
        await asyncio.gather(*writers)

    assert len(deleted) > 10, "the walk should have raced real writes"
    assert len(seen) == len(set(seen)), "an organization was yielded twice"
    missing = (original - deleted) - set(seen)
    assert not missing, f"{len(missing)} organizations that existed throughout were missed"


async def test_plain_offset_paging_would_have_drifted() -> None:
    # The same churn with an order that is not drift-safe shows what the default protects from.
    async with ClerkEmulator() as emu, emu.client() as clerk:
        emu.state.seed_organizations(300)
        seen = []
        async for org in clerk.organizations.list(limit=50, order_by="-members_count"):
            seen.append(org.id)
            if len(seen) % 50 == 1:
                for n in range(5):
                    await clerk.organizations.create(name=f"New {len(seen)} {n}")
        # members_count ties are broken by creation order, newest first: every create shifts.
    assert len(seen) != len(set(seen))
