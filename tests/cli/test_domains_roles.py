"""clerk-orgs domains, roles and permissions, and every new command on a throwaway emulator."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from clerk_orgs_async._cli import main
from tests.cli.conftest import Cli


def _ok(result: Result) -> object:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _one_line_error(result: Result, status: int, fragment: str) -> None:
    assert result.exit_code == status, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and fragment in errors[0], result.stderr


def test_domains_add_list_verify_remove(cli: Cli) -> None:
    org = cli.emulator.state.create_organization("Acme", slug="acme", created_by="user_1")
    other = cli.emulator.state.create_organization("Globex", slug="globex", created_by="user_2")
    added = _ok(
        cli(
            "domains", "add", "acme", "acme.com",
            "--enrollment-mode", "automatic_invitation", "--json",
        )
    )  # fmt: skip
    assert isinstance(added, dict)
    assert (added["name"], added["enrollment_mode"]) == ("acme.com", "automatic_invitation")
    assert added["organization_id"] == org.id
    verified = _ok(cli("domains", "add", "globex", "globex.io", "--verified", "--json"))
    assert isinstance(verified, dict) and verified["verification"]["status"] == "verified"
    listed = _ok(cli("domains", "list", "acme", "--json"))
    assert isinstance(listed, list) and [d["name"] for d in listed] == ["acme.com"]
    everywhere = _ok(cli("domains", "list", "--all", "--json"))
    assert isinstance(everywhere, list)
    assert {(d["name"], d["organization_id"]) for d in everywhere} == {
        ("acme.com", org.id),
        ("globex.io", other.id),
    }
    table = cli("domains", "list", "--all").stdout
    assert added["id"] in table and other.id in table
    owned = _ok(cli("domains", "verify", "acme", added["id"], "--json"))
    assert isinstance(owned, dict) and owned["ownership_verification"]["status"] == "verified"

    assert cli("domains", "remove", "acme", added["id"], input="n\n").exit_code == 1
    assert cli.writes()[-1].endswith("/verify_ownership")  # the refusal sent nothing
    removed = _ok(cli("domains", "remove", "acme", added["id"], "--yes", "--json"))
    assert removed == {
        "deleted": True,
        "object": "organization_domain",
        "id": added["id"],
        "slug": None,
        "external_id": None,
    }
    assert _ok(cli("domains", "list", org.id, "--json")) == []
    gone = cli("domains", "remove", "acme", added["id"], "--yes")
    _one_line_error(gone, 1, "NotFoundError")


@pytest.mark.parametrize(
    ("args", "status", "fragment"),
    [
        (["add", "acme", "not a domain"], 2, "is not a domain name such as example.com"),
        (["add", "acme", "acme.com", "--enrollment-mode", "open"], 2, "--enrollment-mode"),
        (["add", "acme", "gmail.com"], 1, "UnprocessableEntityError"),
        (["list"], 2, "give either ORGANIZATION or --all"),
        (["verify", "acme", "orgdmn_nope"], 1, "NotFoundError"),
    ],
)
def test_domain_errors_are_one_line(cli: Cli, args: list[str], status: int, fragment: str) -> None:
    cli.emulator.state.create_organization("Acme", slug="acme", created_by="user_1")
    _one_line_error(cli("domains", *args), status, fragment)
    if status == 2:
        assert cli.writes() == []


def test_roles_and_permissions(cli: Cli) -> None:
    permissions = _ok(cli("permissions", "list", "--json"))
    assert isinstance(permissions, list)
    keys = {p["key"] for p in permissions}
    assert "org:sys_memberships:manage" in keys
    by_key = {p["key"]: p["id"] for p in permissions}
    state = cli.emulator.state
    invoices = state.roles.create_permission(name="Read invoices", key="org:invoices:read")
    created = _ok(
        cli(
            "roles", "create", "--name", "Billing", "--key", "org:billing",
            "--description", "Pays the bills",
            "--permission", "org:invoices:read", "--permission", by_key["org:sys_domains:read"],
            "--json",
        )
    )  # fmt: skip
    assert isinstance(created, dict)
    assert (created["key"], created["description"]) == ("org:billing", "Pays the bills")
    assert {p["id"] for p in created["permissions"]} == {
        invoices.id,
        by_key["org:sys_domains:read"],
    }
    roles = _ok(cli("roles", "list", "--json"))
    assert isinstance(roles, list)
    assert roles[0]["key"] == "org:billing"  # newest first
    assert {"org:admin", "org:member"} <= {r["key"] for r in roles}
    table = cli("roles", "list", env={"COLUMNS": "80"}).stdout
    assert created["id"] in table and "org:billing" in table
    assert invoices.id in cli("permissions", "list", env={"COLUMNS": "60"}).stdout
    # Too narrow for the key: shortened, not broken; --wide shows it whole.
    narrow = cli("roles", "list", env={"COLUMNS": "60"}).stdout
    assert created["id"] in narrow and "org:bil…" in narrow
    assert "org:billing" in cli("roles", "list", "--wide", env={"COLUMNS": "60"}).stdout


@pytest.mark.parametrize(
    ("args", "status", "fragment"),
    [
        (["--key", "billing"], 2, "InvalidRequestError: key must be a role key"),
        (["--key", "org:billing", "--permission", "org:nope:read"], 1, "org:nope:read"),
        (["--key", "org:admin"], 1, "UnprocessableEntityError"),
    ],
)
def test_role_errors_are_one_line(cli: Cli, args: list[str], status: int, fragment: str) -> None:
    _one_line_error(cli("roles", "create", "--name", "Billing", *args), status, fragment)
    if status == 2 or "--permission" in args:
        assert cli.writes() == []


def test_a_role_with_a_missing_permission_says_how_to_create_it(cli: Cli) -> None:
    args = ["roles", "create", "--name", "Billing", "--key", "org:billing"]
    refused = cli(*args, "--permission", "org:invoices:read")
    _one_line_error(refused, 1, "no permission has the key org:invoices:read")
    assert "clerk-orgs permissions create --key org:invoices:read --name" in refused.stderr
    assert cli.writes() == []  # neither the role nor the permission behind the user's back
    # The way it names works, and then the role can be created.
    made = _ok(
        cli(
            "permissions", "create", "--key", "org:invoices:read", "--name", "Read invoices",
            "--json",
        )
    )  # fmt: skip
    assert isinstance(made, dict)
    role = _ok(cli(*args, "--permission", "org:invoices:read", "--json"))
    assert isinstance(role, dict)
    assert [p["id"] for p in role["permissions"]] == [made["id"]]


def test_permissions_create_update_delete(cli: Cli) -> None:
    created = _ok(
        cli(
            "permissions", "create", "--name", "Read invoices", "--key", "org:invoices:read",
            "--description", "See every invoice", "--json",
        )
    )  # fmt: skip
    assert isinstance(created, dict)
    assert (created["key"], created["name"], created["description"], created["type"]) == (
        "org:invoices:read",
        "Read invoices",
        "See every invoice",
        "user",
    )
    state = cli.emulator.state
    assert state.roles.permission(created["id"]).name == "Read invoices"
    table = cli("permissions", "create", "--name", "Pay", "--key", "org:invoices:pay").stdout
    assert "org:invoices:pay" in table
    # By key or by ID.
    renamed = _ok(cli("permissions", "update", "org:invoices:read", "--name", "Read", "--json"))
    assert isinstance(renamed, dict) and (renamed["id"], renamed["name"]) == (created["id"], "Read")
    rekeyed = _ok(cli("permissions", "update", created["id"], "--key", "org:bills:read", "--json"))
    assert isinstance(rekeyed, dict) and rekeyed["key"] == "org:bills:read"
    listed = _ok(cli("permissions", "list", "--json"))
    assert isinstance(listed, list) and "org:bills:read" in {p["key"] for p in listed}

    assert cli("permissions", "delete", "org:bills:read", input="n\n").exit_code == 1
    assert not cli.writes()[-1].startswith("DELETE")  # the refusal sent nothing
    deleted = _ok(cli("permissions", "delete", "org:bills:read", "--yes", "--json"))
    assert deleted == {
        "deleted": True,
        "object": "permission",
        "id": created["id"],
        "slug": None,
        "external_id": None,
    }
    left = _ok(cli("permissions", "list", "--json"))
    assert isinstance(left, list) and "org:bills:read" not in {p["key"] for p in left}
    said = cli("permissions", "delete", "org:invoices:pay", "--yes")
    assert said.exit_code == 0 and said.stdout == "deleted org:invoices:pay\n"


@pytest.mark.parametrize(
    ("args", "status", "fragment"),
    [
        (["update", "org:invoices:read"], 2, "nothing to change"),
        (["update", "org:nope:read", "--name", "X"], 1, "no permission has the key org:nope:read"),
        (["delete", "org:nope:read", "--yes"], 1, "no permission has the key org:nope:read"),
        (["delete", "perm_nope", "--yes"], 1, "NotFoundError"),
        (["create", "--name", "X", "--key", "invoices"], 2, "InvalidRequestError"),
        (["create", "--name", "X", "--key", "org:sys_domains:read"], 2, "'org:sys_' is reserved"),
    ],
)
def test_permission_errors_are_one_line(
    cli: Cli, args: list[str], status: int, fragment: str
) -> None:
    _one_line_error(cli("permissions", *args), status, fragment)
    if "perm_nope" not in args:
        assert cli.writes() == []


def test_a_system_permission_cannot_be_changed(cli: Cli) -> None:
    result = cli("permissions", "update", "org:sys_domains:read", "--name", "Mine")
    _one_line_error(result, 1, "organization_system_permission_not_modifiable")


def test_every_new_command_runs_on_a_throwaway_emulator() -> None:
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(main, ["--emulator", *args], catch_exceptions=False)

    assert json.loads(run("invitations", "list", "--all", "--json").stdout) == []
    assert json.loads(run("domains", "list", "--all", "--json").stdout) == []
    roles = json.loads(run("roles", "list", "--json").stdout)
    assert {r["key"] for r in roles} == {"org:admin", "org:member"}
    assert len(json.loads(run("permissions", "list", "--json").stdout)) >= 5
    created = run("roles", "create", "--name", "Billing", "--key", "org:billing", "--json")
    assert json.loads(created.stdout)["key"] == "org:billing"
    # A fresh emulator has no organization to invite to: Clerk's 404, in one line.
    for args in (
        ["invitations", "invite", "acme", "a@example.com"],
        ["invitations", "list", "acme"],
        ["invitations", "revoke", "acme", "orginv_1"],
        ["domains", "add", "acme", "acme.com"],
        ["domains", "list", "acme"],
        ["domains", "verify", "acme", "orgdmn_1"],
        ["domains", "remove", "acme", "orgdmn_1", "--yes"],
    ):
        _one_line_error(run(*args), 1, "NotFoundError")
