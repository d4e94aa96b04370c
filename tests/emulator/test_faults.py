"""Fault injection: scripted statuses, hangs and drops, after-apply losses, random mode."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import aiohttp
import pytest

from clerk_orgs_async.testing import ClerkEmulator, Faults, RequestRecord
from tests._wait import until

from ._support import Api


async def test_scripted_statuses_hit_only_matching_requests(
    api: Api, clerk_emulator: ClerkEmulator
) -> None:
    clerk_emulator.faults.status(503, times=2, method="post", path="/v1/organizations")
    assert (await api.call("GET", "/organizations")).status == 200
    first = await api.call("POST", "/organizations", json={"name": "A"})
    second = await api.call("POST", "/organizations", json={"name": "A"})
    third = await api.call("POST", "/organizations", json={"name": "A"})
    assert [first.status, second.status, third.status] == [503, 503, 200]
    assert first.error_code() == "service_unavailable"
    assert len(clerk_emulator.state.organizations) == 1
    assert clerk_emulator.stats.faults["503"] == 2
    assert clerk_emulator.stats.statuses[503] == 2
    assert clerk_emulator.faults.pending == 0
    assert list(clerk_emulator.requests)[1] == RequestRecord(
        method="POST", path="/v1/organizations", status=503, fault="503"
    )


async def test_429_carries_retry_after(api: Api, clerk_emulator: ClerkEmulator) -> None:
    clerk_emulator.faults.status(429)
    clerk_emulator.faults.status(429, retry_after=7)
    default = await api.call("GET", "/organizations")
    custom = await api.call("GET", "/organizations")
    assert (default.status, default.headers["Retry-After"]) == (429, "1")
    assert (custom.status, custom.headers["Retry-After"]) == (429, "7")
    assert default.error_code() == "too_many_requests"


async def test_502_answers_html_and_500_answers_clerk_errors(
    api: Api, clerk_emulator: ClerkEmulator
) -> None:
    clerk_emulator.faults.status(502)
    clerk_emulator.faults.status(500)
    bad_gateway = await api.call("GET", "/organizations")
    internal = await api.call("GET", "/organizations")
    assert bad_gateway.status == 502
    assert bad_gateway.headers["Content-Type"].startswith("text/html")
    assert b"502 Bad Gateway" in bad_gateway.body
    assert (internal.status, internal.error_code()) == (500, "internal_clerk_error")


async def test_path_patterns_glob_and_regex(api: Api, clerk_emulator: ClerkEmulator) -> None:
    org = await api.create_org()
    clerk_emulator.faults.status(500, path="/v1/organizations/*/memberships")
    clerk_emulator.faults.status(502, path=re.compile(r"/v1/organizations/org_\w+"))
    assert (await api.call("GET", "/organizations")).status == 200
    assert (await api.call("GET", f"/organizations/{org['id']}/memberships")).status == 500
    assert (await api.call("GET", f"/organizations/{org['id']}")).status == 502
    assert (await api.call("GET", f"/organizations/{org['id']}")).status == 200


async def test_drop_closes_the_connection_before_the_write(
    api: Api, clerk_emulator: ClerkEmulator
) -> None:
    clerk_emulator.faults.drop(method="POST")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.call("POST", "/organizations", json={"name": "Lost"})
    assert len(clerk_emulator.state.organizations) == 0
    assert clerk_emulator.stats.dropped == 1
    assert clerk_emulator.requests[-1].status is None
    assert clerk_emulator.requests[-1].fault == "drop"


@pytest.mark.parametrize(
    ("inject", "outcome"),
    [
        (lambda f: f.drop(after_apply=True), "disconnected"),
        (lambda f: f.status(500, after_apply=True), 500),
        (lambda f: f.status(429, after_apply=True), 429),
    ],
)
async def test_after_apply_writes_then_loses_the_answer(
    api: Api, clerk_emulator: ClerkEmulator, inject: Any, outcome: object
) -> None:
    inject(clerk_emulator.faults)
    try:
        result: object = (await api.call("POST", "/organizations", json={"name": "Twice"})).status
    except aiohttp.ServerDisconnectedError:
        result = "disconnected"
    assert result == outcome
    # The write landed: a blind retry now creates a duplicate, with a derived slug.
    await api.create_org("Twice")
    slugs = sorted(org.slug for org in clerk_emulator.state.organizations.values())
    assert slugs == ["twice", "twice-2"]


async def test_hang_outlasts_a_client_timeout(api: Api, clerk_emulator: ClerkEmulator) -> None:
    clerk_emulator.faults.hang(5.0)
    timeout = aiohttp.ClientTimeout(total=0.2)
    with pytest.raises(asyncio.TimeoutError):
        async with api.session.get(
            clerk_emulator.base_url + "/organizations",
            headers={"Authorization": f"Bearer {clerk_emulator.secret_key}"},
            timeout=timeout,
        ):
            pass
    assert (await api.call("GET", "/organizations")).status == 200


async def test_a_short_hang_then_answers(api: Api, clerk_emulator: ClerkEmulator) -> None:
    clerk_emulator.faults.hang(0.15, after_apply=True)
    start = time.monotonic()
    reply = await api.call("POST", "/organizations", json={"name": "Slow"})
    assert reply.status == 200
    assert time.monotonic() - start >= 0.15
    assert clerk_emulator.stats.faults["hang"] == 1


async def test_closing_ends_hung_requests_at_once(emulator_options: dict[str, Any]) -> None:
    emulator = ClerkEmulator(**emulator_options)
    await emulator.start()
    emulator.faults.hang(60.0)
    async with aiohttp.ClientSession() as session:
        request = asyncio.ensure_future(
            session.get(
                emulator.base_url + "/organizations",
                headers={"Authorization": f"Bearer {emulator.secret_key}"},
            )
        )
        await until(lambda: emulator.stats.requests == 1)  # the request is in, hanging
        # At once: well before the 60 s hang would end, however loaded the machine.
        await asyncio.wait_for(emulator.close(), 30)
        with pytest.raises(aiohttp.ClientError):
            await request
    assert emulator.requests[-1].status is None


async def _statuses(emulator_options: dict[str, Any], seed: int) -> list[int | None]:
    async with ClerkEmulator(**emulator_options) as emulator:
        emulator.faults.random({500: 0.3, 429: 0.2}, seed=seed)
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as session:
            api = Api(session, emulator)
            return [(await api.call("GET", "/organizations")).status for _ in range(40)]


async def test_random_mode_is_reproducible_with_a_seed(emulator_options: dict[str, Any]) -> None:
    first = await _statuses(emulator_options, seed=3)
    again = await _statuses(emulator_options, seed=3)
    other = await _statuses(emulator_options, seed=4)
    assert first == again
    assert first != other
    assert {500, 429, 200} <= set(first)


async def test_random_drops_after_apply_on_writes(api: Api, clerk_emulator: ClerkEmulator) -> None:
    clerk_emulator.faults.random({"drop": 1.0}, seed=1, after_apply=1.0, method="POST")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.call("POST", "/organizations", json={"name": "Ghost"})
    assert len(clerk_emulator.state.organizations) == 1
    assert (await api.call("GET", "/organizations")).status == 200
    clerk_emulator.faults.clear()
    assert (await api.call("POST", "/organizations", json={"name": "Real"})).status == 200


async def test_random_429s_never_apply_the_write(api: Api, clerk_emulator: ClerkEmulator) -> None:
    # Clerk refuses a 429 before processing; after_apply only concerns other faults.
    clerk_emulator.faults.random({429: 1.0}, seed=1, after_apply=1.0, method="POST")
    response = await api.call("POST", "/organizations", json={"name": "Refused"})
    assert response.status == 429
    assert not [o for o in clerk_emulator.state.organizations.values() if o.name == "Refused"]


def test_fault_arguments_are_checked() -> None:
    faults = Faults()
    with pytest.raises(ValueError, match="times"):
        faults.drop(times=0)
    with pytest.raises(ValueError, match="sum"):
        faults.random({500: 0.7, 503: 0.4})
    with pytest.raises(ValueError, match="unknown fault"):
        faults.random({"explode": 0.1})
    faults.hang(1.0, times=3)
    faults.status(500)
    assert faults.pending == 4
    assert faults.take("GET", "/v1/organizations") is not None
    assert faults.pending == 3


def test_active_faults_are_described_in_the_order_they_apply() -> None:
    faults = Faults()
    assert faults.describe() == []
    faults.status(503, times=2, method="post", path="/v1/organizations")
    faults.status(429)
    faults.hang(1.5, after_apply=True, method="PATCH")
    faults.drop(path=re.compile(r"/v1/organizations/[^/]+"))
    faults.random({500: 0.05, "drop": 0.01}, method="GET")
    assert faults.describe() == [
        "503 for the next 2 POST requests to /v1/organizations",
        "429 (Retry-After 1 s) for the next request",
        "hang 1.5 s, after the write lands, for the next PATCH request",
        "drop the connection for the next request matching /v1/organizations/[^/]+",
        "At random, on every GET request: 500 5%, drop the connection 1%",
    ]
    assert faults.take("POST", "/v1/organizations") is not None
    assert faults.describe()[0] == "503 for the next POST request to /v1/organizations"
    faults.clear()
    assert faults.describe() == []


async def test_a_caller_with_a_wrong_key_leaves_the_faults_alone(
    api: Api, clerk_emulator: ClerkEmulator
) -> None:
    clerk_emulator.faults.status(503, times=2)
    clerk_emulator.faults.drop(method="POST")
    wrong = [
        await api.call("GET", "/organizations", key="sk_test_wrong"),
        await api.call("POST", "/organizations", json={"name": "A"}, key="sk_test_wrong"),
    ]
    unauthenticated = await api.call("GET", "/organizations", headers={"Authorization": ""})
    assert [r.status for r in [*wrong, unauthenticated]] == [401, 401, 401]
    assert clerk_emulator.faults.pending == 3
    assert clerk_emulator.stats.faults == {}
    assert [r.fault for r in clerk_emulator.requests] == [None, None, None]
    # The real caller meets every fault that was scripted for it.
    assert (await api.call("GET", "/organizations")).status == 503
    assert (await api.call("GET", "/organizations")).status == 503
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.call("POST", "/organizations", json={"name": "A"})
    assert clerk_emulator.faults.pending == 0


async def test_random_faults_roll_only_for_authenticated_requests(
    api: Api, clerk_emulator: ClerkEmulator
) -> None:
    async def statuses(wrong_keys_between: int) -> list[int]:
        clerk_emulator.faults.random({503: 0.5}, seed=3)
        seen = []
        for _ in range(12):
            for _ in range(wrong_keys_between):
                assert (await api.call("GET", "/organizations", key="sk_test_no")).status == 401
            seen.append((await api.call("GET", "/organizations")).status)
        return seen

    assert await statuses(0) == await statuses(2)
