"""The pytest plugin as a user's suite meets it: fixtures, options fixture, marker."""

from __future__ import annotations

import pytest

from clerk_orgs_async.testing import ClerkEmulator

pytest_plugins = ["pytester"]


async def test_the_fixture_is_a_started_emulator(clerk_emulator: ClerkEmulator) -> None:
    assert clerk_emulator.base_url.endswith("/v1")
    assert "user_alice" in clerk_emulator.state.users  # from this suite's options fixture


@pytest.mark.clerk_emulator(default_max_allowed_memberships=0, users=["user_marked"])
async def test_the_marker_overrides_the_options_fixture(clerk_emulator: ClerkEmulator) -> None:
    assert list(clerk_emulator.state.users) == ["user_marked"]
    assert clerk_emulator.state.default_max_allowed_memberships == 0


def test_a_users_suite_gets_the_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function")
    pytester.makeconftest(
        """
import pytest

@pytest.fixture
def clerk_emulator_options():
    return {"users": ["user_1"], "secret_key": "sk_test_suite"}
"""
    )
    pytester.makepyfile(
        """
import aiohttp
import pytest

async def test_options(clerk_emulator):
    assert clerk_emulator.secret_key == "sk_test_suite"
    assert list(clerk_emulator.state.users) == ["user_1"]

@pytest.mark.clerk_emulator(rate_limit=(1, 60.0))
async def test_marker(clerk_emulator):
    headers = {"Authorization": "Bearer sk_test_suite"}
    async with aiohttp.ClientSession(headers=headers) as session:
        statuses = []
        for _ in range(2):
            async with session.get(clerk_emulator.base_url + "/organizations") as response:
                statuses.append(response.status)
    assert statuses == [200, 429]
"""
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_the_plugin_imports_nothing_heavy(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import sys

def test_lazy():
    import clerk_orgs_async.testing.pytest_plugin  # noqa: F401
    assert "clerk_orgs_async.testing._emulator" not in sys.modules
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
