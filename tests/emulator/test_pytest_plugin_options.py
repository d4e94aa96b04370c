"""The pytest plugin's marker with the emulator's options: endpoint limits and the clock."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_a_users_suite_tunes_limits_and_time(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function")
    pytester.makepyfile(
        """
import aiohttp
import pytest

NOW = [1_700_000_000_000]

@pytest.mark.clerk_emulator(
    users=["user_1"],
    rate_limit=(1000, 1.0),
    endpoint_limits={"create_invitation": (1, 60.0)},
    clock=lambda: NOW[0],
)
async def test_invitations(clerk_emulator):
    org = clerk_emulator.state.create_organization("Acme", created_by="user_1")
    url = f"{clerk_emulator.base_url}/organizations/{org.id}/invitations"
    headers = {"Authorization": f"Bearer {clerk_emulator.secret_key}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        statuses, bodies = [], []
        for email in ("a@example.com", "b@example.com"):
            body = {"email_address": email, "role": "org:member", "expires_in_days": 1}
            async with session.post(url, json=body) as response:
                statuses.append(response.status)
                bodies.append(await response.json())
    assert statuses == [200, 429]
    NOW[0] += 86_400_000
    assert clerk_emulator.state.invitations.status(
        clerk_emulator.state.invitations.find(bodies[0]["id"])
    ) == "expired"
"""
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
