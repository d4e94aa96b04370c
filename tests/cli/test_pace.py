"""``invitations invite`` at Clerk's per-hour limit: the estimate, and waiting for the budget.

Clerk allows 50 bulk invitation calls an hour. The client reads that limit from one table,
``clerk_orgs_async._pacing.SCOPED_LIMITS``, and so does the command (through the public
``ClerkClient.endpoint_limits``), for its estimate and for each call's deadline. The tests that
send patch that one table to a window of a second, rather than the command taking a hidden
option: the client's pacer, the estimate and the deadline then change together, as they do in
use, and no option exists that only tests need.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from yarl import URL

from clerk_orgs_async import ClerkClient, RateLimit, RetryPolicy
from clerk_orgs_async._cli._connect import Connection
from clerk_orgs_async._cli._pace import duration, estimate, patient, waiting
from clerk_orgs_async._pacing import SCOPED_LIMITS, EndpointLimit
from clerk_orgs_async.testing import ClerkEmulator
from tests.cli.conftest import Cli, running_emulator
from tests.emulator._process import COMMAND, emulator_process

BULK = ("POST", "/organizations/{organization_id}/invitations/bulk")
CLERK = RateLimit(50, 3600)


@pytest.mark.parametrize(
    ("invitations", "paced", "line"),
    [
        (1, True, "1 invitation: 1 bulk call, within Clerk's 50 per hour."),
        (25, True, "25 invitations: 3 bulk calls, within Clerk's 50 per hour."),
        (500, True, "500 invitations: 50 bulk calls, within Clerk's 50 per hour."),
        (501, True, "501 invitations: 51 bulk calls; at Clerk's 50 per hour this takes about 1 h."),
        (
            1200,
            True,
            "1,200 invitations: 120 bulk calls; at Clerk's 50 per hour this takes about 2 h.",
        ),
        (
            25_000,
            True,
            "25,000 invitations: 2,500 bulk calls; at Clerk's 50 per hour this takes about 49 h.",
        ),
        (
            1200,
            False,
            "1,200 invitations: 120 bulk calls; at Clerk's 50 per hour this would take about"
            " 2 h (this server is not paced: only its own 429s make it wait).",
        ),
    ],
)
def test_the_estimate(invitations: int, paced: bool, line: str) -> None:
    assert estimate(invitations, CLERK, paced=paced) == line


def test_the_estimate_follows_the_limit_it_is_given() -> None:
    assert estimate(25, RateLimit(2, 1.5), paced=True) == (
        "25 invitations: 3 bulk calls; at Clerk's 2 per 1.5 s this takes about 2 s."
    )
    assert estimate(25, None, paced=True) == "25 invitations: 3 bulk calls."


@pytest.mark.parametrize(
    ("calls", "seconds"), [(0, 0), (1, 0), (50, 0), (51, 3600), (100, 3600), (101, 7200)]
)
def test_waiting_is_a_window_per_further_batch(calls: int, seconds: float) -> None:
    # The pacer's permits come back a window after their answers: the 51st call waits for
    # the first, and calls 51 to 100 then go together.
    assert waiting(calls, CLERK) == seconds


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.2, "1 s"),
        (40, "40 s"),
        (59.2, "1 min"),
        (300, "5 min"),
        (3600, "1 h"),
        (5040, "1 h 24 min"),
        (7200, "2 h"),
        (176_400, "49 h"),
    ],
)
def test_durations_read_as_a_person_plans(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_each_call_may_wait_one_window_longer_than_the_client_would() -> None:
    assert patient(RetryPolicy(deadline=60), CLERK) == RetryPolicy(deadline=3660)
    kept = RetryPolicy(max_attempts=2, initial_delay=0.1, deadline=5)
    assert patient(kept, RateLimit(2, 1)) == RetryPolicy(
        max_attempts=2, initial_delay=0.1, deadline=6
    )
    # Without retries: one attempt, which may still wait for the budget.
    assert patient(None, CLERK) == RetryPolicy(max_attempts=1, deadline=3660)
    assert patient(RetryPolicy(deadline=None), CLERK) == RetryPolicy(deadline=None)
    assert patient(kept, None) is kept


class ShortDeadlineConnection(Connection):
    """The command's client with a deadline (1 s: time enough for any answer on a loaded
    machine) shorter than the patched window (2 s),
    paced as a client of Clerk's own API is when ``paced`` (``"auto"`` paces no other host)."""

    paced: bool = True

    @contextlib.asynccontextmanager
    async def client(self) -> AsyncIterator[ClerkClient]:
        async with ClerkClient(
            self.secret_key,
            base_url=self.base_url,
            rate_limit=RateLimit(1000, 10) if self.paced else None,
            retry=RetryPolicy(deadline=1.0),
        ) as clerk:
            yield clerk


class UnpacedConnection(ShortDeadlineConnection):
    paced = False


@pytest.fixture
def limited(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """Two bulk calls in 2 s, on the client's table and on the emulator alike."""
    monkeypatch.setitem(
        SCOPED_LIMITS, BULK, EndpointLimit("bulk invitation creates", 2, 2.0, per_resource=False)
    )
    with running_emulator(
        rate_limit=(1000, 10.0), endpoint_limits={"create_invitations_bulk": (2, 2.0)}
    ) as emu:
        yield Cli(emu)


def _invite_25(cli: Cli, tmp_path: Path, connection: Connection) -> str:
    """Invite 25 addresses to a new organization through ``connection``'s client; its stderr."""
    cli.emulator.state.create_organization(
        "Acme", slug="acme", created_by="user_1", max_allowed_memberships=0
    )
    emails = [f"dev{n:02d}@example.com" for n in range(25)]
    file = tmp_path / "emails.txt"
    file.write_text("\n".join(emails) + "\n")
    result = cli("invitations", "invite", "acme", "--file", str(file), "--json", obj=connection)
    assert result.exit_code == 0, result.output
    assert [i["email_address"] for i in json.loads(result.stdout)] == emails
    return result.stderr


def _bulk_arrivals(emu: ClerkEmulator) -> list[tuple[float, int | None]]:
    return [
        (r.time, r.status)
        for r in emu.requests
        if r.method == "POST" and r.path.endswith("/invitations/bulk")
    ]


def test_a_paced_client_waits_for_the_budget_rather_than_failing(
    limited: Cli, tmp_path: Path
) -> None:
    stderr = _invite_25(limited, tmp_path, ShortDeadlineConnection())
    assert "25 invitations: 3 bulk calls; at Clerk's 2 per 2 s this takes about 2 s." in stderr
    arrivals = _bulk_arrivals(limited.emulator)
    # The third call waited a window for the first call's permit: the emulator refused none.
    assert [status for _, status in arrivals] == [200, 200, 200]
    assert arrivals[2][0] - arrivals[0][0] >= 1.99
    assert limited.emulator.stats.faults["endpoint_limit"] == 0


def test_an_unpaced_client_waits_out_the_servers_429(limited: Cli, tmp_path: Path) -> None:
    stderr = _invite_25(limited, tmp_path, UnpacedConnection())
    assert "this would take about 2 s (this server is not paced" in stderr
    # The third call was refused once, with Retry-After, and sent again when it ran out.
    assert [status for _, status in _bulk_arrivals(limited.emulator)] == [200, 200, 429, 200]
    assert limited.emulator.stats.faults["endpoint_limit"] == 1


async def test_clerks_hourly_limit_waits_for_an_hour_and_ctrl_c_says_what_was_done(
    tmp_path: Path,
) -> None:
    # Against `clerk-orgs emulator` with Clerk's own limits: 50 bulk calls go, the 51st gets a
    # 429 asking to wait most of an hour, and the command waits (the client's own deadline is
    # a minute) until Ctrl-C, then accounts for every address.
    key = "sk_test_hourly"
    emails = [f"dev{n:03d}@example.com" for n in range(520)]
    file = tmp_path / "emails.txt"
    file.write_text("\n".join(emails) + "\n")
    async with (
        emulator_process(
            "--rate-limit=1000/10", "--max-memberships=0", f"--secret-key={key}"
        ) as emu,
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {key}"}) as session,
    ):
        body = {"name": "Acme", "slug": "acme", "created_by": "user_1"}
        async with session.post(emu.base_url + "/organizations", json=body) as response:
            assert response.status == 200
            org_id = (await response.json())["id"]
        invite = await asyncio.create_subprocess_exec(
            *COMMAND, "invitations", "invite", "acme", "--file", str(file), "--json",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "CLERK_API_URL": emu.base_url, "CLERK_SECRET_KEY": key},
        )  # fmt: skip
        pending = f"{emu.base_url}/organizations/{org_id}/invitations?status=pending&limit=1"
        while True:
            async with session.get(pending) as response:
                if (await response.json())["total_count"] == 500:
                    break
            assert invite.returncode is None
            await asyncio.sleep(0.05)
        # The 51st call's 429 came and went (the console's log shows it): still waiting.
        refused = URL(emu.base_url).origin() / "_console" / "log" % {"status": "429"}
        while True:
            async with session.get(refused) as response:
                if (await response.json())["new"]:
                    break
            assert invite.returncode is None
            await asyncio.sleep(0.05)
        assert invite.returncode is None
        invite.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(invite.communicate(), 30)
    assert invite.returncode == 130, err.decode()
    assert b"Traceback" not in err
    assert (
        "520 invitations: 52 bulk calls; at Clerk's 50 per hour this would take about 1 h"
        in err.decode()
    )
    report = json.loads(out)
    assert report["created"] == emails[:500]
    assert report["maybe_created"] == emails[500:510]
    assert report["not_created"] == emails[510:]
    assert report["interrupted"] is True and report["error"] is None
