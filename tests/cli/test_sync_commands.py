"""clerk-orgs sync and export: formats, exit codes, the plan, malformed input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clerk_orgs_async.sync import DesiredOrganization
from tests.cli.conftest import Cli

RECORDS: list[dict[str, Any]] = [
    {
        "slug": "acme",
        "name": "Acme",
        "max_allowed_memberships": 10,
        "public_metadata": {"plan": "pro"},
        "members": [
            {"user_id": "user_1", "role": "org:admin"},
            {"user_id": "user_2", "role": "org:member"},
        ],
    },
    {"slug": "globex", "name": "Globex", "members": [{"user_id": "user_3", "role": "org:admin"}]},
]


def jsonl(path: Path, records: list[dict[str, Any]] = RECORDS) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_sync_then_nothing_to_do(cli: Cli, tmp_path: Path) -> None:
    file = jsonl(tmp_path / "orgs.jsonl")
    first = cli("sync", str(file))
    assert first.exit_code == 0, first.output
    assert "create" in first.stdout
    assert cli.emulator.state.get_organization("acme").public_metadata == {"plan": "pro"}
    second = cli("sync", str(file))
    assert second.exit_code == 0
    assert "everything is in sync (0 actions)" in second.stdout
    # Two organizations with members: one page of each list (organizations, then one read of
    # members per organization or one of the instance's, whichever is fewer).
    assert "Requests: 2 (2 reads, 0 writes, 0 of them retries)." in second.stdout
    data = json.loads(cli("sync", str(file), "--json").stdout)
    assert data["requests"] == {"reads": 2, "writes": 0, "retries": 0}


def test_dry_run_prints_the_plan_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    result = cli("sync", str(jsonl(tmp_path / "orgs.jsonl")), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Plan: 3 action(s)" in result.stdout
    assert "add_member" in result.stdout
    assert "Dry run, nothing was sent: 3 action(s), 0 failed." in result.stdout
    assert cli.writes() == []
    # No terminal: no progress bar on stderr.
    assert result.stderr == ""


def test_malformed_line_is_reported_before_anything_is_sent(cli: Cli, tmp_path: Path) -> None:
    file = tmp_path / "orgs.jsonl"
    file.write_text(json.dumps(RECORDS[0]) + "\n\n" + '{"slug": "b", "name": \n')
    result = cli("sync", str(file))
    assert result.exit_code == 2
    assert "line 3: invalid JSON" in result.stderr
    assert list(cli.emulator.requests) == []


def test_invalid_record_is_reported_with_its_line(cli: Cli, tmp_path: Path) -> None:
    file = jsonl(tmp_path / "orgs.jsonl", [*RECORDS, {"slug": "Bad Slug", "name": "X"}])
    result = cli("sync", str(file))
    assert result.exit_code == 2
    assert "line 3: slug 'Bad Slug' may contain only" in result.stderr
    wrong_type = jsonl(tmp_path / "types.jsonl", [{"slug": "a", "name": 5}])
    assert "line 1: 'name' must be a string" in cli("sync", str(wrong_type)).stderr
    assert list(cli.emulator.requests) == []


def test_failed_write_exits_1(cli: Cli, tmp_path: Path) -> None:
    records = [*RECORDS, {"slug": "ghost", "name": "Ghost", "members": [{"user_id": "user_x"}]}]
    result = cli("sync", str(jsonl(tmp_path / "orgs.jsonl", records)), "--concurrency", "1")
    assert result.exit_code == 1
    assert "FAILED add_member ghost user_x: 404" in result.stdout
    assert cli.emulator.state.get_organization("acme").name == "Acme"


def test_delete_missing_and_no_members(cli: Cli, tmp_path: Path) -> None:
    cli.emulator.state.create_organization("Stray", slug="stray")
    result = cli("sync", str(jsonl(tmp_path / "orgs.jsonl")), "--delete-missing", "--no-members")
    assert result.exit_code == 0, result.output
    slugs = {o.slug for o in cli.emulator.state.organizations.values()}
    assert slugs == {"acme", "globex"}
    assert all(
        not cli.emulator.state.memberships(o.id) for o in cli.emulator.state.organizations.values()
    )


def test_export_formats_round_trip(cli: Cli, tmp_path: Path) -> None:
    assert cli("sync", str(jsonl(tmp_path / "orgs.jsonl"))).exit_code == 0
    lines = cli("export", "--members").stdout.splitlines()
    exported = [DesiredOrganization.from_dict(json.loads(line)) for line in lines]
    assert {r.slug: len(r.members or ()) for r in exported} == {"acme": 2, "globex": 1}
    for fmt in ("jsonl", "json", "csv"):
        out = tmp_path / f"export.{fmt}"
        result = cli("export", "--members", "--format", fmt, "-o", str(out))
        assert result.exit_code == 0, result.output
        assert f"exported 2 organizations to {out}" in result.stderr
        again = cli("sync", str(out), "--delete-missing")
        assert "0 actions" in again.stdout, (fmt, out.read_text(), again.output)


def test_csv_without_members_leaves_members_alone(cli: Cli, tmp_path: Path) -> None:
    assert cli("sync", str(jsonl(tmp_path / "orgs.jsonl"))).exit_code == 0
    text = cli("export", "--format", "csv").stdout
    assert (
        text.splitlines()[0] == "slug,name,max_allowed_memberships,public_metadata,private_metadata"
    )
    file = tmp_path / "orgs.csv"
    file.write_text(text.replace("Acme", "Acme Corp"))
    result = cli("sync", str(file))
    assert result.exit_code == 0, result.output
    assert cli.emulator.state.get_organization("acme").name == "Acme Corp"
    assert len(cli.emulator.state.memberships(cli.emulator.state.get_organization("acme").id)) == 2


def test_json_export_is_an_array(cli: Cli) -> None:
    assert json.loads(cli("export", "--format", "json").stdout) == []
    cli.emulator.state.create_organization("Acme", slug="acme")
    (record,) = json.loads(cli("export", "--format", "json").stdout)
    assert record["slug"] == "acme"
    assert "members" not in record


def test_bad_csv_cell_has_its_line(cli: Cli, tmp_path: Path) -> None:
    file = tmp_path / "orgs.csv"
    file.write_text("slug,name,max_allowed_memberships\nacme,Acme,3\nglobex,Globex,lots\n")
    result = cli("sync", str(file))
    assert result.exit_code == 2
    assert "line 3: max_allowed_memberships must be a whole number" in result.stderr


def test_sync_json_report(cli: Cli, tmp_path: Path) -> None:
    result = cli("sync", str(jsonl(tmp_path / "orgs.jsonl")), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["ok"], report["interrupted"], report["dry_run"]) == (True, False, False)
    assert report["counts"]["create"] == 2
    create = next(a for a in report["actions"] if a["key"] == "acme" and a["kind"] == "create")
    assert create["outcome"] == "applied"
    assert create["organization_id"] == cli.emulator.state.get_organization("acme").id
    assert create["changes"]["name"] == [None, "Acme"]


def test_email_members_need_invitations_and_round_trip_through_csv(
    cli: Cli, tmp_path: Path
) -> None:
    records = [
        {
            "slug": "acme",
            "name": "Acme",
            "max_allowed_memberships": 0,
            "members": [
                {"user_id": "user_1", "role": "org:admin"},
                {"email_address": "grace@example.com", "role": "org:member"},
            ],
        }
    ]
    file = jsonl(tmp_path / "orgs.jsonl", records)
    refused = cli("sync", str(file))
    assert refused.exit_code == 2
    assert "sync --invitations" in refused.stderr
    assert list(cli.emulator.requests) == []

    synced = cli("sync", str(file), "--invitations")
    assert synced.exit_code == 0, synced.output
    assert "invite" in synced.stdout

    csv_file = tmp_path / "export.csv"
    exported = cli("export", "--members", "--invitations", "-o", str(csv_file))
    assert exported.exit_code == 0, exported.output
    assert "grace@example.com=org:member" in csv_file.read_text()
    again = cli("sync", str(csv_file), "--invitations")
    assert again.exit_code == 0, again.output
    assert "everything is in sync (0 actions)" in again.stdout


def test_export_invitations_needs_members(cli: Cli) -> None:
    result = cli("export", "--invitations")
    assert result.exit_code == 2
    assert "--members" in result.stderr


def test_a_dry_run_with_invitations_names_each_address(cli: Cli, tmp_path: Path) -> None:
    emu = cli.emulator
    org = emu.state.create_organization("Acme", slug="acme", created_by="user_1")
    (stale,) = emu.state.invitations.create(
        org.id, [{"email_address": "old@example.com", "role": "org:member"}]
    )
    records = [
        {
            "slug": "acme",
            "name": "Acme",
            "members": [
                {"user_id": "user_1", "role": "org:admin"},
                {"email_address": "ada@example.com", "role": "org:admin"},
            ],
        }
    ]
    file = jsonl(tmp_path / "orgs.jsonl", records)
    plan = cli("sync", str(file), "--dry-run", "--invitations", env={"COLUMNS": "120"})
    assert plan.exit_code == 0, plan.output
    # The plan's rows: action, organization, member, changes.
    cells = [line.split("│")[1:-1] for line in plan.stdout.splitlines() if line.count("│") == 5]
    rows = {cell[0].strip(): cell[2].strip() for cell in cells}
    assert (rows["invite"], rows["revoke_invitation"]) == ("ada@example.com", "old@example.com")
    data = json.loads(cli("sync", str(file), "--dry-run", "--invitations", "--json").stdout)
    members = {
        a["kind"]: (a["user_id"], a["email_address"], a["invitation_id"]) for a in data["actions"]
    }
    assert members == {
        "invite": (None, "ada@example.com", None),
        "revoke_invitation": (None, "old@example.com", stale.id),
    }
    assert cli.writes() == []
