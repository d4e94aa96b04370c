"""``examples/fastapi_app.py`` served by uvicorn in its own process, launched as documented."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import aiohttp
import pytest

from clerk_orgs_async.testing import ClerkEmulator

ROOT = Path(__file__).resolve().parents[1]


# uvicorn's log line once it listens; with `--port 0` it names the port the system gave it
# (a port probed free beforehand could be taken by a parallel test before uvicorn binds it).
_RUNNING = re.compile(rb"Uvicorn running on http://127\.0\.0\.1:(\d+) ")


@pytest.mark.parametrize(
    ("cwd", "target"),
    [
        pytest.param("root", ["examples.fastapi_app:app"], id="from-the-repository-root"),
        pytest.param(
            "elsewhere", ["--app-dir", str(ROOT / "examples"), "fastapi_app:app"], id="app-dir"
        ),
    ],
)
async def test_uvicorn_serves_the_example(tmp_path: Path, cwd: str, target: list[str]) -> None:
    async with ClerkEmulator(users=["user_1"]) as emu:
        server = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "uvicorn",
            *target,
            "--port",
            "0",
            cwd=ROOT if cwd == "root" else tmp_path,
            env={**os.environ, "CLERK_SECRET_KEY": emu.secret_key, "CLERK_API_URL": emu.base_url},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            assert server.stderr is not None
            while (
                running := _RUNNING.search(
                    line := await asyncio.wait_for(server.stderr.readline(), 30)
                )
            ) is None:
                assert line, "uvicorn exited"
            port = int(running.group(1))
            async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
                async with http.post(
                    "/organizations", json={"name": "Acme", "created_by": "user_1"}
                ) as created:
                    assert created.status == 201
                    org = await created.json()
                async with http.get(f"/organizations/{org['id']}/members") as members:
                    assert await members.json() == [{"user_id": "user_1", "role": "org:admin"}]
                async with http.get("/organizations/org_missing/members") as missing:
                    assert missing.status == 404
        finally:
            server.terminate()
            await server.wait()
