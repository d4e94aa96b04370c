"""A real ``redis-server`` on a free port, in a directory of its own, that a test (or a
benchmark) may kill and restart."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

MISSING = (
    "redis-server is not installed: `make test` installs it "
    "(apt-get install -y --no-install-recommends redis-server)"
)


class RedisServer:
    """``redis-server`` with no persistence, on one port for its whole life (so a restart is
    the same URL to clients)."""

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(MISSING)
        self._binary = binary
        self._directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None
        self._started_once = False

    def start(self) -> None:
        """Start it; the first start moves to another free port if the probed one was taken in
        the meantime (by a test in another worker), a restart keeps its port and URL."""
        for _ in range(5):
            if self._launch():
                return
            if self._started_once:
                break
            self.port = free_port()
            self.url = f"redis://127.0.0.1:{self.port}/0"
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def _launch(self) -> bool:
        process = self._process = subprocess.Popen(
            [
                self._binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self._directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while self._pid() != process.pid:  # another worker's redis-server on the port is not ours
            if process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                return False
            time.sleep(0.02)  # polling another process: there is no event to await
        self._started_once = True
        return True

    def _pid(self) -> int | None:
        """The process ID of the redis-server that answers on the port (None: none answers)."""
        try:
            with self.client() as client:
                return int(client.info("server")["process_id"])
        except redis.RedisError:
            return None

    def client(self) -> redis.Redis:
        """A synchronous client, to look at what the budget keeps in Redis."""
        return redis.Redis.from_url(self.url, socket_timeout=2, decode_responses=True)

    def kill(self) -> None:
        """``kill -9``: no goodbye to the clients."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
            self._process = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
