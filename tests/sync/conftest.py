"""Emulator options for the sync tests: seeded users and a client with quick retries."""

from __future__ import annotations

from typing import Any

import pytest

from clerk_orgs_async import RetryPolicy
from clerk_orgs_async.sync import DesiredMember, DesiredOrganization
from clerk_orgs_async.testing import ClerkEmulator

USERS = [f"user_{n}" for n in range(1, 21)]
QUICK_RETRY = RetryPolicy(initial_delay=0.001, max_delay=0.01, max_attempts=8)


@pytest.fixture
def clerk_emulator_options() -> dict[str, Any]:
    return {"users": USERS}


@pytest.fixture
def clerk_client_options() -> dict[str, Any]:
    return {"retry": QUICK_RETRY}


def state(emulator: ClerkEmulator) -> dict[str, DesiredOrganization]:
    """Every organization in the emulator by slug, as a desired record (members by user ID)."""
    return {
        org.slug: DesiredOrganization(
            slug=org.slug,
            name=org.name,
            max_allowed_memberships=org.max_allowed_memberships,
            public_metadata=org.public_metadata,
            private_metadata=org.private_metadata,
            members=sorted(
                (DesiredMember(m.user_id, m.role) for m in emulator.state.memberships(org.id)),
                key=lambda member: member.name,
            ),
        )
        for org in emulator.state.organizations.values()
    }


def writes(emulator: ClerkEmulator) -> list[str]:
    """The write requests the emulator received, as "METHOD path"."""
    return [f"{r.method} {r.path}" for r in emulator.requests if r.method != "GET"]
