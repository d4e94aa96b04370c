"""pytest fixtures for the Clerk emulator, loaded for everyone who installs the package.

Fixtures (function scope):

- ``clerk_emulator``: a started :class:`~clerk_orgs_async.testing.ClerkEmulator`, closed after
  the test. Seed it through ``clerk_emulator.state``; inject faults through
  ``clerk_emulator.faults``.
- ``clerk``: a ``ClerkClient`` on that emulator, closed after the test.
- ``clerk_webhooks``: a :class:`~clerk_orgs_async.testing.CapturedWebhooks` on that emulator:
  every event it sends, verified (needs the ``webhooks`` extra). Wait for one without sleeping:
  ``event = await clerk_webhooks.wait_for("organizationMembership.created")``.

Options, from the least to the most specific:

- override ``clerk_emulator_options`` (a dict of ``ClerkEmulator`` keyword arguments) in a
  ``conftest.py``:

  ```python
  @pytest.fixture
  def clerk_emulator_options():
      return {"users": ["user_1", "user_2"], "default_max_allowed_memberships": 0}
  ```

- mark a test, its class or its module (``pytestmark``):
  ``@pytest.mark.clerk_emulator(rate_limit=(5, 1.0))``, keywords only (merged over the above,
  the closest marker winning);
- override ``clerk_client_options`` for the ``ClerkClient`` keyword arguments.

The fixtures are coroutines and need pytest-asyncio, which the ``testing`` extra installs
(``pip install 'clerk-orgs-async[testing]'``). In ``pyproject.toml``:

```toml
[tool.pytest.ini_options]
asyncio_mode = "auto"                            # or mark tests @pytest.mark.asyncio
asyncio_default_fixture_loop_scope = "function"
```

In pytest-asyncio's strict mode (its default) an async test that uses the fixtures must be
marked ``@pytest.mark.asyncio``; an unmarked one fails with a message saying what to add.
The fixtures run on the test's own event loop (``loop_scope="function"``), whatever the
default fixture loop scope, and the emulator answers only while that loop runs. So a test
that is not async, or runs on a wider loop (``loop_scope="module"``, or
``asyncio_default_test_loop_scope``), fails at once with a message rather than hang on its
first request. For one emulator per module or session, start a ``ClerkEmulator`` in a
fixture of your own on that loop.

This module imports nothing heavy until a fixture runs, so installing the package costs
other test suites nothing.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from clerk_orgs_async import ClerkClient
    from clerk_orgs_async.testing import CapturedWebhooks, ClerkEmulator

try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - the test environment has pytest-asyncio
    pytest_asyncio = None  # type: ignore[assignment]

_NEEDS_PYTEST_ASYNCIO = (
    "the clerk_emulator and clerk fixtures run on asyncio and need pytest-asyncio: "
    "pip install 'clerk-orgs-async[testing]' (or pytest-asyncio), then set "
    'asyncio_mode = "auto" under [tool.pytest.ini_options] or mark the test with '
    "@pytest.mark.asyncio"
)
_NOT_ON_ASYNCIO = (
    "{test} is an async test using the clerk_emulator/clerk fixtures, but pytest-asyncio "
    "does not run it (its strict mode runs marked tests only): mark it with "
    '@pytest.mark.asyncio, or set asyncio_mode = "auto" under [tool.pytest.ini_options] '
    "in pyproject.toml"
)
_OTHER_LOOP = (
    "{test} runs on pytest-asyncio's {scope}-scoped event loop, but the clerk_emulator and "
    "clerk fixtures run on the test's own (function-scoped) loop, and an emulator answers on "
    "its own loop only (every request would hang): run this test with "
    '@pytest.mark.asyncio(loop_scope="function"), or start a ClerkEmulator in a fixture of '
    'your own with loop_scope="{scope}"'
)
_NOT_ASYNC = (
    "{test} is not async: the emulator of clerk_emulator and clerk answers only while the "
    "test's event loop runs, so a request from this test would hang: make it an async def "
    "test and await the client (or run your synchronous code with asyncio.to_thread)"
)
_POSITIONAL = (
    "{test}: @pytest.mark.clerk_emulator takes ClerkEmulator's options as keywords, such as "
    "@pytest.mark.clerk_emulator(users=[...]); got {args!r}"
)


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``clerk_emulator`` marker (so ``--strict-markers`` accepts it)."""
    config.addinivalue_line(
        "markers", "clerk_emulator(**options): ClerkEmulator options for this test's emulator"
    )


@pytest.fixture
def clerk_emulator_options() -> dict[str, Any]:
    """``ClerkEmulator`` keyword arguments for ``clerk_emulator``; override to customise."""
    return {}


@pytest.fixture
def clerk_client_options() -> dict[str, Any]:
    """``ClerkClient`` keyword arguments for ``clerk``; override to customise."""
    return {}


def _check_runs_on_asyncio(request: pytest.FixtureRequest) -> None:
    """Fail with what to change, where pytest would say to install an async plugin or the
    test would wait for ever on an emulator whose loop is not running."""
    test = request.node
    if not isinstance(test, pytest.Function):
        return
    # A hypothesis test's function is a plain wrapper around the coroutine function.
    function = getattr(getattr(test.obj, "hypothesis", None), "inner_test", test.obj)
    if not inspect.iscoroutinefunction(function):
        pytest.fail(_NOT_ASYNC.format(test=test.name), pytrace=False)
    marker = test.get_closest_marker("asyncio")
    if marker is None:
        pytest.fail(_NOT_ON_ASYNCIO.format(test=test.name), pytrace=False)
    # The rule pytest-asyncio itself follows: the marker's scope, else the configured default.
    scope = marker.kwargs.get("loop_scope") or marker.kwargs.get("scope")
    if not scope:
        try:
            scope = test.config.getini("asyncio_default_test_loop_scope")
        except ValueError:  # pytest-asyncio before 0.26: no such option, tests run per function
            scope = None
    scope = scope or "function"
    if scope != "function":
        pytest.fail(_OTHER_LOOP.format(test=test.name, scope=scope), pytrace=False)


def _options(request: pytest.FixtureRequest, base: dict[str, Any]) -> dict[str, Any]:
    """``base`` with every ``clerk_emulator`` marker's options, the test's own winning."""
    options = dict(base)
    # iter_markers yields the closest first: the test's, its class's, its module's.
    for marker in reversed(list(request.node.iter_markers("clerk_emulator"))):
        if marker.args:
            pytest.fail(_POSITIONAL.format(test=request.node.name, args=marker.args), pytrace=False)
        options.update(marker.kwargs)
    return options


if pytest_asyncio is not None:

    @pytest_asyncio.fixture(loop_scope="function")
    async def clerk_emulator(
        request: pytest.FixtureRequest, clerk_emulator_options: dict[str, Any]
    ) -> AsyncIterator[ClerkEmulator]:
        """A started Clerk emulator, closed after the test."""
        _check_runs_on_asyncio(request)
        from clerk_orgs_async.testing import ClerkEmulator

        async with ClerkEmulator(**_options(request, clerk_emulator_options)) as emulator:
            yield emulator

    @pytest_asyncio.fixture(loop_scope="function")
    async def clerk(
        clerk_emulator: ClerkEmulator, clerk_client_options: dict[str, Any]
    ) -> AsyncIterator[ClerkClient]:
        """A ``ClerkClient`` on ``clerk_emulator``, closed after the test."""
        async with clerk_emulator.client(**clerk_client_options) as client:
            yield client

    @pytest_asyncio.fixture(loop_scope="function")
    async def clerk_webhooks(clerk_emulator: ClerkEmulator) -> AsyncIterator[CapturedWebhooks]:
        """Every event ``clerk_emulator`` sends from now on, verified; closed after the test."""
        async with await clerk_emulator.webhooks.capture() as captured:
            yield captured

else:  # pragma: no cover

    @pytest.fixture
    def clerk_emulator() -> None:
        """Fails: the emulator fixtures need pytest-asyncio."""
        pytest.fail(_NEEDS_PYTEST_ASYNCIO, pytrace=False)

    @pytest.fixture
    def clerk() -> None:
        """Fails: the emulator fixtures need pytest-asyncio."""
        pytest.fail(_NEEDS_PYTEST_ASYNCIO, pytrace=False)

    @pytest.fixture
    def clerk_webhooks() -> None:
        """Fails: the emulator fixtures need pytest-asyncio."""
        pytest.fail(_NEEDS_PYTEST_ASYNCIO, pytrace=False)
