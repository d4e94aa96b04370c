"""``clerk-orgs export``: format by extension, CSV safe in a spreadsheet, a lossless round trip."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clerk_orgs_async._cli._files import neutralize, read_records, unneutralize, write_records
from clerk_orgs_async.sync import DesiredMember, DesiredOrganization
from tests.cli.conftest import Cli

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@given(st.text())
def test_neutralize_is_undone_by_unneutralize(cell: str) -> None:
    written = neutralize(cell)
    assert not written.startswith(FORMULA_START)
    assert unneutralize(written) == cell


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+2", "'=1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("'=x", "''=x"),
        ("''", "'''"),
        ("'tis", "'tis"),
        ("'", "'"),
        ("plain", "plain"),
    ],
)
def test_what_neutralize_writes(cell: str, written: str) -> None:
    assert neutralize(cell) == written


def test_a_hand_written_apostrophe_is_kept() -> None:
    assert unneutralize("'tis") == "'tis"


@pytest.mark.parametrize(
    ("extension", "first"),
    [("csv", "slug,name"), ("json", "["), ("jsonl", '{"slug"'), ("ndjson", '{"slug"')],
)
def test_export_picks_the_format_from_the_extension(
    cli: Cli, tmp_path: Path, extension: str, first: str
) -> None:
    cli.emulator.state.create_organization("Acme", slug="acme")
    out = tmp_path / f"orgs.{extension}"
    result = cli("export", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith(first)
    assert (
        "0 actions"
        in cli("sync", str(out), "--format", "jsonl" if extension == "ndjson" else extension).stdout
    )


def test_export_refuses_a_format_that_contradicts_the_extension(cli: Cli, tmp_path: Path) -> None:
    result = cli("export", "--format", "json", "-o", str(tmp_path / "orgs.csv"))
    assert result.exit_code == 2
    assert "--format json does not match the extension of orgs.csv (csv)" in result.stderr
    assert list(cli.emulator.requests) == []
    assert list(tmp_path.iterdir()) == []


def test_format_wins_over_an_unknown_extension(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "orgs.txt"
    assert cli("export", "--format", "csv", "-o", str(out)).exit_code == 0
    assert out.read_text().startswith("slug,name")


def test_a_csv_export_is_safe_in_a_spreadsheet_and_syncs_back_unchanged(
    cli: Cli, tmp_path: Path
) -> None:
    odd = ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(1)", "\tTab", "\rReturn", "'=quoted", "'", "''"]
    state = cli.emulator.state
    state.add_users(["=evil", "-dash", "@at"])
    for n, name in enumerate(odd):
        org = state.create_organization(name, slug=f"-odd-{n}", created_by="=evil")
        state.create_membership(org.id, "-dash", "org:member")
        state.create_membership(org.id, "@at", "org:member")
        state.merge_metadata(org.id, public_metadata={"formula": "=1+1"})
    out = tmp_path / "orgs.csv"
    assert cli("export", "--members", "-o", str(out)).exit_code == 0
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode(), newline="")))
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(FORMULA_START), row
    again = cli("sync", str(out), "--delete-missing")
    assert again.exit_code == 0, again.output
    assert "everything is in sync (0 actions)" in again.stdout
    assert sorted(o.name for o in state.organizations.values()) == sorted(odd)


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_odd_addresses_of_invitations_round_trip(cli: Cli, tmp_path: Path, fmt: str) -> None:
    # "=", "'", ";" and "\\" are allowed in the local part of an address; "=" also
    # separates a member from its role in a CSV cell, and ";" one member from the next.
    addresses = [
        "a=b@example.com",
        "=lead@example.com",
        "O'Neil+tag@Example.COM",
        "a;b@x.io",
        "c\\;d@x.io",
        "e\\@x.io",
        ";f@x.io",
    ]
    state = cli.emulator.state
    org = state.create_organization(
        "Acme", slug="acme", created_by="user_1", max_allowed_memberships=0
    )
    state.invitations.create(
        org.id, [{"email_address": a, "role": "org:member"} for a in addresses]
    )
    out = tmp_path / f"orgs.{fmt}"
    assert cli("export", "--members", "--invitations", "-o", str(out)).exit_code == 0
    again = cli("sync", str(out), "--invitations", "--delete-missing")
    assert again.exit_code == 0, again.output
    assert "everything is in sync (0 actions)" in again.stdout
    pending = state.invitations.matching(org.id, statuses=["pending"])
    assert sorted(i.email_address for i in pending) == sorted(a.lower() for a in addresses)


_NAME = st.text(alphabet=";\\=ab'@.", min_size=1)


@given(
    st.lists(
        st.one_of(
            st.builds(DesiredMember, _NAME.filter(lambda n: "=" not in n and "@" not in n)),
            st.builds(
                lambda local, role: DesiredMember(role=role, email_address=f"{local}@x.io"),
                _NAME.filter(lambda n: "@" not in n),
                st.sampled_from(["org:member", "org:admin"]),
            ),
        ),
        max_size=4,
    )
)
def test_members_survive_a_csv_round_trip(members: list[DesiredMember]) -> None:
    record = DesiredOrganization(slug="acme", name="Acme", members=members)
    out = io.StringIO()
    write_records([record], "csv", out, members=True)
    (back,), _lines = read_records(out.getvalue(), "csv")
    assert back.members == members


@pytest.mark.parametrize("name", ["orgs.xlsx", "orgs.txt", "orgs"])
def test_an_unknown_extension_is_refused_without_format(
    cli: Cli, tmp_path: Path, name: str
) -> None:
    cli.emulator.state.create_organization("Acme", slug="acme")
    out = tmp_path / name
    exported = cli("export", "-o", str(out))
    assert exported.exit_code == 2, exported.output
    assert f"cannot tell the format of {name}" in exported.stderr
    assert "--format" in exported.stderr
    assert list(tmp_path.iterdir()) == []
    assert list(cli.emulator.requests) == []
    out.write_text('{"slug": "globex", "name": "Globex"}\n')
    synced = cli("sync", str(out))
    assert synced.exit_code == 2, synced.output
    assert f"cannot tell the format of {name}" in synced.stderr
    assert cli.writes() == []
    assert cli("sync", str(out), "--format", "jsonl").exit_code == 0
    assert cli.writes() == ["POST /v1/organizations"]
