"""``--data`` state is durable: every acknowledged write survives ``kill -9``, a restart never
meets a half-written file, and a damaged file is a clear error, never a silent loss."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yarl import URL

from clerk_orgs_async import ClerkClient, Organization
from clerk_orgs_async.testing import ClerkEmulator, DataFileError, EmulatorState

from ._fuzz import random_request
from ._process import COMMAND, emulator_process
from ._support import Api

KEY = "sk_test_durable"
GIF = b"GIF89a" + b"\x00" * 32


def journal_of(data: Path) -> Path:
    return data.with_name(data.name + ".journal")


def files_now(data: Path, into: Path) -> Path:
    """Copy the data file and its journal as they are on disk now (what a kill -9 leaves)."""
    into.mkdir()
    for file in (data, journal_of(data)):
        shutil.copy(file, into / file.name)
    return into


def put_back(copies: Path, data: Path) -> None:
    """Restore the files saved by :func:`files_now`."""
    for file in (data, journal_of(data)):
        shutil.copy(copies / file.name, file)


async def _acknowledged_writes(clerk: ClerkClient) -> dict[str, Any]:
    """A mix of every kind of write; returns what the emulator acknowledged."""
    orgs = await asyncio.gather(
        *(
            clerk.organizations.create(name=f"Org {n}", slug=f"org-{n}", created_by="user_1")
            for n in range(20)
        )
    )
    await asyncio.gather(
        *(
            clerk.organization_memberships.create(org.id, user_id="user_2", role="org:member")
            for org in orgs[:10]
        )
    )
    merged = await clerk.organizations.merge_metadata(
        orgs[0].id, public_metadata={"plan": "pro", "seats": 3}
    )
    renamed = await clerk.organizations.update(orgs[1].id, name="Renamed")
    with_logo = await clerk.organizations.upload_logo(orgs[2].id, io.BytesIO(GIF))
    await clerk.organization_memberships.update(orgs[3].id, "user_2", role="org:admin")
    await clerk.organizations.delete(orgs[4].id)
    return {"orgs": orgs, "merged": merged, "renamed": renamed, "with_logo": with_logo}


async def test_every_acknowledged_write_survives_kill_9(tmp_path: Path) -> None:
    data = tmp_path / "state.json"
    options = (f"--secret-key={KEY}", "--users=3", f"--data={data}")
    async with emulator_process(*options) as emu:
        async with ClerkClient(KEY, base_url=emu.base_url) as clerk:
            done = await _acknowledged_writes(clerk)
        emu.process.kill()  # SIGKILL: no handler runs, nothing is saved at exit
        await emu.process.wait()
    assert journal_of(data).stat().st_size > 0
    async with (
        emulator_process(*options) as emu,
        ClerkClient(KEY, base_url=emu.base_url) as clerk,
    ):
        orgs: list[Organization] = done["orgs"]
        kept = {org.slug: org async for org in clerk.organizations.list()}
        assert set(kept) == {org.slug for org in orgs} - {"org-4"}
        assert {kept[o.slug].id for o in orgs if o.slug != "org-4"} == {
            o.id for o in orgs if o.slug != "org-4"
        }
        assert kept["org-0"].public_metadata == {"plan": "pro", "seats": 3}
        assert kept["org-1"].name == "Renamed"
        assert kept["org-0"].created_at == done["merged"].created_at
        logo = await clerk.organizations.get(orgs[2].id)
        assert logo.has_image
        assert logo.image_url is not None
        assert done["with_logo"].image_url is not None
        # The same image, served on the new port.
        assert URL(logo.image_url).path == URL(done["with_logo"].image_url).path
        for n, org in enumerate(orgs[:10]):
            if n == 4:
                continue
            roles = {
                m.public_user_data.user_id: m.role
                async for m in clerk.organization_memberships.list(org.id)
                if m.public_user_data is not None
            }
            assert roles == {
                "user_1": "org:admin",
                "user_2": "org:admin" if n == 3 else "org:member",
            }


async def test_kill_9_in_the_middle_of_a_burst_loses_no_acknowledged_create(
    tmp_path: Path,
) -> None:
    data = tmp_path / "state.json"
    options = (f"--secret-key={KEY}", f"--data={data}")
    acknowledged: list[Organization] = []
    async with emulator_process(*options) as emu:
        async with ClerkClient(KEY, base_url=emu.base_url, retry=None) as clerk:

            async def create(n: int) -> None:
                acknowledged.append(await clerk.organizations.create(name=f"B{n}", slug=f"b-{n}"))
                if len(acknowledged) == 60:
                    emu.process.kill()

            results = await asyncio.gather(*(create(n) for n in range(300)), return_exceptions=True)
        await emu.process.wait()
    assert len(acknowledged) >= 60
    assert any(isinstance(r, Exception) for r in results)  # the kill cut some off
    async with (
        emulator_process(*options) as emu,
        ClerkClient(KEY, base_url=emu.base_url) as clerk,
    ):
        kept = {org.id: org async for org in clerk.organizations.list()}
    for org in acknowledged:
        assert kept[org.id].slug == org.slug


async def _state_after_restart(data: Path, tmp_path: Path) -> dict[str, Any]:
    """Start a second emulator from copies of the files as they are now on disk."""
    copies = files_now(data, tmp_path / "killed")
    async with ClerkEmulator(data_file=copies / data.name) as second:
        return second.state.snapshot()


@pytest.mark.slow  # a soak of 25 emulators on disk: make test runs it, make check does not
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_the_files_hold_exactly_the_state_after_any_requests(
    tmp_path_factory: pytest.TempPathFactory,
    emulator_options: dict[str, Any],
    data: st.DataObject,
) -> None:
    # Generic over routes and records: whatever the API can do, a restart from the files on
    # disk (without a clean close) rebuilds the same state.
    tmp_path = tmp_path_factory.mktemp("durable")
    file = tmp_path / "state.json"
    async with (
        ClerkEmulator(**emulator_options, data_file=file) as emu,
        aiohttp.ClientSession() as session,
    ):
        api = Api(session, emu)
        for _ in range(data.draw(st.integers(1, 15), label="requests")):
            await random_request(api, data)
        assert await _state_after_restart(file, tmp_path) == emu.state.snapshot()


async def test_a_torn_last_journal_entry_is_dropped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "state.json"
    async with ClerkEmulator(users=["user_1"], data_file=data) as emu, emu.client() as clerk:
        await clerk.organizations.create(name="Kept", slug="kept")
        await clerk.organizations.create(name="Torn", slug="torn")
        killed = files_now(data, tmp_path / "killed")
    # As if killed then, with the second write's line cut off half way.
    put_back(killed, data)
    lines = journal_of(data).read_bytes().splitlines(keepends=True)
    assert len(lines) == 2
    journal_of(data).write_bytes(lines[0] + lines[1][: len(lines[1]) // 2])
    with caplog.at_level(logging.WARNING, logger="clerk_orgs_async.testing"):
        async with ClerkEmulator(data_file=data) as emu:
            slugs = {org.slug for org in emu.state.organizations.values()}
    assert slugs == {"kept"}
    assert "incomplete last entry" in caplog.text
    assert journal_of(data).read_bytes() == b""  # compacted at start


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"version": 1, "users": [', "not valid JSON"),
        (b"\xff\xfe garbage", "not valid JSON"),
        (b"[1, 2]", "not an emulator state"),
        (b'{"version": 1, "users": [{"nope": 1}]}', "not an emulator state"),
    ],
)
async def test_a_damaged_data_file_is_a_clear_error(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    data = tmp_path / "state.json"
    data.write_bytes(content)
    emulator = ClerkEmulator(data_file=data)
    with pytest.raises(DataFileError, match=reason) as raised:
        await emulator.start()
    assert str(data) in str(raised.value)
    assert data.read_bytes() == content  # left as it was, for the user to look at
    with pytest.raises(RuntimeError, match="not started"):
        _ = emulator.base_url


def _saved_state() -> dict[str, Any]:
    """A saved state with one of everything, as JSON would read it back."""
    state = EmulatorState()
    state.add_users(["user_a", "user_b"])
    org = state.create_organization("Acme", slug="acme", created_by="user_a")
    state.create_membership(org.id, "user_b", "org:member")
    state.invitations.create(org.id, [{"email_address": "i@example.com", "role": "org:member"}])
    state.domains.create(org.id, "acme.io")
    saved: dict[str, Any] = json.loads(json.dumps(state.snapshot()))
    return saved


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change to a saved state: ``organizations.0.name`` set to ``value``."""

    def change(saved: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = saved
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[int(last) if isinstance(target, list) else last] = value

    return change


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (_set("users.0.id", 5), "users[0].id"),
        (_set("organizations.0.name", 5), "organizations[0].name"),
        (_set("organizations.0.slug", None), "organizations[0].slug"),
        (_set("organizations.0.public_metadata", [1]), "organizations[0].public_metadata"),
        (_set("organizations.0.max_allowed_memberships", "5"), "max_allowed_memberships"),
        (_set("organizations.0.admin_delete_enabled", 1), "admin_delete_enabled"),
        (_set("memberships.1.user_id", "user_ghost"), "memberships[1].user_id"),
        (_set("memberships.1.organization_id", "org_ghost"), "memberships[1].organization_id"),
        (_set("invitations.0.organization_id", "org_ghost"), "invitations[0].organization_id"),
        (_set("domains.0.organization_id", "org_ghost"), "domains[0].organization_id"),
        (_set("roles_and_permissions.creator_role_id", "role_ghost"), "creator_role_id"),
        (_set("roles_and_permissions.roles.0.permission_ids", ["perm_x"]), "permission_ids"),
        (_set("logos", {"img_1": {"content_type": "image/png", "data": "@@"}}), "logos"),
        (_set("users", {"id": "user_a"}), "users"),
    ],
)
async def test_a_data_file_of_the_wrong_shape_is_refused_whole(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], problem: str
) -> None:
    # Valid JSON that would load and then make the API answer 500, or load in part.
    saved = _saved_state()
    change(saved)
    data = tmp_path / "state.json"
    data.write_text(json.dumps(saved))
    emulator = ClerkEmulator(data_file=data)
    with pytest.raises(DataFileError, match=re.escape(problem)):
        await emulator.start()
    assert emulator.state.organizations == {}
    assert json.loads(data.read_text()) == saved


async def test_a_damaged_entry_inside_the_journal_is_a_clear_error(tmp_path: Path) -> None:
    data = tmp_path / "state.json"
    async with ClerkEmulator(data_file=data) as emu, emu.client() as clerk:
        for n in range(3):
            await clerk.organizations.create(name=f"O{n}")
        killed = files_now(data, tmp_path / "killed")
    put_back(killed, data)
    lines = journal_of(data).read_bytes().splitlines(keepends=True)
    journal_of(data).write_bytes(lines[0] + b"{garbage\n" + lines[2])
    with pytest.raises(DataFileError, match=r"line 2"):
        await ClerkEmulator(data_file=data).start()


async def test_a_crash_during_compaction_applies_no_write_twice(tmp_path: Path) -> None:
    data = tmp_path / "state.json"
    users = ["user_1", "user_2"]
    async with ClerkEmulator(users=users, data_file=data) as emu, emu.client() as clerk:
        org = await clerk.organizations.create(name="Once", slug="once", created_by="user_1")
        await clerk.organization_memberships.create(org.id, user_id="user_2", role="org:member")
        shutil.copy(journal_of(data), tmp_path / "journal")
        expected = emu.state.snapshot()
    # Killed after the compacted file was renamed into place, before the journal was emptied.
    shutil.copy(tmp_path / "journal", journal_of(data))
    async with ClerkEmulator(data_file=data) as emu:
        assert emu.state.snapshot() == expected
        assert emu.state.organizations[org.id].members_count == 2


async def test_a_leftover_temporary_file_is_ignored(tmp_path: Path) -> None:
    data = tmp_path / "state.json"
    async with ClerkEmulator(data_file=data) as emu:
        emu.state.create_organization("Kept", slug="kept")
    data.with_name(data.name + ".tmp").write_bytes(b'{"half": ')
    async with ClerkEmulator(data_file=data) as emu:
        assert [o.slug for o in emu.state.organizations.values()] == ["kept"]
    assert not data.with_name(data.name + ".tmp").exists()


async def test_a_reset_from_the_web_console_is_kept_too(tmp_path: Path) -> None:
    from clerk_orgs_async.testing._console._routes import CONSOLE

    data = tmp_path / "state.json"
    async with (
        ClerkEmulator(users=["user_1"], data_file=data) as emu,
        emu.client() as clerk,
        aiohttp.ClientSession() as http,
    ):
        await clerk.organizations.create(name="Before", slug="before")
        origin = emu.console_url.rstrip("/")
        async with http.post(
            emu.console_url + "_console/reset",
            data={"token": emu.app[CONSOLE].token},
            headers={"Origin": origin, "Sec-Fetch-Site": "same-origin"},
            allow_redirects=False,
        ) as reset:
            assert reset.status == 303
        after = await clerk.organizations.create(name="After", slug="after")
        killed = files_now(data, tmp_path / "killed")
    put_back(killed, data)
    async with ClerkEmulator(data_file=data) as emu:
        assert [o.id for o in emu.state.organizations.values()] == [after.id]


async def test_a_second_emulator_on_the_same_data_file_refuses_to_start(tmp_path: Path) -> None:
    data = tmp_path / "state.json"
    async with ClerkEmulator(users=["user_1"], data_file=data) as first, first.client() as clerk:
        before = await clerk.organizations.create(name="Before", slug="before")
        second = ClerkEmulator(data_file=data)
        with pytest.raises(DataFileError, match=r"in use by another emulator \(process \d+\)"):
            await second.start()
        with pytest.raises(RuntimeError, match="not started"):
            _ = second.base_url
        # The refusal touched nothing: the first one's journal still holds its writes.
        after = await clerk.organizations.create(name="After", slug="after")
        killed = files_now(data, tmp_path / "killed")
    put_back(killed, data)
    async with ClerkEmulator(data_file=data) as emu:  # the lock went with the first one
        assert list(emu.state.organizations) == [before.id, after.id]


async def test_the_cli_refuses_a_data_file_in_use_and_a_kill_9_frees_it(tmp_path: Path) -> None:
    data = tmp_path / "state.json"
    options = (f"--secret-key={KEY}", "--users=3", f"--data={data}")
    async with emulator_process(*options) as first:
        second = await asyncio.create_subprocess_exec(
            *COMMAND,
            "emulator",
            "--port=0",
            *options,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(second.communicate(), 60)
        assert second.returncode == 2, (out, err)
        message = err.decode()
        assert f"in use by another emulator (process {first.process.pid})" in message
        assert "Traceback" not in message
        async with ClerkClient(KEY, base_url=first.base_url) as clerk:
            org = await clerk.organizations.create(name="Kept", slug="kept")
        first.process.kill()
        await first.process.wait()
    async with (
        emulator_process(*options) as emu,
        ClerkClient(KEY, base_url=emu.base_url) as clerk,
    ):
        assert [o.id async for o in clerk.organizations.list()] == [org.id]
