"""The machine the benchmarks ran on, RESULTS.md and the prefetch chart."""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import statistics
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks._scenarios import SCENARIOS, TARGETS, Medians, Scenario

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Results:
    """Every round's metrics, and what was skipped or failed."""

    machine: dict[str, str]
    mode: str
    rounds: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    """``scenario/label`` -> one metrics dict per round."""
    notes: dict[str, list[str]] = field(default_factory=dict)
    """scenario -> skipped contenders and failures."""
    seconds: dict[str, float] = field(default_factory=dict)
    """scenario -> how long it took to run."""
    servers: dict[str, str] = field(default_factory=dict)
    """scenario -> what served it."""

    def add(self, scenario: str, label: str, metrics: dict[str, float]) -> None:
        self.rounds.setdefault(f"{scenario}/{label}", []).append(metrics)

    def note(self, scenario: str, text: str) -> None:
        self.notes.setdefault(scenario, []).append(text)

    def samples(self, scenario: str, label: str, metric: str) -> list[float]:
        return [r[metric] for r in self.rounds.get(f"{scenario}/{label}", []) if metric in r]

    def medians(self) -> Medians:
        medians: Medians = {}
        for key, rounds in self.rounds.items():
            scenario, label = key.split("/", 1)
            metrics = {name for r in rounds for name in r}
            medians.setdefault(scenario, {})[label] = {
                name: statistics.median(self.samples(scenario, label, name)) for name in metrics
            }
        return medians

    def as_json(self) -> dict[str, Any]:
        return {
            "machine": self.machine,
            "mode": self.mode,
            "rounds": self.rounds,
            "notes": self.notes,
            "seconds": self.seconds,
            "servers": self.servers,
        }


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def machine() -> dict[str, str]:
    """What the numbers depend on, for the head of RESULTS.md."""
    return {
        "CPU": _cpu_model(),
        "cores": str(os.cpu_count()),
        "OS": platform.platform(),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "aiohttp": _version("aiohttp"),
        "orjson": _version("orjson"),
        "clerk-orgs-async": f"{_version('clerk-orgs-async')} (commit {_commit()})",
        "clerk-backend-api": _version("clerk-backend-api"),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _fmt(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}"


def _scenario_table(results: Results, scenario: Scenario, medians: Medians) -> list[str]:
    rows = medians.get(scenario.name, {})
    base = rows.get(scenario.baseline or "", {})
    header = ["contender"]
    for metric in scenario.metrics:
        header.append(metric.label)
        if metric.ratio and base:
            header.append(f"x {scenario.baseline}")
    first = scenario.metrics[0]
    header += [f"{first.label}: min-max", "rounds"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for entry in scenario.entries:
        if entry.label not in rows:
            continue
        values = rows[entry.label]
        cells = [f"`{entry.label}`" if entry.label == scenario.baseline else entry.label]
        for metric in scenario.metrics:
            value = values.get(metric.key)
            cells.append("-" if value is None else _fmt(value, metric.digits))
            if metric.ratio and base:
                floor = base.get(metric.key)
                ok = value is not None and floor
                cells.append(f"{value / floor:.2f}x" if ok else "-")  # type: ignore[operator]
        samples = results.samples(scenario.name, entry.label, first.key)
        cells.append(f"{_fmt(min(samples), first.digits)}-{_fmt(max(samples), first.digits)}")
        cells.append(str(len(samples)))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def markdown(results: Results, ran: list[Scenario], chart: str | None) -> str:
    """RESULTS.md: the machine, the targets, then one table per scenario."""
    medians = results.medians()
    out = [
        "# Benchmark results",
        "",
        "Written by `python -m benchmarks` (see [README.md](README.md) for what each scenario "
        "measures and how to read it). Every value is the **median over rounds**, each round a "
        "fresh client process against a server in another process, contenders alternating; "
        "ratios compare medians of the same run.",
        "",
        f"Mode: **{results.mode}**.",
        "",
        "| machine | |",
        "|---|---|",
    ]
    out += [f"| {key} | {value} |" for key, value in results.machine.items()]
    out += [
        "",
        "## Targets",
        "",
        "| target | requirement | measured | result |",
        "|---|---|---|---|",
    ]
    for target in TARGETS:
        checked = target.check(medians)
        measured, verdict = (
            ("not measured", "-")
            if checked is None
            else (
                checked[0],
                "PASS" if checked[1] else "**FAIL**",
            )
        )
        out.append(f"| {target.name} | {target.requirement} | {measured} | {verdict} |")
    for scenario in ran:
        out += ["", f"## {scenario.title}", "", scenario.measures, ""]
        if scenario.name in medians:
            out += _scenario_table(results, scenario, medians)
        if scenario.name == "prefetch" and chart:
            out += ["", f"![wall time by prefetch depth]({chart})"]
        notes = results.notes.get(scenario.name, [])
        if notes:
            out.append("")
            out += [f"- Note: {note}" for note in notes]
        if scenario.name in results.seconds:
            served = results.servers.get(scenario.name)
            text = f"Served by {served}; " if served else ""
            out += ["", f"_{text}run time {results.seconds[scenario.name]:.0f} s._"]
    return "\n".join(out) + "\n"


def prefetch_chart(results: Results, path: Path) -> str | None:
    """A bar chart of the prefetch scenario; None (and nothing written) without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    scenario = next(s for s in SCENARIOS if s.name == "prefetch")
    labels, medians, lows, highs = [], [], [], []
    for entry in scenario.entries:
        samples = results.samples("prefetch", entry.label, "wall_s")
        if samples:
            median = statistics.median(samples)
            labels.append(entry.label)
            medians.append(median)
            lows.append(median - min(samples))
            highs.append(max(samples) - median)
    if not medians:
        return None
    fig, ax = plt.subplots(figsize=(7, 4), dpi=120)
    bars = ax.bar(labels, medians, yerr=[lows, highs], capsize=4, color="#4c72b0")
    sequential = medians[0] if labels[0] == "sequential" else None
    if sequential:
        ax.axhline(sequential / 4, color="#c44e52", linestyle="--", label="target: 4x faster")
        for bar, value, high in zip(bars, medians, highs, strict=True):
            ax.annotate(
                f"{value:.2f} s\n{sequential / value:.1f}x faster",
                (bar.get_x() + bar.get_width() / 2, value + high),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8,
            )
        ax.legend()
    ax.set_ylabel("wall time, seconds (median, min-max)")
    ax.set_title("clerk-orgs-async: 20,000 organizations, pages of 500, 50 ms latency")
    ax.set_ylim(0, max(m + h for m, h in zip(medians, highs, strict=True)) * 1.25)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path.name


_BEGIN, _END = "<!-- shared_budget: begin -->", "<!-- shared_budget: end -->"


def record_section(section: str, results: Path = ROOT / "benchmarks" / "RESULTS.md") -> None:
    """Put the shared budget's ``section`` in ``results`` between its markers, replacing the
    last one's (``python -m benchmarks shared_budget`` writes it, apart from the rest)."""
    text = results.read_text() if results.exists() else ""
    block = f"{_BEGIN}\n{section}{_END}\n"
    if _BEGIN in text and _END in text:
        before, rest = text.split(_BEGIN, 1)
        text = before + block + rest.split(_END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    results.write_text(text)


def kept_section(results: Path) -> str:
    """The shared budget's section of ``results``, to keep when the rest is rewritten."""
    text = results.read_text() if results.exists() else ""
    if _BEGIN not in text or _END not in text:
        return ""
    return _BEGIN + text.split(_BEGIN, 1)[1].split(_END, 1)[0] + _END + "\n"
