"""The API answers a ``Host`` naming this machine only (against DNS rebinding), or one allowed."""

from __future__ import annotations

import aiohttp
import pytest

from clerk_orgs_async.testing import ClerkEmulator
from clerk_orgs_async.testing._hosts import allowed_hosts, host_allowed

from ._process import emulator_process
from ._support import USERS, Api

KEY = "sk_test_local"  # the documented key a rebinding page would try


@pytest.mark.parametrize(
    ("host", "allowed", "answered"),
    [
        ("127.0.0.1:8787", (), True),
        ("localhost:8787", (), True),
        ("LOCALHOST", (), True),
        ("app.localhost:8787", (), True),
        ("[::1]:8787", (), True),
        ("127.8.9.10", (), True),
        ("evil.example:8787", (), False),  # a rebound domain
        ("localhost.evil.example", (), False),
        ("127.0.0.1.nip.io", (), False),
        ("192.168.1.5:8787", (), False),
        (None, (), False),
        ("", (), False),
        ("emulator:8787", ("emulator",), True),
        ("EMULATOR", ("Emulator",), True),
        ("other:8787", ("emulator",), False),
        ("evil.example:8787", ("*",), True),
    ],
)
def test_which_hosts_are_answered(
    host: str | None, allowed: tuple[str, ...], answered: bool
) -> None:
    assert host_allowed(host, allowed_hosts("127.0.0.1", allowed)) is answered


def test_the_listening_interface_is_answered_too() -> None:
    assert host_allowed("0.0.0.0:8787", allowed_hosts("0.0.0.0", ()))  # noqa: S104
    assert host_allowed("10.0.0.7:8787", allowed_hosts("10.0.0.7", ()))
    assert not host_allowed("10.0.0.7:8787", allowed_hosts("127.0.0.1", ()))


@pytest.mark.parametrize("bad", ["emulator", ["a b"], [""], ["x/y"], [7]])
def test_allowed_hosts_must_be_a_list_of_host_names(bad: object) -> None:
    with pytest.raises(ValueError, match="allowed_hosts"):
        ClerkEmulator(allowed_hosts=bad)  # type: ignore[arg-type]


async def test_a_rebound_host_gets_nothing_even_with_the_key(
    api: Api, clerk_emulator: ClerkEmulator
) -> None:
    evil = {"Host": f"evil.example:{clerk_emulator.port}"}
    created = await api.call("POST", "/organizations", json={"name": "Pwned"}, headers=evil)
    assert (created.status, created.error_code()) == (400, "host_not_allowed")
    assert "allowed_hosts" in created.body["errors"][0]["long_message"]
    listed = await api.call("GET", "/organizations", headers=evil)
    assert listed.status == 400
    image = await api.call("GET", "/_emulator/images/img_x", headers=evil)
    assert image.status == 400
    assert clerk_emulator.state.organizations == {}
    assert [r.status for r in clerk_emulator.requests] == [400, 400, 400]
    local = {"Host": f"localhost:{clerk_emulator.port}"}
    assert (await api.call("GET", "/organizations", headers=local)).status == 200


async def test_allowed_hosts_let_a_container_name_in() -> None:
    async with (
        ClerkEmulator(users=USERS, allowed_hosts=["emulator"]) as emulator,
        aiohttp.ClientSession() as session,
    ):
        api = Api(session, emulator)
        named = await api.call("GET", "/organizations", headers={"Host": "emulator:8787"})
        assert named.status == 200
        other = await api.call("GET", "/organizations", headers={"Host": "other:8787"})
        assert (other.status, other.error_code()) == (400, "host_not_allowed")


async def test_the_cli_takes_allow_host() -> None:
    async with (
        emulator_process(f"--secret-key={KEY}", "--allow-host=emulator") as emu,
        aiohttp.ClientSession() as session,
    ):
        auth = {"Authorization": f"Bearer {KEY}"}
        url = emu.base_url + "/organizations"
        async with session.get(url, headers={**auth, "Host": "emulator:1"}) as named:
            assert named.status == 200
        async with session.get(url, headers={**auth, "Host": "evil.example:1"}) as evil:
            assert evil.status == 400
        async with session.get(url, headers=auth) as local:
            assert local.status == 200
