"""Where the client's CPU goes: ``python -m benchmarks.profile_hot_paths``.

Profiles sequential ``get``s and a list-all walk of this client and of bare aiohttp + json
against the benchmark server (in another process), and prints the profiled time per request
and per organization grouped by package, then the costliest functions. ``--pyinstrument``
also writes pyinstrument's HTML reports to ``benchmarks/.results/``. ``--imports`` shows the
modules ``from clerk_orgs_async import ClerkClient`` loads beyond ``import aiohttp``.

cProfile counts CPU time (``time.process_time``) and slows every Python call down, so read
the shares, not the absolute microseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import re
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from benchmarks._contenders import Contender, make
from benchmarks._scenarios import ServerSpec
from benchmarks._worker import server_ids
from benchmarks.run import HERE, server

_GROUPS = (
    ("clerk_orgs_async", "clerk_orgs_async"),
    ("<cattrs", "cattrs (generated structure functions)"),
    ("cattrs", "cattrs"),
    ("<attrs", "attrs (generated __init__)"),
    ("/attr/", "attrs"),
    ("/attrs/", "attrs"),
    ("aiohttp", "aiohttp"),
    ("yarl", "yarl"),
    ("multidict", "multidict"),
    ("asyncio", "asyncio"),
    ("/json/", "json (stdlib)"),
)


_OWN = ("clerk_orgs_async", "cattrs", "attrs")


def group(filename: str, function: str) -> str:
    """The package a profiled function belongs to."""
    if filename == "~":  # a C function: name it by what it is
        if "orjson" in function:
            return "orjson"
        if "json" in function:
            return "json (stdlib)"
        return "C built-ins"
    for needle, name in _GROUPS:
        if needle in filename:
            return name
    return "other (stdlib)"


def report(profile: cProfile.Profile, unit: int, per: str, top: int) -> str:
    """Profiled time per ``per`` grouped by package, then the costliest functions."""
    stats: dict[Any, Any] = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    by_group: dict[str, float] = defaultdict(float)
    rows, own = [], []
    for (filename, line, function), (_cc, calls, tottime, _ct, _callers) in stats.items():
        name = group(filename, function)
        by_group[name] += tottime
        row = (tottime, calls, f"{Path(filename).name}:{line}({function})")
        rows.append(row)
        if name.startswith(_OWN):
            own.append(row)
    total = sum(by_group.values())
    out = [f"  total {total / unit * 1e6:8.1f} µs per {per} (profiled)"]
    for name, seconds in sorted(by_group.items(), key=lambda item: -item[1]):
        out.append(f"  {seconds / unit * 1e6:8.2f} µs {seconds / total:6.1%}  {name}")
    out.append(f"  top {top} functions by own time (µs per {per}, calls per {per}):")
    for tottime, calls, name in sorted(rows, reverse=True)[:top]:
        out.append(f"  {tottime / unit * 1e6:8.2f} µs {calls / unit:6.2f}  {name}")
    if own:
        out.append(f"  the client's own code ({', '.join(_OWN)}):")
        for tottime, calls, name in sorted(own, reverse=True)[:top]:
            out.append(f"  {tottime / unit * 1e6:8.2f} µs {calls / unit:6.2f}  {name}")
    return "\n".join(out)


async def _profiled(
    contender: Contender, work: Callable[[], Awaitable[int]], pyinstrument_to: Path | None
) -> tuple[cProfile.Profile, int]:
    await work()  # warm up: connections, caches
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    units = await work()
    profile.disable()
    if pyinstrument_to is not None:
        from pyinstrument import Profiler

        with Profiler(async_mode="enabled") as profiler:
            await work()
        await asyncio.to_thread(pyinstrument_to.write_text, profiler.output_html())
    return profile, units


async def profile_contender(
    name: str, base_url: str, gets: int, pyinstrument: bool, top: int
) -> str:
    out = []
    async with make(name, base_url, {}) as contender:
        ids = await server_ids(base_url)

        async def get() -> int:
            for i in range(gets):
                await contender.get(ids[i % len(ids)])
            return gets

        async def walk() -> int:
            count = 0
            async for _org in contender.iterate():
                count += 1
            return count

        for title, work, per in (("get", get, "request"), ("list-all", walk, "organization")):
            slug = re.sub(r"\W+", "-", f"{name}-{title}")
            html = HERE / ".results" / f"pyinstrument-{slug}.html" if pyinstrument else None
            profile, units = await _profiled(contender, work, html)
            out.append(f"{name}: {title} ({units:,} {per}s)\n{report(profile, units, per, top)}")
    return "\n\n".join(out)


def import_report(top: int) -> str:
    """Modules ``from clerk_orgs_async import ClerkClient`` loads beyond ``import aiohttp``."""

    def times(statement: str) -> dict[str, tuple[int, int]]:
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", statement],
            capture_output=True,
            text=True,
            check=True,
        )
        found = {}
        for line in done.stderr.splitlines():
            match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
            if match:
                found[match[4]] = (int(match[1]), int(match[2]))
        return found

    floor = times("import aiohttp")
    ours = times("from clerk_orgs_async import ClerkClient")
    extra = {name: t for name, t in ours.items() if name not in floor}
    self_total = sum(t[0] for t in extra.values())
    lines = [
        f"import aiohttp: {sum(t[0] for t in floor.values()) / 1000:.1f} ms (self times summed)",
        f"from clerk_orgs_async import ClerkClient adds {len(extra)} modules, "
        f"{self_total / 1000:.1f} ms of self time; the heaviest by cumulative time:",
    ]
    for name, (own, cumulative) in sorted(extra.items(), key=lambda item: -item[1][1])[:top]:
        lines.append(f"  {cumulative / 1000:7.1f} ms cumulative {own / 1000:6.1f} ms self  {name}")
    return "\n".join(lines)


async def profile_all(args: argparse.Namespace) -> str:
    sections = []
    with server(ServerSpec(orgs=20_000), emulator=False) as base_url:
        for name in ("clerk-orgs-async", "aiohttp+json"):
            sections.append(
                await profile_contender(name, base_url, args.gets, args.pyinstrument, args.top)
            )
    return "\n\n".join(sections)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_hot_paths")
    parser.add_argument("--gets", type=int, default=2000, help="requests in the get profile")
    parser.add_argument("--top", type=int, default=15, help="functions to list")
    parser.add_argument("--pyinstrument", action="store_true", help="also write HTML reports")
    parser.add_argument("--imports", action="store_true", help="also profile the imports")
    args = parser.parse_args(argv)
    (HERE / ".results").mkdir(exist_ok=True)
    text = asyncio.run(profile_all(args))
    if args.imports:
        text += "\n\n" + import_report(args.top)
    print(text)
    (HERE / ".results" / "profile.txt").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
