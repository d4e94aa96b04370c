"""The pytest plugin as a user's suite meets it: fixtures, options fixture, marker."""

from __future__ import annotations

import pytest

from clerk_orgs_async import ClerkClient
from clerk_orgs_async.testing import CapturedWebhooks, ClerkEmulator
from tests._readme import ROOT, block

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


@pytest.mark.slow  # pytest in a process of its own: make test runs it, make check not
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


# A new project, as the testing guide sets it up: its pyproject.toml lines, in both asyncio modes.
GUIDE = ROOT / "docs" / "guides" / "testing.md"

STRICT_TEST = """
import pytest

@pytest.mark.asyncio
async def test_marked(clerk, clerk_emulator):
    clerk_emulator.state.add_users(["user_1"])
    org = await clerk.organizations.create(name="Acme", created_by="user_1")
    assert clerk_emulator.state.organizations[org.id].slug == "acme"

async def test_unmarked(clerk):
    pass
"""


def _new_project(pytester: pytest.Pytester, pyproject: str) -> None:
    pytester.makefile(".toml", pyproject=pyproject)


@pytest.mark.slow  # pytest in a process of its own: make test runs it, make check not
def test_auto_mode_with_the_readmes_lines(pytester: pytest.Pytester) -> None:
    pyproject = block("toml", section="With pytest", path=GUIDE).source
    assert 'asyncio_mode = "auto"' in pyproject
    _new_project(pytester, pyproject)
    test_file = block("python", section="With pytest", containing="# test_signup", path=GUIDE)
    pytester.makepyfile(test_signup=test_file.source)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=1)


@pytest.mark.slow  # pytest in a process of its own: make test runs it, make check not
def test_the_guides_webhooks_test_passes(pytester: pytest.Pytester) -> None:
    _new_project(pytester, block("toml", section="With pytest", path=GUIDE).source)
    test_file = block("python", section="Webhooks", containing="# test_webhooks", path=GUIDE)
    pytester.makepyfile(test_webhooks=test_file.source)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=1)


@pytest.mark.slow  # pytest in a process of its own: make test runs it, make check not
def test_strict_mode_with_a_marker_and_a_clear_message_without(pytester: pytest.Pytester) -> None:
    readme = block("toml", section="With pytest", path=GUIDE).source
    strict = "\n".join(line for line in readme.splitlines() if "asyncio_mode" not in line)
    _new_project(pytester, strict + '\nfilterwarnings = ["error"]\n')
    pytester.makepyfile(test_strict=STRICT_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*test_unmarked is an async test using the clerk_emulator/clerk fixtures*"
            'mark it with @pytest.mark.asyncio, or set asyncio_mode = "auto"*'
        ]
    )
    assert "You need to install a suitable plugin" not in result.stdout.str()


MARKERS_TEST = """
import pytest

pytestmark = pytest.mark.clerk_emulator(users=["user_module"], request_log_size=7)

@pytest.mark.clerk_emulator(users=["user_class"])
class TestMarkers:
    @pytest.mark.clerk_emulator(default_max_allowed_memberships=0)
    async def test_each_level_adds_and_the_closest_wins(self, clerk_emulator):
        assert list(clerk_emulator.state.users) == ["user_class"]
        assert clerk_emulator.state.default_max_allowed_memberships == 0
        assert clerk_emulator.requests.maxlen == 7

@pytest.mark.clerk_emulator({"users": ["user_x"]})
async def test_positional(clerk_emulator):
    pass
"""


def test_markers_merge_from_module_to_test_and_take_keywords_only(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function")
    pytester.makepyfile(test_markers=MARKERS_TEST)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*test_positional: @pytest.mark.clerk_emulator takes ClerkEmulator's options as keywords*"]
    )


LOOP_SCOPE_TEST = """
import pytest

@pytest.mark.asyncio(loop_scope="module")
async def test_on_the_module_loop(clerk_emulator):
    async with clerk_emulator.client(timeout=1.0, retry=None) as clerk:
        await clerk.organizations.get("acme")
"""


@pytest.mark.parametrize("where", ["marker", "ini"])
def test_a_test_on_a_wider_loop_fails_at_once_saying_why(
    pytester: pytest.Pytester, where: str
) -> None:
    ini = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    if where == "ini":
        ini += "asyncio_default_test_loop_scope = module\n"
    pytester.makeini(ini)
    test = LOOP_SCOPE_TEST
    if where == "ini":
        test = test.replace('@pytest.mark.asyncio(loop_scope="module")\n', "")
    pytester.makepyfile(test_loop=test)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*test_on_the_module_loop runs on pytest-asyncio's module-scoped event loop, but the "
            "clerk_emulator and clerk fixtures run on the test's own (function-scoped) loop*"
        ]
    )


def test_a_sync_test_is_told_the_emulator_would_not_answer(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function")
    pytester.makepyfile(
        test_sync="""
import urllib.request

def test_sync(clerk_emulator):
    request = urllib.request.Request(clerk_emulator.base_url + "/organizations")
    urllib.request.urlopen(request, timeout=2)
"""
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*test_sync is not async: the emulator of clerk_emulator and clerk answers only while*"]
    )


@pytest.mark.clerk_emulator(users=["user_1", "user_2"])
async def test_the_webhooks_fixture_receives_each_event_verified(
    clerk: ClerkClient, clerk_webhooks: CapturedWebhooks
) -> None:
    org = await clerk.organizations.create(name="Hooked", created_by="user_1")
    joined = await clerk_webhooks.wait_for("organizationMembership.created")
    assert joined.data == (await clerk.organization_memberships.list(org.id).collect())[0]
    with pytest.raises(TimeoutError, match=r"no organization\.deleted event within 0\.05 s"):
        await clerk_webhooks.wait_for("organization.deleted", timeout=0.05)
