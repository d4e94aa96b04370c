"""A real ``redis-server`` per test, and the CLI's fixtures for ``test_cli.py``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import cli, emulator  # noqa: F401  (a live emulator, clerk-orgs on it)
from tests.redis_budget._server import RedisServer


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """Started with no persistence on a free port; stopped when the test ends."""
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
