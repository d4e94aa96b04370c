"""Bad input to ``clerk-orgs``: a one-line error and exit 2, nothing sent, never a traceback."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from clerk_orgs_async._cli import main
from tests.cli.conftest import Cli
from tests.emulator._process import COMMAND


def _one_line_usage_error(result: object, *fragments: str) -> None:
    from click.testing import Result

    assert isinstance(result, Result)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_a_file_that_is_not_utf8(cli: Cli, tmp_path: Path) -> None:
    file = tmp_path / "orgs.jsonl"
    file.write_bytes(b'{"slug": "acme", "name": "Acme"}\n{"slug": "b", "name": "B\xe9"}\n')
    _one_line_usage_error(cli("sync", str(file)), "line 2: not UTF-8 text")
    assert list(cli.emulator.requests) == []


@pytest.mark.parametrize("cell", ["\u00b2", "\uff11", "1e3", "-1", "1.5", " 3"])
def test_a_malformed_number_in_a_csv_file(cli: Cli, tmp_path: Path, cell: str) -> None:
    file = tmp_path / "orgs.csv"
    file.write_text(f"slug,name,max_allowed_memberships\nacme,Acme,{cell}\n", encoding="utf-8")
    _one_line_usage_error(cli("sync", str(file)), "line 2: max_allowed_memberships")
    assert list(cli.emulator.requests) == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"slug": "a", "name": "A", "max_allowed_memberships": ' + "9" * 5000 + "}", "line 1"),
        (
            '{"slug": "a", "name": "A", "public_metadata": {"x": NaN}}',
            "line 1: invalid JSON: NaN is not a JSON number",
        ),
        ('{"slug": "a", "name": "A", "public_metadata": {"x": -Infinity}}', "line 1"),
        ('{"slug": "a", "name": "A", "max_allowed_memberships": 1e400}', "line 1"),
        (
            '{"slug": "a", "name": "A", "public_metadata": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "line 1: invalid JSON: nested too deeply",
        ),
    ],
)
def test_a_malformed_number_in_a_json_lines_file(
    cli: Cli, tmp_path: Path, line: str, message: str
) -> None:
    file = tmp_path / "orgs.jsonl"
    file.write_text(line + "\n")
    _one_line_usage_error(cli("sync", str(file)), message)
    assert list(cli.emulator.requests) == []


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["emulator", "--latency", "nan"], "--latency"),
        (["emulator", "--latency", "-1"], "--latency"),
        (["emulator", "--latency", "inf"], "--latency"),
        (["emulator", "--latency", "0.2,0.1"], "--latency"),
        (["emulator", "--rate-limit", "1/0"], "--rate-limit"),
        (["emulator", "--rate-limit", "0/10"], "--rate-limit"),
        (["emulator", "--rate-limit", "5/nan"], "--rate-limit"),
        (["emulator", "--port", "70000"], "--port"),
        (["emulator", "--users", "1" + "0" * 12], "--users"),
        (["emulator", "--seed-orgs", "-3"], "--seed-orgs"),
        (["emulator", "--max-memberships", "-1"], "--max-memberships"),
        (["sync", "{tmp}/f.jsonl", "--concurrency", "2.5"], "--concurrency"),
        (["orgs", "list", "--max", "ten"], "--max"),
    ],
)
def test_a_malformed_number_in_an_option(tmp_path: Path, args: list[str], option: str) -> None:
    (tmp_path / "f.jsonl").write_text("")
    args = [arg.format(tmp=tmp_path) for arg in args]
    _one_line_usage_error(CliRunner().invoke(main, args), option)


@pytest.mark.parametrize(
    "where",
    [
        "missing/out.jsonl",  # a directory that does not exist
        "a-file/out.jsonl",  # a file where a directory should be
    ],
)
def test_an_unwritable_output_is_refused_before_any_request(
    cli: Cli, tmp_path: Path, where: str
) -> None:
    (tmp_path / "a-file").write_text("")
    cli.emulator.state.create_organization("Acme", slug="acme")
    result = cli("export", "-o", str(tmp_path / where))
    _one_line_usage_error(result, "cannot write", where)
    assert list(cli.emulator.requests) == []


def test_a_failed_export_leaves_the_previous_file_whole(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "orgs.jsonl"
    out.write_text("previous\n")
    cli.emulator.faults.status(403)  # not retried: the export fails at once
    cli.emulator.state.create_organization("Acme", slug="acme")
    result = cli("export", "-o", str(out))
    assert result.exit_code == 1
    assert out.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["orgs.jsonl"]  # no temporary file left


@pytest.mark.parametrize(
    "key",
    ["sk_test_abc\ndef", "sk_test_abc def", "sk_test_\x1b[31mred", "sk_test_abc\rdef"],
)
def test_a_secret_key_with_a_control_character_or_space(cli: Cli, key: str) -> None:
    for how in ("option", "environment"):
        if how == "option":
            result = CliRunner().invoke(
                main, ["--secret-key", key, "--base-url", cli.emulator.base_url, "orgs", "list"]
            )
        else:
            env = {"CLERK_SECRET_KEY": key, "CLERK_API_URL": cli.emulator.base_url}
            result = CliRunner().invoke(main, ["orgs", "list"], env=env)
        _one_line_usage_error(result, "secret key")
        assert key.split()[0][8:] not in result.output  # the key is never echoed
    assert list(cli.emulator.requests) == []


def test_surrounding_whitespace_around_the_key_is_stripped(cli: Cli) -> None:
    env = {
        "CLERK_SECRET_KEY": f"  {cli.emulator.secret_key}\n",
        "CLERK_API_URL": cli.emulator.base_url,
    }
    result = CliRunner().invoke(main, ["orgs", "list", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []


def test_the_emulator_refuses_a_key_clients_could_not_send() -> None:
    result = CliRunner().invoke(main, ["emulator", "--secret-key", "sk_test_a\nb"])
    _one_line_usage_error(result, "--secret-key")


def test_an_argument_the_client_refuses_is_a_usage_error(cli: Cli) -> None:
    result = cli("orgs", "create", "--name", "Acme", "--slug", "Not A Slug")
    _one_line_usage_error(result, "InvalidRequestError", "slug")
    assert list(cli.emulator.requests) == []


@pytest.mark.parametrize(
    "value",
    [
        '{"a": ' + "9" * 5000 + "}",  # past Python's 4300-digit limit for str -> int
        '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}",  # past the recursion limit
        '{"a": NaN}',
        "{nope",
    ],
    ids=["5000 digits", "nested", "NaN", "malformed"],
)
def test_metadata_json_that_cannot_be_read_is_a_usage_error(cli: Cli, value: str) -> None:
    result = cli("orgs", "create", "--name", "Acme", "--public-metadata", value)
    _one_line_usage_error(result, "--public-metadata", "invalid JSON")
    assert list(cli.emulator.requests) == []


def test_an_output_through_a_symlink_replaces_the_target_and_keeps_the_link(
    cli: Cli, tmp_path: Path
) -> None:
    real = tmp_path / "real.jsonl"
    real.write_text("previous\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    cli.emulator.state.create_organization("Acme", slug="acme")
    result = cli("export", "-o", str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert json.loads(real.read_text())["slug"] == "acme"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_an_output_that_is_a_named_pipe_is_written_into_not_replaced(
    cli: Cli, tmp_path: Path
) -> None:
    # Renaming a file over it would replace a pipe or a device (/dev/stdout, /dev/null as
    # root) with a plain file.
    fifo = tmp_path / "out.jsonl"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # so that opening it to write can't block
    try:
        cli.emulator.state.create_organization("Acme", slug="acme")
        result = cli("export", "-o", str(fifo))
        assert result.exit_code == 0, result.output
        assert stat.S_ISFIFO(fifo.lstat().st_mode)
        assert json.loads(os.read(reader, 65536))["slug"] == "acme"
    finally:
        os.close(reader)


def test_an_empty_output_path_is_a_usage_error(cli: Cli) -> None:
    _one_line_usage_error(cli("export", "-o", ""), "cannot write")
    assert list(cli.emulator.requests) == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
@pytest.mark.parametrize(
    "args", [["orgs", "list", "--json"], ["export", "--format", "csv"], ["--help"]]
)
def test_output_to_a_full_disk_is_a_one_line_error(cli: Cli, args: list[str]) -> None:
    cli.emulator.state.create_organization("Acme", slug="acme")
    env = {
        **os.environ,
        "CLERK_SECRET_KEY": cli.emulator.secret_key,
        "CLERK_API_URL": cli.emulator.base_url,
    }
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [*COMMAND, *args], stdout=full, stderr=subprocess.PIPE, env=env, timeout=60
        )
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert err.splitlines() == ["Error: cannot write the output: No space left on device"]
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("slug,name,slug\nacme,Acme,other\n", "line 1: column slug appears twice"),
        ("slug,name\nacme,Acme,extra\n", "line 2: 3 cells where the header names 2"),
    ],
    ids=["repeated-column", "extra-cells"],
)
def test_a_csv_cell_that_would_be_ignored_is_an_error(
    cli: Cli, tmp_path: Path, text: str, message: str
) -> None:
    file = tmp_path / "orgs.csv"
    file.write_text(text)
    _one_line_usage_error(cli("sync", str(file)), message)
    assert list(cli.emulator.requests) == []


@pytest.mark.parametrize("name", ["orgs.csv", "orgs.jsonl"])
def test_a_file_saved_with_a_byte_order_mark_is_read(cli: Cli, tmp_path: Path, name: str) -> None:
    # Spreadsheets save "CSV UTF-8" with one.
    file = tmp_path / name
    text = (
        "slug,name\r\nacme,Acme\r\n"
        if name.endswith(".csv")
        else '{"slug": "acme", "name": "Acme"}\n'
    )
    file.write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = cli("sync", str(file))
    assert result.exit_code == 0, result.output
    assert [org.slug for org in cli.emulator.state.organizations.values()] == ["acme"]
