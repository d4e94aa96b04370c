"""What the commands print: whole IDs in tables at any width, JSON on every command."""

from __future__ import annotations

import asyncio
import json

import pytest
from click.testing import CliRunner

from clerk_orgs_async._cli import main
from tests.cli.conftest import Cli
from tests.emulator._process import emulator_process

LONG = "A Very Long Organization Name That Needs Several Lines In A Narrow Table"


@pytest.mark.parametrize("columns", [None, "80", "60"])
def test_tables_never_cut_ids(cli: Cli, columns: str | None) -> None:
    # None: piped, rich's own default width; then explicit terminal widths.
    state = cli.emulator.state
    state.add_users(["user_" + "x" * 40])
    orgs = [
        state.create_organization(f"{LONG} {n}", slug=f"a-rather-long-slug-number-{n}")
        for n in range(3)
    ]
    state.create_membership(orgs[0].id, "user_" + "x" * 40, "org:member")
    env = {} if columns is None else {"COLUMNS": columns}
    listed = cli.runner.invoke(
        main, ["orgs", "list"], env={**_connection(cli), **env}, catch_exceptions=False
    )
    assert listed.exit_code == 0, listed.output
    for org in orgs:
        assert org.id in listed.stdout  # whole, on one line
    assert "…" not in listed.stdout
    members = cli.runner.invoke(
        main, ["members", "list", orgs[0].id], env={**_connection(cli), **env}
    )
    assert "user_" + "x" * 40 in members.stdout
    assert max(len(line) for line in listed.stdout.splitlines()) <= int(columns or 80)


@pytest.mark.parametrize("columns", [None, "60"])
def test_invitation_and_domain_tables_never_cut_ids_or_addresses(
    cli: Cli, columns: str | None
) -> None:
    state = cli.emulator.state
    org = state.create_organization(LONG, slug="a-rather-long-slug", created_by="user_1")
    email = "someone.with.a.long.name@" + "sub." * 5 + "example.com"
    (invitation,) = state.invitations.create(
        org.id, [{"email_address": email, "role": "org:member"}]
    )
    domain = state.domains.create(org.id, name="a-long-domain-name." + "sub." * 4 + "example.com")
    env = {**_connection(cli), **({} if columns is None else {"COLUMNS": columns})}
    for args, whole in (
        (["invitations", "list", "--all"], [invitation.id, org.id, email]),
        (["invitations", "list", org.id], [invitation.id, email]),
        (["domains", "list", "--all"], [domain.id, org.id]),
        (["domains", "list", org.id], [domain.id]),
    ):
        result = cli.runner.invoke(main, args, env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        for text in whole:
            assert text in result.stdout, (args, text)
        assert "…" not in result.stdout


def _connection(cli: Cli) -> dict[str, str]:
    return {"CLERK_SECRET_KEY": cli.emulator.secret_key, "CLERK_API_URL": cli.emulator.base_url}


def test_delete_and_remove_print_json(cli: Cli) -> None:
    org = cli.emulator.state.create_organization("Acme", slug="acme", created_by="user_1")
    removed = json.loads(cli("members", "remove", "acme", "user_1", "--json").stdout)
    assert removed == {"organization_id": org.id, "user_id": "user_1", "deleted": True}
    deleted = json.loads(cli("orgs", "delete", "acme", "--yes", "--json").stdout)
    assert deleted == {"object": "organization", "id": org.id, "slug": "acme", "deleted": True}


def test_every_command_that_prints_data_offers_json() -> None:
    runner = CliRunner()
    commands = [
        ["orgs", "list"],
        ["orgs", "get"],
        ["orgs", "create"],
        ["orgs", "update"],
        ["orgs", "delete"],
        ["members", "list"],
        ["members", "add"],
        ["members", "remove"],
        ["members", "set-role"],
        ["invitations", "invite"],
        ["invitations", "list"],
        ["invitations", "revoke"],
        ["domains", "add"],
        ["domains", "list"],
        ["domains", "remove"],
        ["domains", "verify"],
        ["roles", "list"],
        ["roles", "create"],
        ["permissions", "list"],
        ["sync"],
        ["emulator"],
    ]
    for command in commands:
        help_text = runner.invoke(main, [*command, "--help"]).output
        assert "--json" in help_text, command
    # export writes data in the format asked for, JSON included.
    assert "jsonl, json or csv" in runner.invoke(main, ["export", "--help"]).output


async def test_the_emulator_prints_its_settings_as_json() -> None:
    async with emulator_process("--json", "--users=alice,bob") as emu:
        settings = json.loads(emu.banner[-1])
        assert settings["users"] == ["user_alice", "user_bob"]
        assert settings["CLERK_API_URL"] == emu.base_url
        emu.process.terminate()
        assert await asyncio.wait_for(emu.process.wait(), 20) == 0
