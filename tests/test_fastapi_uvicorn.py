"""``examples/fastapi_app.py`` served by uvicorn in its own process, launched as documented."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from clerk_orgs_async.testing import ClerkEmulator

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


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
    port = _free_port()
    async with ClerkEmulator(users=["user_1"]) as emu:
        server = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "uvicorn",
            *target,
            "--port",
            str(port),
            cwd=ROOT if cwd == "root" else tmp_path,
            env={**os.environ, "CLERK_SECRET_KEY": emu.secret_key, "CLERK_API_URL": emu.base_url},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            assert server.stderr is not None
            while b"Uvicorn running on" not in (
                line := await asyncio.wait_for(server.stderr.readline(), 30)
            ):
                assert line, "uvicorn exited"
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
