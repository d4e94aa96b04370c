"""clerk-orgs orgs, members, demo and the global options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from clerk_orgs_async._cli import main
from clerk_orgs_async._cli._seed import demo_organizations
from tests.cli.conftest import Cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "organizations.jsonl"


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in (
        "sync", "export", "orgs", "members", "invitations", "domains", "roles", "permissions",
        "demo", "emulator", "--emulator",
    ):  # fmt: skip
        assert command in result.stdout


def test_orgs_create_get_update_list_delete(cli: Cli) -> None:
    created = cli(
        "orgs", "create", "--name", "Acme", "--slug", "acme", "--created-by", "user_1",
        "--max-memberships", "3", "--public-metadata", '{"plan": "pro"}', "--json",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    org = json.loads(created.stdout)
    assert (org["slug"], org["max_allowed_memberships"]) == ("acme", 3)
    assert org["public_metadata"] == {"plan": "pro"}
    got = json.loads(cli("orgs", "get", "acme", "--json").stdout)
    assert (got["id"], got["members_count"]) == (org["id"], 1)
    updated = cli(
        "orgs", "update", "acme", "--name", "Acme Inc", "--private-metadata", '{"k": 1}', "--json"
    )
    assert updated.exit_code == 0, updated.output
    assert json.loads(updated.stdout)["name"] == "Acme Inc"
    assert cli.emulator.state.get_organization("acme").private_metadata == {"k": 1}
    listed = cli("orgs", "list", "--json")
    assert [o["slug"] for o in json.loads(listed.stdout)] == ["acme"]
    assert "Acme Inc" in cli("orgs", "list").stdout
    assert cli("orgs", "delete", "acme", input="n\n").exit_code == 1
    assert "acme" in cli("orgs", "list", "--json").stdout
    deleted = cli("orgs", "delete", "acme", "--yes")
    assert deleted.exit_code == 0
    assert "deleted acme" in deleted.stdout
    assert cli.emulator.state.organizations == {}


def test_api_errors_exit_1(cli: Cli) -> None:
    result = cli("orgs", "get", "nope")
    assert result.exit_code == 1
    assert "NotFoundError: 404 resource_not_found" in result.stderr


def test_bad_metadata_option(cli: Cli) -> None:
    result = cli("orgs", "create", "--name", "A", "--public-metadata", "[1]")
    assert result.exit_code == 2
    assert "must be a JSON object" in result.stderr
    assert cli.writes() == []


def test_members_add_list_set_role_remove(cli: Cli) -> None:
    org = cli.emulator.state.create_organization("Acme", slug="acme", created_by="user_1")
    added = cli("members", "add", "acme", "user_2", "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["role"] == "org:member"
    promoted = cli("members", "set-role", org.id, "user_2", "org:admin", "--json")
    assert json.loads(promoted.stdout)["role"] == "org:admin"
    listed = json.loads(cli("members", "list", "acme", "--json").stdout)
    assert [m["public_user_data"]["user_id"] for m in listed] == ["user_1", "user_2"]
    assert "user_2" in cli("members", "list", "acme").stdout
    removed = cli("members", "remove", "acme", "user_1")
    assert removed.exit_code == 0
    assert [m.user_id for m in cli.emulator.state.memberships(org.id)] == ["user_2"]
    assert cli("members", "remove", "acme", "user_1").exit_code == 1


def test_global_emulator_option() -> None:
    runner = CliRunner()
    args = ["--emulator", "orgs", "create", "--name", "Acme", "--created-by", "user_40", "--json"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["created_by"] == "user_40"
    # Each run gets a fresh emulator.
    assert json.loads(runner.invoke(main, ["--emulator", "orgs", "list", "--json"]).stdout) == []


@pytest.mark.parametrize("value", [None, "", "  "])
def test_missing_secret_key_names_the_option_and_the_variable(value: str | None) -> None:
    result = CliRunner().invoke(main, ["orgs", "list"], env={"CLERK_SECRET_KEY": value})
    assert result.exit_code == 2
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert error == "Error: no Clerk secret key: pass --secret-key or set CLERK_SECRET_KEY"


def test_secret_key_and_base_url_options(cli: Cli) -> None:
    emu = cli.emulator
    emu.state.create_organization("Acme", slug="acme")
    args = ["--secret-key", emu.secret_key, "--base-url", emu.base_url, "orgs", "get", "acme"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    wrong = CliRunner().invoke(main, ["--secret-key", "sk_test_wrong", *args[2:]])
    assert wrong.exit_code == 1
    assert "AuthenticationError" in wrong.stderr


def test_demo_with_a_file(tmp_path: Path) -> None:
    small = tmp_path / "few.jsonl"
    small.write_text("".join(EXAMPLE.read_text().splitlines(keepends=True)[:12]))
    result = CliRunner().invoke(main, ["demo", "--file", str(small)])
    assert result.exit_code == 0, result.output
    assert "Sync 12 organizations from few.jsonl" in result.stdout
    assert "Plan: 5 action(s)" in result.stdout
    assert "everything is in sync (0 actions)" in result.stdout
    assert "Export: 12 organizations" in result.stdout
    assert "identical to the edited file: True" in result.stdout


def test_demo_reads_a_file_of_another_extension_with_format(tmp_path: Path) -> None:
    small = tmp_path / "few.txt"
    small.write_text("".join(EXAMPLE.read_text().splitlines(keepends=True)[:12]))
    refused = CliRunner().invoke(main, ["demo", "--file", str(small)])
    assert refused.exit_code == 2
    assert "cannot tell the format of few.txt" in refused.stderr
    result = CliRunner().invoke(main, ["demo", "--file", str(small), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert "Sync 12 organizations from few.txt" in result.stdout


def test_demo_needs_no_file() -> None:
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    assert "Sync 300 organizations from generated records" in result.stdout
    assert "Export: 300 organizations" in result.stdout
    assert "identical to the edited file: True" in result.stdout


def test_the_example_file_is_the_demo_data() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == demo_organizations()
