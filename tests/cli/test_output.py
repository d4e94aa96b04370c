"""What the commands print: whole IDs in tables at any width, JSON on every command."""

from __future__ import annotations

import asyncio
import json

import pytest
from click.testing import CliRunner

from clerk_orgs_async._cli import main
from clerk_orgs_async._cli._table import fit
from tests.cli.conftest import Cli
from tests.emulator._process import emulator_process

LONG = "A Very Long Organization Name That Needs Several Lines In A Narrow Table"


def _cells(stdout: str) -> list[str]:
    """Every line of every cell (headers too) of the tables printed."""
    return [
        cell.strip()
        for line in stdout.splitlines()
        if line[:1] in "│┃"
        for cell in line[1:-1].replace("┃", "│").split("│")
        if cell.strip()
    ]


def _unbroken(stdout: str, values: list[str]) -> None:
    """Each cell line is whole words of ``values``, or a word's start and an ellipsis."""
    words = {word for value in values for word in value.split()}
    for cell in _cells(stdout):
        for word in cell.split():
            if word.endswith("…"):
                assert any(w.startswith(word[:-1]) for w in words), (word, stdout)
            else:
                assert word in words, (word, stdout)


def _seed(cli: Cli, *, long: bool) -> None:
    """An organization with a member, an invitation and a domain, a custom role and
    permission: values of ordinary length, or ``long`` ones."""
    state = cli.emulator.state
    user = "user_" + "x" * 40 if long else "user_2"
    state.add_users([user])
    name, slug = (LONG, "a-rather-long-slug-number") if long else ("Acme Corporation", "acme")
    orgs = [state.create_organization(f"{name} {n}", slug=f"{slug}-{n}") for n in range(3)]
    state.create_membership(orgs[0].id, user, "org:member")
    permission = state.roles.create_permission(
        name="Read the invoices of the organization", key="org:invoices_and_receipts:read"
    )
    state.roles.create_role(
        name="Billing manager", key="org:billing_manager", permissions=[permission.id]
    )
    email = "someone.with.a.long.name@" + "sub." * 5 + "example.com" if long else "ada@acme.com"
    state.invitations.create(orgs[0].id, [{"email_address": email, "role": "org:billing_manager"}])
    domain = "a-long-domain-name." + "sub." * 4 + "example.com" if long else "acme.com"
    state.domains.create(orgs[0].id, name=domain)


HEADERS = (
    "id slug name max members created user role since email status expires organization"
    " enrollment mode verification ownership key permissions"
)


def _values(cli: Cli, args: list[str]) -> tuple[list[str], list[str]]:
    """Every value the command's JSON holds (a timestamp's date too) and the headers; and
    the IDs the table shows (each item's, and its organization's with --all)."""

    def leaves(data: object) -> list[str]:
        if isinstance(data, dict):
            return [v for item in data.values() for v in leaves(item)]
        if isinstance(data, list):
            return [v for item in data for v in leaves(item)]
        text = str(data)
        return [text, text[:10]]  # "2026-12-06T…": tables show the day

    items = json.loads(cli(*args, "--json").stdout)
    shown = ["id", "organization_id"] if "--all" in args else ["id"]
    if args[0] == "members":
        ids = [m["public_user_data"]["user_id"] for m in items]
    else:
        ids = [item[field] for item in items for field in shown]
    return [*leaves(items), HEADERS], ids


def _check(stdout: str, values: list[str], ids: list[str]) -> None:
    _unbroken(stdout, values)
    for value in ids:
        assert value in stdout, (value, stdout)  # whole, on one line


OF_ONE = [
    ["orgs", "list"],
    ["members", "list", "acme-0"],
    ["invitations", "list", "acme-0"],
    ["domains", "list", "acme-0"],
    ["roles", "list"],
    ["permissions", "list"],
]
OF_ALL = [["invitations", "list", "--all"], ["domains", "list", "--all"]]


@pytest.mark.parametrize("columns", [None, "80"])
@pytest.mark.parametrize("args", OF_ONE, ids=" ".join)
def test_tables_fit_80_columns_without_breaking_a_word(
    cli: Cli, columns: str | None, args: list[str]
) -> None:
    # None: piped, rich's own default width (80).
    _seed(cli, long=False)
    values, ids = _values(cli, args)
    listed = cli(*args, env={"COLUMNS": columns})
    assert listed.exit_code == 0, listed.output
    assert max(len(line) for line in listed.stdout.splitlines()) <= 80, listed.stdout
    _check(listed.stdout, values, ids)


@pytest.mark.parametrize("columns", ["80", "60", "40"])
@pytest.mark.parametrize(
    "args",
    [
        [a if a != "acme-0" else "a-rather-long-slug-number-0" for a in args]
        for args in [*OF_ONE, *OF_ALL]
    ],
    ids=" ".join,
)
def test_long_values_keep_ids_whole_and_grow_rather_than_break(
    cli: Cli, columns: str, args: list[str]
) -> None:
    _seed(cli, long=True)
    values, ids = _values(cli, args)
    listed = cli(*args, env={"COLUMNS": columns})
    assert listed.exit_code == 0, listed.output
    _check(listed.stdout, values, ids)


@pytest.mark.parametrize("args", [*OF_ONE, *OF_ALL], ids=" ".join)
def test_wide_prints_every_cell_whole(cli: Cli, args: list[str]) -> None:
    _seed(cli, long=False)
    values, ids = _values(cli, args)
    listed = cli(*args, "--wide", env={"COLUMNS": "40"})
    assert listed.exit_code == 0, listed.output
    assert "…" not in listed.stdout
    _check(listed.stdout, values, ids)
    if args == ["orgs", "list"]:
        for n in range(3):
            assert f"Acme Corporation {n}" in listed.stdout and f"acme-{n}" in listed.stdout


def test_a_name_with_brackets_is_printed_as_written(cli: Cli) -> None:
    cli.emulator.state.create_organization("[bold]Acme[/x]", slug="acme")
    listed = cli("orgs", "list", "--wide")
    assert listed.exit_code == 0, listed.output
    assert "[bold]Acme[/x]" in listed.stdout


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
        ["permissions", "create"],
        ["permissions", "update"],
        ["permissions", "delete"],
        ["sync"],
        ["emulator"],
    ]
    # The commands that print a line or a file, not a table, have no --wide.
    tableless = {"delete", "remove", "emulator"}
    for command in commands:
        help_text = runner.invoke(main, [*command, "--help"]).output
        assert "--json" in help_text, command
        assert ("--wide" in help_text) == (command[-1] not in tableless), command
    # export writes data in the format asked for, JSON included.
    assert "jsonl, json or csv" in runner.invoke(main, ["export", "--help"]).output


async def test_the_emulator_prints_its_settings_as_json() -> None:
    async with emulator_process("--json", "--users=alice,bob") as emu:
        settings = json.loads(emu.banner[-1])
        assert settings["users"] == ["user_alice", "user_bob"]
        assert settings["CLERK_API_URL"] == emu.base_url
        emu.process.terminate()
        assert await asyncio.wait_for(emu.process.wait(), 20) == 0


@pytest.mark.parametrize(
    ("widest", "least", "budget", "widths"),
    [
        ([10, 20], [5, 5], 40, [10, 20]),  # fits: every column whole
        ([10, 20], [5, 5], 24, [10, 14]),  # the widest gives way first
        ([10, 20], [5, 5], 16, [8, 8]),  # then both, evenly
        ([10, 20], [5, 5], 17, [9, 8]),  # what is left goes to the leftmost
        ([10, 20], [5, 12], 17, [5, 12]),  # never below least
        ([10, 20], [8, 12], 10, [8, 12]),  # least even over budget: the table grows
    ],
)
def test_fit(widest: list[int], least: list[int], budget: int, widths: list[int]) -> None:
    assert fit(widest, least, budget) == widths
