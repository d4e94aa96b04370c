"""clerk-orgs invitations invite|list|revoke against the emulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click import BadParameter
from click.testing import Result

from clerk_orgs_async import InvalidRequestError, InvitationRequest
from clerk_orgs_async._cli._emails import addresses
from clerk_orgs_async._cli._invitations import Stopped
from clerk_orgs_async._rules import email as client_rule
from clerk_orgs_async.testing import ClerkEmulator, Organization
from tests.cli.conftest import Cli

BULK = "/invitations/bulk"


def _org(emu: ClerkEmulator) -> Organization:
    return emu.state.create_organization(
        "Acme", slug="acme", created_by="user_1", max_allowed_memberships=0
    )


def _bulk_calls(emu: ClerkEmulator) -> list[list[str]]:
    """The addresses of each bulk call the emulator received, in order."""
    return [
        [item["email_address"] for item in json.loads(r.request_body)]
        for r in emu.requests
        if r.method == "POST" and r.path.endswith(BULK)
    ]


def _pending(emu: ClerkEmulator, org: Organization) -> list[str]:
    invitations = emu.state.invitations.matching(org.id, statuses=["pending"])
    return sorted(i.email_address for i in invitations)


def _one_line_error(result: Result, status: int, *fragments: str) -> None:
    assert result.exit_code == status, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]


def test_invite_emails_given_as_arguments_with_every_option(cli: Cli) -> None:
    org = _org(cli.emulator)
    result = cli(
        "invitations", "invite", "acme", "Ada@Example.com", "grace@example.com",
        "--role", "org:admin", "--no-notify", "--expires-in-days", "7",
        "--redirect-url", "https://app.example.com/join", "--inviter", "user_1", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert [(i["email_address"], i["role"], i["status"]) for i in created] == [
        ("ada@example.com", "org:admin", "pending"),
        ("grace@example.com", "org:admin", "pending"),
    ]
    assert {i["inviter_id"] for i in created} == {"user_1"}
    assert "2 invitations: 1 bulk call, within Clerk's 50 per hour." in result.stderr
    (body,) = [json.loads(r.request_body) for r in cli.emulator.requests if r.path.endswith(BULK)]
    assert body[0] == {
        "email_address": "Ada@Example.com",
        "role": "org:admin",
        "inviter_user_id": "user_1",
        "redirect_url": "https://app.example.com/join",
        "expires_in_days": 7,
        "notify": False,
    }
    assert _pending(cli.emulator, org) == ["ada@example.com", "grace@example.com"]


def test_options_left_out_are_left_out_of_the_request(cli: Cli) -> None:
    _org(cli.emulator)
    result = cli("invitations", "invite", "acme", "ada@example.com", env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "ada@example.com" in result.stdout and "org:member" in result.stdout
    (body,) = [json.loads(r.request_body) for r in cli.emulator.requests if r.path.endswith(BULK)]
    assert body == [{"email_address": "ada@example.com", "role": "org:member"}]


def _emails_file(tmp_path: Path, emails: list[str], *, extra: str = "") -> Path:
    file = tmp_path / "emails.txt"
    lines = ["# people to invite", ""]
    for n, email in enumerate(emails):
        lines.append(f"  {email}  " if n % 7 == 0 else email)
        if n % 5 == 0:
            lines += ["", "# a comment between addresses"]
    # A byte order mark and Windows line ends, as a spreadsheet export writes them.
    file.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n" + extra).encode())
    return file


def test_invite_from_a_file_in_calls_of_ten_with_an_estimate_and_progress(
    cli: Cli, tmp_path: Path
) -> None:
    org = _org(cli.emulator)
    emails = [f"dev{n:02d}@example.com" for n in range(25)]
    file = _emails_file(tmp_path, emails)
    # A terminal that is not interactive: rich draws the bar once, when it is done.
    tty = {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "0", "COLUMNS": "100"}
    result = cli("invitations", "invite", "acme", "--file", str(file), "--json", env=tty)
    assert result.exit_code == 0, result.output
    assert [i["email_address"] for i in json.loads(result.stdout)] == emails
    assert _bulk_calls(cli.emulator) == [emails[:10], emails[10:20], emails[20:]]
    assert "25 invitations: 3 bulk calls, within Clerk's 50 per hour." in result.stderr
    assert "Inviting" in result.stderr and "25/25" in result.stderr
    assert _pending(cli.emulator, org) == emails


def test_no_progress_bar_when_stderr_is_no_terminal(cli: Cli, tmp_path: Path) -> None:
    _org(cli.emulator)
    file = _emails_file(tmp_path, [f"p{n}@example.com" for n in range(12)])
    result = cli("invitations", "invite", "acme", "--file", str(file))
    assert result.exit_code == 0, result.output
    assert result.stderr == "12 invitations: 2 bulk calls, within Clerk's 50 per hour.\n"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not-an-email", "line 7: 'not-an-email' is not an email address"),
        ("ada@example", "line 7: 'ada@example' is not an email address"),
        ("two@example.com three@example.com", "is not an email address"),
        ("ada@example.com,org:admin", "is not one email address (one address a line)"),
        ("Ada Lovelace <ada@example.com>", "is not one email address"),
        ("DEV01@example.COM", "line 7: DEV01@example.COM is given twice (also line 4)"),
    ],
)
def test_a_bad_address_in_the_file_stops_before_anything_is_sent(
    cli: Cli, tmp_path: Path, line: str, message: str
) -> None:
    _org(cli.emulator)
    file = tmp_path / "emails.txt"
    rows = ["# team", "dev00@example.com", "", "dev01@example.com", "dev02@example.com", "# x"]
    file.write_text("\n".join([*rows, line, "dev03@example.com", "bad too"]) + "\n")
    result = cli("invitations", "invite", "acme", "--file", str(file))
    _one_line_error(result, 2, message, "(and 1 more)", "--file")
    assert list(cli.emulator.requests) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["a@example.com", "nope"], "Invalid value for EMAIL: EMAIL 2: 'nope' is not an email"),
        (
            ["a@example.com", "A@EXAMPLE.COM"],
            "EMAIL 2: A@EXAMPLE.COM is given twice (also EMAIL 1)",
        ),
        ([], "no EMAIL given: give EMAIL arguments or --file"),
        (["a@example.com", "--expires-in-days", "0"], "--expires-in-days"),
        (["a@example.com", "--expires-in-days", "366"], "--expires-in-days"),
    ],
)
def test_bad_arguments_stop_before_anything_is_sent(
    cli: Cli, args: list[str], message: str
) -> None:
    _org(cli.emulator)
    _one_line_error(cli("invitations", "invite", "acme", *args), 2, message)
    assert list(cli.emulator.requests) == []


def test_a_role_key_the_client_refuses_sends_no_invitation(cli: Cli) -> None:
    _org(cli.emulator)
    result = cli("invitations", "invite", "acme", "a@example.com", "--role", "admin")
    _one_line_error(
        result, 2, "InvalidRequestError", "role must be a role key starting with 'org:'"
    )
    assert cli.writes() == []


def test_an_argument_and_a_file_line_may_not_repeat_each_other(cli: Cli, tmp_path: Path) -> None:
    _org(cli.emulator)
    file = tmp_path / "emails.txt"
    file.write_text("b@example.com\na@example.com\n")
    result = cli("invitations", "invite", "acme", "a@example.com", "--file", str(file))
    _one_line_error(result, 2, "line 2: a@example.com is given twice (also EMAIL 1)")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"# nobody yet\n\n", "has no email addresses"),
        (b"a@example.com\nb\xe9@example.com\n", "line 2: not UTF-8 text"),
    ],
)
def test_a_file_with_no_address_or_not_utf8(
    cli: Cli, tmp_path: Path, content: bytes, message: str
) -> None:
    _org(cli.emulator)
    file = tmp_path / "emails.txt"
    file.write_bytes(content)
    _one_line_error(cli("invitations", "invite", "acme", "--file", str(file)), 2, message)
    assert list(cli.emulator.requests) == []


def _one_refused(cli: Cli, tmp_path: Path, *extra: str) -> tuple[Result, list[str]]:
    """25 addresses, the 15th already invited: Clerk refuses it, the other 24 are created."""
    org = _org(cli.emulator)
    emails = [f"dev{n:02d}@example.com" for n in range(25)]
    cli.emulator.state.invitations.create(
        org.id, [{"email_address": emails[14], "role": "org:member"}]
    )
    file = _emails_file(tmp_path, emails)
    return cli("invitations", "invite", "acme", "--file", str(file), *extra), emails


def test_a_refused_address_is_named_with_clerks_code_and_the_others_are_created(
    cli: Cli, tmp_path: Path
) -> None:
    result, emails = _one_refused(cli, tmp_path)
    _one_line_error(
        result,
        1,
        "BulkInvitationError: bulk_create: 24 of 25 invitations created, 1 not created; "
        "refused: dev14@example.com (organization_invitation_not_unique)",
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "Created 24 of 25 invitations."
    assert lines[1] == "created (24):"
    ids = {i.email_address: i.id for i in cli.emulator.state.invitations.matching(None)}
    others = [e for e in emails if e != emails[14]]
    assert lines[2:26] == [f"  {e} {ids[e]}" for e in others]
    assert lines[26:] == [
        "refused by Clerk (1):",
        "  dev14@example.com organization_invitation_not_unique",
    ]
    assert [len(call) for call in _bulk_calls(cli.emulator)] == [10, 10, 5]


def test_a_refused_address_as_json(cli: Cli, tmp_path: Path) -> None:
    result, emails = _one_refused(cli, tmp_path, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    others = [e for e in emails if e != emails[14]]
    assert report["created"] == others
    assert [i["email_address"] for i in report["invitations"]] == others
    assert report["refused"] == [
        {"email_address": emails[14], "code": "organization_invitation_not_unique"}
    ]
    assert report["not_created"] == [] and report["maybe_created"] == []
    assert report["interrupted"] is False
    assert report["error"].startswith("BadRequestError: 400 organization_invitation_not_unique")


def test_a_failure_part_way_says_what_was_created_and_what_was_not(
    cli: Cli, tmp_path: Path
) -> None:
    org = _org(cli.emulator)
    emails = [f"dev{n:02d}@example.com" for n in range(25)]
    # Full after the first call: the second is refused (quota), and the first of its
    # invitations sent alone fails in a way that stops the send (a 401).
    cli.emulator.state.update_organization(org.id, max_allowed_memberships=11)
    cli.emulator.faults.status(401, method="POST", path="/v1/organizations/*/invitations")
    file = _emails_file(tmp_path, emails)
    result = cli("invitations", "invite", "acme", "--file", str(file))
    _one_line_error(
        result,
        1,
        "BulkInvitationError: bulk_create stopped: 10 of 25 invitations created, 15 not created",
        "AuthenticationError",
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "Stopped after 10 of 25 invitations."
    assert lines[1] == "created (10):"
    assert lines[12] == "not created: send them again (15):"
    assert lines[13:] == [f"  {e}" for e in emails[10:]]
    assert len(_bulk_calls(cli.emulator)) == 2  # the third was never sent


def test_list_filters_and_revoke(cli: Cli) -> None:
    org = _org(cli.emulator)
    other = cli.emulator.state.create_organization("Globex", slug="globex", created_by="user_2")
    invitations = cli.emulator.state.invitations
    ada, grace = invitations.create(
        org.id,
        [
            {"email_address": "ada@example.com", "role": "org:member"},
            {"email_address": "grace@example.com", "role": "org:admin"},
        ],
    )
    invitations.create(other.id, [{"email_address": "ada@example.com", "role": "org:member"}])
    revoked = cli("invitations", "revoke", "acme", grace.id, "--json")
    assert revoked.exit_code == 0, revoked.output
    assert json.loads(revoked.stdout)["status"] == "revoked"

    def listed(*args: str) -> list[tuple[str, str]]:
        result = cli("invitations", "list", *args, "--json")
        assert result.exit_code == 0, result.output
        return [(i["email_address"], i["status"]) for i in json.loads(result.stdout)]

    assert listed("acme") == [("grace@example.com", "revoked"), ("ada@example.com", "pending")]
    assert listed(org.id, "--status", "pending") == [("ada@example.com", "pending")]
    assert listed("acme", "--email", "grace@example.com") == [("grace@example.com", "revoked")]
    assert len(listed("--all")) == 3
    assert listed("--all", "--email", "ADA@example.com") == [("ada@example.com", "pending")] * 2
    assert listed("--all", "--email", "da@example.com") == []  # an address, not a search
    assert listed("--all", "--status", "revoked") == [("grace@example.com", "revoked")]
    table = cli("invitations", "list", "--all").stdout
    assert ada.id in table and org.id in table and other.id in table
    again = cli("invitations", "revoke", "acme", grace.id)
    _one_line_error(again, 1, "organization_invitation_not_pending")


@pytest.mark.parametrize("args", [[], ["acme", "--all"]])
def test_list_needs_an_organization_or_all(cli: Cli, args: list[str]) -> None:
    _one_line_error(cli("invitations", "list", *args), 2, "give either ORGANIZATION or --all")


def test_list_refuses_an_unknown_status(cli: Cli) -> None:
    _one_line_error(cli("invitations", "list", "--all", "--status", "open"), 2, "--status")


@pytest.mark.parametrize(
    "email",
    [
        "a@b.co",
        "a@b.c",
        "a@b",
        "@b.co",
        "a@.co",
        "a@b.co.",
        "a@@b.co",
        "a b@c.co",
        "ünï@cödé.de",
        "a+tag@sub.b.co",
        "a@b..co",
        "a.@b.co",
        '"quoted"@b.co',
    ],
)
def test_the_command_and_the_client_agree_on_what_is_an_address(email: str) -> None:
    # The command checks first only to name the line; it must refuse exactly what the
    # client's bulk_create would (which checks again before sending anything), once the
    # surrounding blanks of a line are stripped.
    try:
        client_rule(email)
        client_ok = True
    except InvalidRequestError:
        client_ok = False
    try:
        addresses([email], None)
        command_ok = True
    except BadParameter:
        command_ok = False
    assert command_ok == client_ok


def test_ctrl_c_after_a_refusal_does_not_guess_which_addresses_were_created() -> None:
    emails = [f"dev{n:02d}@example.com" for n in range(35)]
    requests = [InvitationRequest(email_address=e, role="org:member") for e in emails]
    # Two calls created their 20: those are known; the third was in flight.
    clean = Stopped.interrupted(requests, 20, 2, sending=True)
    assert (clean.created, clean.maybe_created) == (emails[:20], emails[20:30])
    assert clean.not_created == emails[30:]
    # Two calls created 19 (one refused, which is not known): none of the 30 is sure.
    refused = Stopped.interrupted(requests, 19, 2, sending=True)
    assert (refused.created, refused.maybe_created) == ([], emails[:30])
    assert refused.not_created == emails[30:]
