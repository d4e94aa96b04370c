"""Write examples/organizations.jsonl: the organizations `clerk-orgs demo` syncs, to look at.

The demo generates them itself (the same list every time); this writes them out.

    python examples/make_organizations.py
"""

from __future__ import annotations

import json
from pathlib import Path

from clerk_orgs_async._cli._seed import demo_organizations

OUT = Path(__file__).with_name("organizations.jsonl")


def main() -> None:
    records = demo_organizations()
    OUT.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    print(f"wrote {len(records)} organizations to {OUT}")


if __name__ == "__main__":
    main()
