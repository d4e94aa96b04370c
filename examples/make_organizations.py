"""Write examples/organizations.jsonl, the organizations `clerk-orgs demo` syncs.

Deterministic (a fixed seed): run it again and the file is the same. Members are drawn from
the users a fresh emulator has under `clerk-orgs --emulator` (user_001 … user_040).

    python examples/make_organizations.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from clerk_orgs_async._cli._connect import EMULATOR_USERS

COUNT = 300
OUT = Path(__file__).with_name("organizations.jsonl")
WORDS = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell", "aperture"]
KINDS = ["labs", "robotics", "foods", "media", "health", "logistics", "energy", "studio"]
PLANS = ["free", "pro", "enterprise"]
REGIONS = ["eu", "us", "apac"]


def organization(n: int, rng: random.Random) -> dict[str, object]:
    word, kind = rng.choice(WORDS), rng.choice(KINDS)
    users = rng.sample(EMULATOR_USERS, rng.randint(1, 5))
    members = [{"user_id": users[0], "role": "org:admin"}]
    members += [{"user_id": user, "role": "org:member"} for user in users[1:]]
    return {
        "slug": f"{word}-{kind}-{n:03d}",
        "name": f"{word.title()} {kind.title()} {n}",
        "max_allowed_memberships": 10,
        "public_metadata": {"plan": rng.choice(PLANS), "region": rng.choice(REGIONS)},
        "private_metadata": {"crm_id": f"crm-{rng.randrange(10**6):06d}"},
        "members": members,
    }


def main() -> None:
    rng = random.Random(2024)  # noqa: S311 - example data, not secrets
    lines = [json.dumps(organization(n, rng)) for n in range(1, COUNT + 1)]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {COUNT} organizations to {OUT}")


if __name__ == "__main__":
    main()
