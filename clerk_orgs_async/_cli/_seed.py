"""Predictable users and the demo's organizations, for the emulators the command line starts.

``clerk-orgs emulator --users N``, ``--emulator`` and ``demo`` all name their users
``user_1`` … ``user_N``, so that what one prints the others accept.
"""

from __future__ import annotations

import random
from typing import Any

from clerk_orgs_async.testing import UserRecord

EMULATOR_USER_COUNT = 40
"""How many users ``--emulator`` and ``demo`` start with."""
DEMO_ORGANIZATIONS = 300
_WORDS = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell", "aperture"]
_KINDS = ["labs", "robotics", "foods", "media", "health", "logistics", "energy", "studio"]
_PLANS = ["free", "pro", "enterprise"]
_REGIONS = ["eu", "us", "apac"]


def numbered_user(n: int) -> UserRecord:
    """``user_{n}``, with a name, an email address, a username and a phone number."""
    return UserRecord(
        id=f"user_{n}",
        first_name="User",
        last_name=str(n),
        email_address=f"user{n}@example.com",
        username=f"user{n}",
        phone_number=f"+1555{n:07d}",
    )


def named_user(name: str) -> UserRecord:
    """``user_{name}``: ``alice`` gives Alice, alice@example.com, username alice."""
    return UserRecord(
        id=f"user_{name}",
        first_name=name.capitalize(),
        email_address=f"{name.lower()}@example.com",
        username=name.lower(),
    )


def emulator_users() -> list[UserRecord]:
    """The users of ``--emulator`` and ``demo``: ``user_1`` … ``user_40``."""
    return [numbered_user(n) for n in range(1, EMULATOR_USER_COUNT + 1)]


def demo_organizations(count: int = DEMO_ORGANIZATIONS) -> list[dict[str, Any]]:
    """The demo's organizations as desired-state records; the same on every call.

    Generated rather than read from a file, so that an installed package has them.
    ``examples/organizations.jsonl`` is this list, written out to look at.
    """
    rng = random.Random(2024)  # noqa: S311 - example data, not secrets
    ids = [user.id for user in emulator_users()]
    records = []
    for n in range(1, count + 1):
        word, kind = rng.choice(_WORDS), rng.choice(_KINDS)
        users = rng.sample(ids, rng.randint(1, 5))
        members = [{"user_id": users[0], "role": "org:admin"}]
        members += [{"user_id": user, "role": "org:member"} for user in users[1:]]
        records.append(
            {
                "slug": f"{word}-{kind}-{n:03d}",
                "name": f"{word.title()} {kind.title()} {n}",
                "max_allowed_memberships": 10,
                "public_metadata": {"plan": rng.choice(_PLANS), "region": rng.choice(_REGIONS)},
                "private_metadata": {"crm_id": f"crm-{rng.randrange(10**6):06d}"},
                "members": members,
            }
        )
    return records
