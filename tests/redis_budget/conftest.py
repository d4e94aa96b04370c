"""A real ``redis-server`` per test, and the CLI's fixtures for ``test_cli.py``."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import cli, emulator  # noqa: F401  (a live emulator, clerk-orgs on it)
from tests.redis_budget._server import MISSING, RedisServer


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """Started with no persistence on a free port; stopped when the test ends."""
    if shutil.which("redis-server") is None:
        # CI must not pass without having looked: a missing server is a broken setup there.
        if os.environ.get("CI"):
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
