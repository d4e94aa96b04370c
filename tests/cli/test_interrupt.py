"""Ctrl-C during ``clerk-orgs sync``: a real SIGINT to the command, against an emulator with
latency, each in its own process. The command prints what it did and exits with 130."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from yarl import URL

from tests.emulator._process import COMMAND, emulator_process

# Two processes and an emulator slowed on purpose, seconds each: make test runs these, make
# check does not.
pytestmark = pytest.mark.slow

KEY = "sk_test_interrupted"


async def _organizations(session: aiohttp.ClientSession, base_url: str) -> dict[str, set[str]]:
    """Every organization's slug and its members' IDs, read straight from the emulator."""
    found: dict[str, set[str]] = {}
    async with session.get(base_url + "/organizations", params={"limit": 500}) as response:
        orgs = (await response.json())["data"]
    for org in orgs:
        async with session.get(
            f"{base_url}/organizations/{org['id']}/memberships", params={"limit": 500}
        ) as response:
            members = (await response.json())["data"]
        found[org["slug"]] = {m["public_user_data"]["user_id"] for m in members}
    return found


async def _organization_count(session: aiohttp.ClientSession, base_url: str) -> int:
    """How many organizations there are, from the console's feed: one request, no latency."""
    feed = URL(base_url).origin() / "_console" / "log"
    async with session.get(feed) as response:
        count: int = (await response.json())["counts"]["organizations"]
    return count


# The emulator's latency makes the whole sync take far longer (20 s and more) than the test
# takes to see its first organizations and send SIGINT, and the test looks with one cheap
# request: on a loaded machine a sync that finished first would exit 0 instead of 130.


async def test_ctrl_c_prints_what_was_done_and_exits_130(tmp_path: Path) -> None:
    file = tmp_path / "orgs.jsonl"
    records = [
        {
            "slug": f"org-{n}",
            "name": f"Org {n}",
            "members": [
                {"user_id": "user_1", "role": "org:admin"},
                {"user_id": "user_2"},
                {"user_id": "user_3"},
            ],
        }
        for n in range(80)
    ]
    file.write_text("".join(json.dumps(r) + "\n" for r in records))
    async with (
        emulator_process("--latency=0.2", "--users=3", f"--secret-key={KEY}") as emu,
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {KEY}"}) as session,
    ):
        sync = await asyncio.create_subprocess_exec(
            *COMMAND,
            "sync",
            str(file),
            "--concurrency=2",
            "--json",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "CLERK_API_URL": emu.base_url, "CLERK_SECRET_KEY": KEY},
        )
        while await _organization_count(session, emu.base_url) < 6:
            await asyncio.sleep(0.05)
        sync.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(sync.communicate(), 30)
        assert sync.returncode == 130, err.decode()
        assert b"Traceback" not in err
        report: dict[str, Any] = json.loads(out)
        actual = await _organizations(session, emu.base_url)
    assert report["interrupted"] is True
    assert 6 <= len(actual) < len(records)

    def done(kind: str, outcome: str) -> set[tuple[str, str | None]]:
        return {
            (a["key"], a["user_id"])
            for a in report["actions"]
            if a["kind"] == kind and a["outcome"] == outcome
        }

    created = {(slug, None) for slug in actual}
    assert (
        done("create", "applied")
        <= created
        <= done("create", "applied") | done("create", "unknown")
    )
    added = {(slug, user) for slug, users in actual.items() for user in users - {"user_1"}}
    assert done("add_member", "applied") <= added
    assert added <= done("add_member", "applied") | done("add_member", "unknown")


async def test_the_table_report_says_it_was_interrupted(tmp_path: Path) -> None:
    file = tmp_path / "orgs.jsonl"
    file.write_text(
        "".join(json.dumps({"slug": f"o-{n}", "name": f"O {n}"}) + "\n" for n in range(60))
    )
    async with emulator_process("--latency=0.4", f"--secret-key={KEY}") as emu:
        sync = await asyncio.create_subprocess_exec(
            *COMMAND,
            "sync",
            str(file),
            "--concurrency=1",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "CLERK_API_URL": emu.base_url, "CLERK_SECRET_KEY": KEY},
        )
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {KEY}"}) as session:
            while await _organization_count(session, emu.base_url) < 2:
                await asyncio.sleep(0.05)
        sync.send_signal(signal.SIGINT)
        out, _ = await asyncio.wait_for(sync.communicate(), 30)
    assert sync.returncode == 130
    text = out.decode()
    assert text.startswith("Interrupted: what was done until then.\nSync: ")
    assert "in flight and may or may not have been applied" in text
