"""A multi-process job: the emulator at an instance limit in a process of its own (counting
what it served, and when), and worker processes each with its own ClerkClient."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from asyncio.subprocess import PIPE, Process
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class Served:
    """What the emulator answered: ``(monotonic time, status)`` per request."""

    def __init__(self, served: list[tuple[float, int | None]]) -> None:
        self.served = served
        self.refused = sum(1 for _, status in served if status == 429)

    def utilisation(self, requests: int, window: float) -> float:
        """Requests let through over the most a sliding window allows in their span (a full
        window at once, then ``requests`` per ``window``), as ``benchmarks`` measures it."""
        times = sorted(at for at, status in self.served if status == 200)
        return len(times) / (requests * ((times[-1] - times[0]) / window + 1))


class Job:
    """The emulator's process and the workers' processes of one test."""

    def __init__(self, rate: str) -> None:
        self.rate = rate  # REQUESTS/SECONDS
        self.processes: list[Process] = []
        self.emulator: Process | None = None
        self.settings: dict[str, str] = {}

    async def _spawn(self, module: str, *args: str) -> Process:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, *args, cwd=ROOT, stdin=PIPE, stdout=PIPE, stderr=PIPE
        )
        self.processes.append(process)
        return process

    async def start_emulator(self) -> None:
        self.emulator = await self._spawn("tests.redis_budget._emulator", self.rate)
        assert self.emulator.stdout is not None
        line = await asyncio.wait_for(self.emulator.stdout.readline(), 30)
        assert line, (await self.emulator.communicate())[1].decode()
        self.settings = json.loads(line)

    async def workers(self, redis_url: str, jobs: list[tuple[int, float]]) -> list[Process]:
        """One process per (calls, share), each with its own ClerkClient and RedisRateLimit
        (``local``: a RateLimit of its own), all started together once all have loaded."""
        s = self.settings
        processes = [
            await self._spawn(
                "tests.redis_budget._worker",
                *(s["url"], s["key"], redis_url, s["org"], str(calls)),
                *(self.rate, str(share)),
            )
            for calls, share in jobs
        ]
        for process in processes:
            assert process.stdout is not None
            ready = await asyncio.wait_for(process.stdout.readline(), 60)
            assert ready == b"READY\n", (await process.communicate())[1].decode()[-3000:]
        for process in processes:
            assert process.stdin is not None
            process.stdin.write(b"go\n")
            process.stdin.close()
        return processes

    async def served(self) -> Served:
        """Stop the emulator; what it served."""
        assert self.emulator is not None
        self.emulator.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(self.emulator.communicate(), 30)
        assert self.emulator.returncode == 0, err.decode()[-3000:]
        return Served([tuple(pair) for pair in json.loads(out.splitlines()[-1])["served"]])


async def finish(processes: list[Process]) -> list[dict[str, Any]]:
    """Each worker's report, with its log as ``log``; every worker must exit cleanly."""
    outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in processes)), 120)
    reports = []
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err.decode()[-3000:]
        report = json.loads(out.decode().strip().splitlines()[-1])
        report["log"] = err.decode()
        reports.append(report)
    return reports
