"""A real ``redis-server`` per test, and the CLI's fixtures for ``test_cli.py``."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._needs import missing
from tests.cli.conftest import cli, emulator  # noqa: F401  (a live emulator, clerk-orgs on it)
from tests.redis_budget._server import MISSING, RedisServer


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """Started with no persistence on a free port; stopped when the test ends."""
    if shutil.which("redis-server") is None:
        missing(MISSING)
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
