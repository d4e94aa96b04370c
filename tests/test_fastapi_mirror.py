"""The FastAPI example's mirror, served by uvicorn and fed by the emulator's faulty deliveries.

200 seeded random operations go through ``ClerkClient``; the emulator POSTs their events over
real HTTP to the example's ``/webhooks/clerk`` with duplicate, reorder, drop and bad-signature
faults. Once every message is delivered (or failed for good), the mirror must match the
emulator for everything no failed message touched; then 20 more operations during an outage
(every attempt dropped), and after one reconcile the mirror matches everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import socket
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from clerk_orgs_async import UNSET, ClerkClient
from clerk_orgs_async.testing import (
    SVIX_RETRY_SCHEDULE,
    ClerkEmulator,
    WebhookFaults,
    WebhookMessage,
)
from examples import fastapi_app
from examples.fastapi_app import Mirror, reconcile

SEED = 21
OPERATIONS = 200
OUTAGE = 20
USERS = [f"user_{n}" for n in range(1, 9)]
ROLES = ("org:admin", "org:member")
# Svix's schedule, 100,000 times faster: nine attempts within about a second.
SCHEDULE = tuple(s / 100_000 for s in SVIX_RETRY_SCHEDULE)
FAULTS = WebhookFaults(duplicate=0.2, reorder_window=0.02, drop=0.2, bad_signature=0.05)


@pytest.fixture
def clerk_emulator_options() -> dict[str, Any]:
    return {
        "users": USERS,
        "default_max_allowed_memberships": 0,
        "webhook_retry_schedule": SCHEDULE,
    }


@contextlib.asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn in this loop; yield its origin.

    The socket listens before uvicorn starts, so a request made meanwhile waits in the
    backlog instead of being refused: nothing to wait for.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        yield f"http://127.0.0.1:{port}"
        assert not task.done(), "uvicorn stopped early"
    finally:
        server.should_exit = True
        await task
        listener.close()


async def operate(rng: random.Random, emu: ClerkEmulator, clerk: ClerkClient, n: int) -> str:
    """One random operation through the client, chosen from what the emulator holds."""
    state = emu.state
    orgs = list(state.organizations.values())
    members = [(o.id, m.user_id) for o in orgs for m in state.memberships(o.id)]
    kind = rng.choices(["create", "update", "delete", "add", "role", "remove"], [4, 4, 1, 5, 3, 2])[
        0
    ]
    if kind == "create" or not orgs:
        creator = rng.choice([None, *USERS])
        await clerk.organizations.create(name=f"Org {n}", created_by=creator or UNSET)
        return "create"
    org = rng.choice(orgs)
    if kind == "update":
        if rng.random() < 0.5:
            await clerk.organizations.update(org.id, name=f"Renamed {n}")
        else:
            await clerk.organizations.update(org.id, name=f"Moved {n}", slug=f"moved-{n}")
        return kind
    if kind == "delete":
        await clerk.organizations.delete(org.id)
        return kind
    outsiders = [u for u in USERS if (org.id, u) not in members]
    if kind == "add" or not members:
        if not outsiders:
            return await operate(rng, emu, clerk, n)
        user = rng.choice(outsiders)
        await clerk.organization_memberships.create(org.id, user_id=user, role=rng.choice(ROLES))
        return "add"
    org_id, user = rng.choice(members)
    if kind == "role":
        current = next(m.role for m in state.memberships(org_id) if m.user_id == user)
        new_role = ROLES[1 - ROLES.index(current)]
        await clerk.organization_memberships.update(org_id, user, role=new_role)
        return kind
    await clerk.organization_memberships.delete(org_id, user)
    return "remove"


def clerk_rows(emu: ClerkEmulator) -> tuple[dict[str, tuple[str, str]], set[tuple[str, ...]]]:
    orgs = emu.state.organizations.values()
    return (
        {o.id: (o.name, o.slug) for o in orgs},
        {(o.id, m.user_id, m.role) for o in orgs for m in emu.state.memberships(o.id)},
    )


def mirror_rows(mirror: Mirror) -> tuple[dict[str, tuple[str, str]], set[tuple[str, ...]]]:
    return (
        {o.id: (o.name, o.slug) for o in mirror.organizations.values()},
        {(m.organization_id, m.user_id or "", m.role) for m in mirror.memberships.values()},
    )


def organization_of(message: WebhookMessage) -> str:
    """The organization a message is about."""
    data = json.loads(message.payload)["data"]
    return str(data["organization"]["id"] if "organization" in data else data["id"])


def without(
    rows: tuple[dict[str, tuple[str, str]], set[tuple[str, ...]]], organizations: set[str]
) -> tuple[dict[str, tuple[str, str]], set[tuple[str, ...]]]:
    orgs, memberships = rows
    return (
        {k: v for k, v in orgs.items() if k not in organizations},
        {m for m in memberships if m[0] not in organizations},
    )


async def test_the_mirror_follows_200_random_operations_through_faulty_deliveries(
    clerk_emulator: ClerkEmulator, clerk: ClerkClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = clerk_emulator
    monkeypatch.setenv("CLERK_SECRET_KEY", emu.secret_key)
    monkeypatch.setenv("CLERK_API_URL", emu.base_url)
    app = fastapi_app.create_app()
    mirror: Mirror = app.state.mirror
    async with served(app) as origin:
        endpoint = emu.webhooks.add(f"{origin}/webhooks/clerk", faults=FAULTS)
        monkeypatch.setenv("CLERK_WEBHOOK_SIGNING_SECRET", endpoint.secret)
        rng = random.Random(SEED)
        kinds = Counter([await operate(rng, emu, clerk, n) for n in range(OPERATIONS)])
        await emu.webhooks.idle(timeout=120)
        before_outage = emu.webhooks.messages
        rows_before_outage = mirror_rows(mirror), clerk_rows(emu)
        # Then an outage: every attempt is lost until the schedule runs out.
        emu.webhooks.set_faults(endpoint, WebhookFaults(drop=1.0))
        for n in range(OPERATIONS, OPERATIONS + OUTAGE):
            await operate(rng, emu, clerk, n)
        await emu.webhooks.idle(timeout=120)

    assert set(kinds) == {"create", "update", "delete", "add", "role", "remove"}
    messages = before_outage
    assert {m.status for m in messages} <= {"delivered", "failed"}
    delivered = [m for m in messages if m.status == "delivered"]
    failed = [m for m in messages if m.status == "failed"]

    # Each svix-id delivered was handled once, whatever the duplicates and retries.
    handled = [message_id for message_id, _ in mirror.applied]
    assert len(handled) == len(set(handled))
    assert set(handled) == {m.id for m in delivered}

    # The faults happened, and did what they say.
    attempts = [(m, i, a) for m in messages for i, a in enumerate(m.attempts)]
    faults = Counter(a.fault for _, _, a in attempts)
    assert faults["duplicate"] and faults["drop"] and faults["bad_signature"]
    for message, i, attempt in attempts:
        if attempt.fault == "bad_signature":
            assert attempt.status == 400
        if not attempt.succeeded and message.status == "delivered":
            assert message.attempts[-1].succeeded and i < len(message.attempts) - 1
    retried_bad = [m for m, _, a in attempts if a.fault == "bad_signature"]
    assert any(m.status == "delivered" for m in retried_bad)
    created_order = [m.id for m in sorted(delivered, key=lambda m: m.created_at)]
    assert handled != created_order, "no message arrived out of order"

    # Before any reconcile the mirror was right, except where a message failed for good.
    missed = {organization_of(m) for m in failed}
    mirrored, clerks = rows_before_outage
    assert without(mirrored, missed) == without(clerks, missed)

    # The outage's messages all failed: the mirror missed them, until the reconcile.
    lost = emu.webhooks.messages[len(messages) :]
    assert lost and {m.status for m in lost} == {"failed"}
    assert {m.id for m in lost}.isdisjoint(mirror.handled)
    assert mirror_rows(mirror) != clerk_rows(emu)
    await reconcile(clerk, mirror)
    assert mirror_rows(mirror) == clerk_rows(emu)


async def test_two_writes_in_one_millisecond_are_ordered_by_updated_at() -> None:
    # The emulator is faster than Clerk: two writes to one record can share a millisecond. Their
    # events must still order by updated_at, or a receiver keeps whichever came first.
    async with ClerkEmulator(users=USERS, clock=lambda: 1_732_000_000_000) as emu:
        captured = await emu.webhooks.capture()
        org = emu.state.create_organization("First", created_by="user_1")
        emu.state.update_organization(org.id, name="Second")
        emu.state.update_membership(org.id, "user_1", role="org:member")
        await emu.webhooks.idle()
        for arrival in (captured.events, captured.events[::-1]):
            mirror = Mirror()
            for event in arrival:
                mirror.apply(event)
            assert mirror_rows(mirror) == clerk_rows(emu)
