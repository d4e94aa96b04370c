"""Run the benchmarks and write RESULTS.md: ``python -m benchmarks`` (``--help`` for options).

Each scenario gets a server in its own process; each round runs every contender once, each
in a fresh process, in an order that rotates from round to round.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

if __name__ == "__main__" and not __package__:  # run as `python benchmarks/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._contenders import SECRET_KEY, missing
from benchmarks._report import ROOT, Results, kept_section, machine, markdown, prefetch_chart
from benchmarks._scenarios import SCENARIOS, Scenario, ServerSpec

HERE = Path(__file__).resolve().parent
WORKER_TIMEOUT = 600
SERVER_START_TIMEOUT = 120


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # Cached bytecode, as an installed package has: import time must not include compiling.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def emulator_available() -> bool:
    """True when the project's emulator and its command line are installed."""
    modules = ("click", "clerk_orgs_async._cli", "clerk_orgs_async.testing._emulator")
    try:
        return all(importlib.util.find_spec(module) for module in modules)
    except ImportError:
        return False


def _server_command(spec: ServerSpec, emulator: bool) -> list[str]:
    if not emulator:
        return [sys.executable, "-m", "benchmarks._server", *spec.args()]
    command = [
        sys.executable,
        "-c",
        "import sys; from clerk_orgs_async._cli import main; sys.exit(main())",
        "emulator",
        "--port=0",
        f"--secret-key={SECRET_KEY}",
        f"--seed-orgs={spec.orgs}",
    ]
    if spec.latency:
        command.append(f"--latency={spec.latency}")
    if spec.rate_limit:
        command.append(f"--rate-limit={spec.rate_limit}")
    return command


def _wait_for_url(process: subprocess.Popen[bytes], output: Path, emulator: bool) -> str:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        for line in output.read_text(errors="replace").splitlines():
            if emulator and line.startswith("export CLERK_API_URL="):
                return line.split("=", 1)[1].strip()
            if not emulator and line.startswith("READY "):
                return f"http://127.0.0.1:{int(line.split()[1])}/v1"
        if process.poll() is not None:
            break
        time.sleep(0.05)
    tail = output.read_text(errors="replace").strip().splitlines()[-3:]
    raise RuntimeError(f"the server did not start: {' / '.join(tail) or 'no output'}")


@contextmanager
def server(spec: ServerSpec, emulator: bool) -> Iterator[str]:
    """Start the benchmark server or the project's emulator; yield its base URL; stop it."""
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "server.log"
        with output.open("wb") as sink:
            process = subprocess.Popen(
                _server_command(spec, emulator),
                cwd=ROOT,
                env=_env(),
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        try:
            yield _wait_for_url(process, output, emulator)
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _run(command: list[str]) -> dict[str, float]:
    done = subprocess.run(
        command, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=WORKER_TIMEOUT
    )
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-3:]
        raise RuntimeError(f"exit {done.returncode}: {' / '.join(tail)}")
    metrics: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return metrics


def _import_command(options: dict[str, Any]) -> list[str]:
    code = (
        "import time\n"
        "t0 = time.perf_counter()\n"
        f"{options['statement']}\n"
        "t1 = time.perf_counter()\n"
        f"{options['construct']}\n"
        "t2 = time.perf_counter()\n"
        'print(\'{"import_ms": %f, "construct_ms": %f, "total_ms": %f}\' '
        "% ((t1 - t0) * 1e3, (t2 - t1) * 1e3, (t2 - t0) * 1e3))\n"
    )
    return [sys.executable, "-c", code]


def _worker_command(
    scenario: Scenario, contender: str, options: dict[str, Any], base_url: str, quick: bool
) -> list[str]:
    job = {
        "scenario": scenario.name,
        "contender": contender,
        "options": options,
        "base_url": base_url,
        "params": scenario.quick_params if quick else scenario.params,
    }
    return [sys.executable, "-m", "benchmarks._worker", json.dumps(job)]


def _summary(metrics: dict[str, float]) -> str:
    return ", ".join(f"{key}={value:.4g}" for key, value in metrics.items())


def run_scenario(
    scenario: Scenario,
    results: Results,
    rounds: int,
    quick: bool,
    only: set[str] | None,
    server_kind: str,
) -> None:
    entries = []
    for entry in scenario.entries:
        if only is not None and entry.contender not in only:
            continue
        absent = missing(entry.contender)
        if absent:
            text = f"`{entry.label}` skipped: {absent} is not installed"
            if text not in results.notes.get(scenario.name, []):
                results.note(scenario.name, text + " (`pip install -e '.[benchmark]'`).")
            continue
        entries.append(entry)
    if not entries:
        return
    started = time.perf_counter()
    failed: set[str] = set()
    emulator = False
    if scenario.server:
        wanted = server_kind == "emulator" or scenario.server.prefer_emulator
        emulator = wanted and emulator_available()
        if wanted and not emulator:
            results.note(scenario.name, "the project's emulator is not available: ran on ours.")
        results.servers[scenario.name] = (
            "the project's emulator (`clerk-orgs emulator`)"
            if emulator
            else "the benchmark server (`benchmarks/_server.py`)"
        )
        results.servers[scenario.name] += f", {scenario.server.describe()}"
    with server(scenario.server, emulator) if scenario.server else _no_server() as base_url:
        if scenario.kind == "import":
            for entry in entries:  # compile and cache the bytecode first
                _run(_import_command(entry.options))
        for round_ in range(rounds):
            shift = round_ % len(entries)
            for entry in entries[shift:] + entries[:shift]:
                if entry.label in failed:
                    continue
                if scenario.kind == "import":
                    command = _import_command(entry.options)
                else:
                    command = _worker_command(
                        scenario, entry.contender, entry.options, base_url, quick
                    )
                try:
                    metrics = _run(command)
                except (RuntimeError, subprocess.TimeoutExpired, ValueError) as exc:
                    failed.add(entry.label)
                    results.note(scenario.name, f"`{entry.label}` failed: {exc}")
                    log(f"  {scenario.name} {entry.label}: FAILED {exc}")
                    continue
                results.add(scenario.name, entry.label, metrics)
                log(f"  {scenario.name} [{round_ + 1}/{rounds}] {entry.label}: {_summary(metrics)}")
    results.seconds[scenario.name] = time.perf_counter() - started


@contextmanager
def _no_server() -> Iterator[str]:
    yield ""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    names = [scenario.name for scenario in SCENARIOS]
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark clerk-orgs-async against bare aiohttp and the official SDK "
        "(`python -m benchmarks shared_budget` for the budget shared through Redis).",
    )
    parser.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help=f"scenarios to run (default: all): {', '.join(names)}",
    )
    parser.add_argument("--quick", action="store_true", help="fewer rounds and requests (~2 min)")
    parser.add_argument(
        "--rounds", type=int, help="rounds per scenario (import time runs 4x as many)"
    )
    parser.add_argument(
        "--contenders",
        help="comma-separated: clerk-orgs-async,aiohttp+json,aiohttp+orjson,clerk-backend-api",
    )
    parser.add_argument(
        "--output", type=Path, default=HERE, help="where RESULTS.md, prefetch.png and .results/ go"
    )
    parser.add_argument(
        "--server",
        choices=("bench", "emulator"),
        default="bench",
        help="serve every scenario from benchmarks/_server.py (default) or the project's "
        "emulator; the rate-limit scenario uses the emulator whenever it is installed",
    )
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    args = parser.parse_args(argv)
    unknown = set(args.scenarios) - set(names)
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(sorted(unknown))}; choose from {names}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        for scenario in SCENARIOS:
            print(f"{scenario.name:<11} {scenario.title}")
        return 0
    chosen = [s for s in SCENARIOS if not args.scenarios or s.name in args.scenarios]
    only = set(args.contenders.split(",")) if args.contenders else None
    results = Results(machine(), "quick" if args.quick else "full")
    started = time.perf_counter()
    for scenario in chosen:
        rounds = scenario.quick_rounds if args.quick else scenario.rounds
        if args.rounds:
            rounds = args.rounds * 4 + 1 if scenario.kind == "import" else args.rounds
        log(f"{scenario.name}: {scenario.title} ({rounds} rounds)")
        run_scenario(scenario, results, rounds, args.quick, only, args.server)
    results.mode += f", {time.perf_counter() - started:.0f} s in all"
    args.output.mkdir(parents=True, exist_ok=True)
    chart = None
    if any(s.name == "prefetch" for s in chosen):
        chart = prefetch_chart(results, args.output / "prefetch.png")
        if chart is None:
            results.note("prefetch", "no chart: matplotlib is not installed.")
    # The shared budget's section is written by `python -m benchmarks shared_budget`: keep it.
    kept = kept_section(args.output / "RESULTS.md")
    text = markdown(results, chosen, chart)
    (args.output / "RESULTS.md").write_text(text + ("\n" + kept if kept else ""))
    raw = args.output / ".results"
    raw.mkdir(exist_ok=True)
    (raw / "results.json").write_text(json.dumps(results.as_json(), indent=1) + "\n")
    log(f"wrote {args.output / 'RESULTS.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
