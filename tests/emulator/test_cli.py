"""``clerk-orgs emulator``: runs in the foreground, prints where it is, saves state on exit."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
from pathlib import Path

import aiohttp
import click
import pytest
from click.testing import CliRunner

from clerk_orgs_async._cli import main

from ._process import emulator_process


async def test_the_command_serves_and_saves_on_sigint(tmp_path: Path) -> None:
    data = tmp_path / "state.json"
    args = (
        "--secret-key=sk_test_local",
        "--users=3",
        "--seed-orgs=2",
        f"--data={data}",
        "--request-log-size=1",
    )
    async with emulator_process(*args) as emu:
        assert emu.secret_key == "sk_test_local"
        assert emu.base_url.startswith("http://127.0.0.1:")
        assert emu.base_url.endswith("/v1")
        assert "Users: user_1, user_2, user_3\n" in emu.banner
        async with aiohttp.ClientSession() as session:
            for name in ("First", "From the CLI"):
                async with session.post(
                    emu.base_url + "/organizations",
                    json={"name": name},
                    headers={"Authorization": "Bearer sk_test_local"},
                ) as response:
                    assert response.status == 200
            assert emu.settings["console"] == emu.base_url.removesuffix("v1")
            async with session.get(emu.settings["console"]) as console:
                assert console.status == 200
                page = await console.text()
            assert "From the CLI" in page
            assert page.count('<tr data-seq="') == 1, "the log keeps --request-log-size requests"
        emu.process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(emu.process.wait(), 20) == 0
    saved = json.loads(data.read_text())
    assert [u["id"] for u in saved["users"]] == ["user_1", "user_2", "user_3"]
    names = sorted(org["name"] for org in saved["organizations"])
    assert names == ["First", "From the CLI", "Organization 1", "Organization 2"]


def test_bad_options_are_refused_with_a_hint() -> None:
    runner = CliRunner()
    rate = runner.invoke(main, ["emulator", "--rate-limit", "lots"])
    latency = runner.invoke(main, ["emulator", "--latency", "1,2,3"])
    log_size = runner.invoke(main, ["emulator", "--request-log-size", "-1"])
    host = runner.invoke(main, ["emulator", "--allow-host", "a b"])
    assert rate.exit_code == latency.exit_code == log_size.exit_code == host.exit_code == 2
    assert "'a b' is not a host name" in host.output
    assert "REQUESTS/SECONDS" in rate.output
    assert "LOW,HIGH" in latency.output


def test_the_group_lists_the_emulator_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "emulator" in result.output


def test_a_busy_port_is_a_one_line_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["emulator", f"--port={port}"])
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "--port 0" in result.stderr
    assert "Traceback" not in result.output


def test_a_damaged_data_file_is_a_one_line_error(tmp_path: Path) -> None:
    data = tmp_path / "state.json"
    data.write_text('{"users": [')
    result = CliRunner().invoke(main, ["emulator", "--port=0", f"--data={data}"])
    assert result.exit_code == 2
    assert f"Invalid value for '--data': {data} is not valid JSON" in result.stderr
    assert "Traceback" not in result.output
    assert data.read_text() == '{"users": ['


@pytest.mark.parametrize(
    ("users", "ids"),
    [
        ("0", []),
        ("2", ["user_1", "user_2"]),
        ("alice,bob", ["user_alice", "user_bob"]),
        ("user_carol, dave", ["user_carol", "user_dave"]),
    ],
)
def test_users_are_predictable(users: str, ids: list[str]) -> None:
    from clerk_orgs_async._cli._emulator import _users

    assert [u.id for u in _users(click.Context(main), click.Option(["--users"]), users)] == ids


@pytest.mark.parametrize("users", ["-1", "a b", "alice,,bob", "ü"])
def test_bad_users_are_refused(users: str) -> None:
    result = CliRunner().invoke(main, ["emulator", f"--users={users}"])
    assert result.exit_code == 2
    assert "user_alice" in result.stderr


async def test_webhook_endpoints_print_their_signing_secret(tmp_path: Path) -> None:
    from aiohttp import web
    from svix.webhooks import Webhook

    received: list[tuple[dict[str, str], bytes]] = []
    arrived = asyncio.Event()

    async def receive(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.read()))
        arrived.set()
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    args = ("--secret-key=sk_test_local", f"--webhook={url}", "--webhook-faults=duplicate=1")
    try:
        async with emulator_process(*args) as emu:
            assert emu.process.stdout is not None
            line = (await asyncio.wait_for(emu.process.stdout.readline(), 30)).decode()
            assert line.startswith("export CLERK_WEBHOOK_SIGNING_SECRET=whsec_")
            secret = line.strip().partition("=")[2]
            async with (
                aiohttp.ClientSession() as session,
                session.post(
                    emu.base_url + "/organizations",
                    json={"name": "Hooked"},
                    headers={"Authorization": "Bearer sk_test_local"},
                ) as response,
            ):
                assert response.status == 200
            while len(received) < 2:  # the duplicate fault: each message twice
                arrived.clear()
                await asyncio.wait_for(arrived.wait(), 20)
            emu.process.send_signal(signal.SIGINT)
            assert await asyncio.wait_for(emu.process.wait(), 20) == 0
    finally:
        await runner.cleanup()
    for headers, body in received:
        Webhook(secret).verify(body, headers)
        assert json.loads(body)["type"] == "organization.created"
    assert len({h["svix-id"] for h, _ in received}) == 1


def test_bad_webhook_options_are_refused_with_a_hint() -> None:
    runner = CliRunner()
    faults = runner.invoke(main, ["emulator", "--webhook-faults", "drop=lots"])
    url = runner.invoke(main, ["emulator", "--webhook", "ftp://example.com/"])
    alone = runner.invoke(main, ["emulator", "--webhook-faults", "drop=0.5"])
    assert faults.exit_code == url.exit_code == alone.exit_code == 2
    assert "FAULT=VALUE" in faults.output
    assert "they apply to --webhook endpoints" in alone.output
    assert "http(s) URL" in url.output
