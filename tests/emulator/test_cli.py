"""``clerk-orgs emulator``: runs in the foreground, prints where it is, saves state on exit."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import aiohttp
from click.testing import CliRunner

from clerk_orgs_async._cli import main


async def _read_settings(process: asyncio.subprocess.Process) -> dict[str, str]:
    assert process.stdout is not None
    settings: dict[str, str] = {}
    while "CLERK_SECRET_KEY" not in settings:
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
        assert line, "the emulator exited before printing its settings"
        if line.startswith("Web console: "):
            settings["console"] = line.removeprefix("Web console: ").strip()
        name, _, value = line.strip().partition("=")
        if value:
            settings[name] = value
    return settings


async def test_the_command_serves_and_saves_on_sigint(tmp_path: Path) -> None:
    data = tmp_path / "state.json"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from clerk_orgs_async._cli import main; main()",
        "emulator",
        "--port=0",
        "--secret-key=sk_test_local",
        "--users=3",
        "--seed-orgs=2",
        f"--data={data}",
        "--request-log-size=1",
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        settings = await _read_settings(process)
        assert settings["CLERK_SECRET_KEY"] == "sk_test_local"
        assert settings["CLERK_API_URL"].startswith("http://127.0.0.1:")
        assert settings["CLERK_API_URL"].endswith("/v1")
        async with aiohttp.ClientSession() as session:
            for name in ("First", "From the CLI"):
                async with session.post(
                    settings["CLERK_API_URL"] + "/organizations",
                    json={"name": name},
                    headers={"Authorization": "Bearer sk_test_local"},
                ) as response:
                    assert response.status == 200
            assert settings["console"] == settings["CLERK_API_URL"].removesuffix("v1")
            async with session.get(settings["console"]) as console:
                assert console.status == 200
                page = await console.text()
            assert "From the CLI" in page
            assert page.count('<tr data-seq="') == 1, "the log keeps --request-log-size requests"
    finally:
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 20) == 0
    saved = json.loads(data.read_text())
    assert len(saved["users"]) == 3
    names = sorted(org["name"] for org in saved["organizations"])
    assert names == ["First", "From the CLI", "Organization 1", "Organization 2"]


def test_bad_options_are_refused_with_a_hint() -> None:
    runner = CliRunner()
    rate = runner.invoke(main, ["emulator", "--rate-limit", "lots"])
    latency = runner.invoke(main, ["emulator", "--latency", "1,2,3"])
    log_size = runner.invoke(main, ["emulator", "--request-log-size", "-1"])
    assert rate.exit_code == latency.exit_code == log_size.exit_code == 2
    assert "REQUESTS/SECONDS" in rate.output
    assert "LOW,HIGH" in latency.output


def test_the_group_lists_the_emulator_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "emulator" in result.output
