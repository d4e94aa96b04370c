"""What is measured: the scenarios, their contenders, parameters and targets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

THIS = "clerk-orgs-async"
BARE = "aiohttp + json.loads"
BARE_ORJSON = "aiohttp + orjson.loads"
SDK = "clerk-backend-api"
WEBHOOK_FLOOR = "standardwebhooks verify + json.loads"
RATE_LIMIT = (100, 1.0)
"""Clerk's development budget (100 requests), over a 1-second window instead of 10 to keep a
round short: the pacing does not depend on the window's length."""


@dataclass(frozen=True)
class Entry:
    """One row of a scenario: a contender with its options, under a label."""

    label: str
    contender: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    digits: int = 1
    ratio: bool = False
    """Show the median over the scenario's baseline beside it."""


@dataclass(frozen=True)
class ServerSpec:
    orgs: int = 2_000
    latency: float = 0.0
    rate_limit: str | None = None
    prefer_emulator: bool = False
    """Use the project's emulator when it is installed (its rate limiting is under test)."""

    def describe(self) -> str:
        text = f"{self.orgs:,} organizations"
        if self.latency:
            text += f", {self.latency * 1000:g} ms latency"
        if self.rate_limit:
            text += f", rate limit {self.rate_limit} (requests/seconds)"
        return text

    def args(self) -> list[str]:
        args = ["--orgs", str(self.orgs), "--latency", str(self.latency)]
        return args + (["--rate-limit", self.rate_limit] if self.rate_limit else [])


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    measures: str
    entries: tuple[Entry, ...]
    metrics: tuple[Metric, ...]
    params: dict[str, Any]
    quick_params: dict[str, Any]
    rounds: int
    quick_rounds: int
    baseline: str | None = None
    server: ServerSpec | None = None
    kind: Literal["worker", "import"] = "worker"


CLIENTS = (
    Entry(THIS, "clerk-orgs-async"),
    Entry(BARE, "aiohttp+json"),
    Entry(BARE_ORJSON, "aiohttp+orjson"),
    Entry(SDK, "clerk-backend-api"),
)
PER_REQUEST = (
    Metric("cpu_us", "client CPU µs/request", ratio=True),
    Metric("wall_us", "wall µs/request", ratio=True),
)

SCENARIOS = (
    Scenario(
        "get",
        "Single `get`, sequential",
        "One `organizations.get` after another on one client: the client's own CPU time per "
        "request (the server runs in another process).",
        CLIENTS,
        PER_REQUEST,
        params={"n": 400, "blocks": 5},
        quick_params={"n": 150, "blocks": 3},
        rounds=5,
        quick_rounds=3,
        baseline=BARE,
        server=ServerSpec(),
    ),
    Scenario(
        "create",
        "`create`, sequential",
        "One `organizations.create` (name, slug, created_by) after another: encoding the body, "
        "the POST, decoding the new organization.",
        CLIENTS,
        PER_REQUEST,
        params={"n": 200, "blocks": 5},
        quick_params={"n": 100, "blocks": 3},
        rounds=5,
        quick_rounds=2,
        baseline=BARE,
        server=ServerSpec(),
    ),
    Scenario(
        "list",
        "List all 20,000 organizations, sequential",
        "Iterating every organization in pages of 500, one page at a time, no latency: "
        "throughput and the client's CPU per organization (decoding included).",
        CLIENTS,
        (
            Metric("objects_per_s", "organizations/s", digits=0, ratio=True),
            Metric("cpu_us_per_org", "client CPU µs/organization", digits=2, ratio=True),
        ),
        params={"walks": 3},
        quick_params={"walks": 1},
        rounds=5,
        quick_rounds=2,
        baseline=BARE,
        server=ServerSpec(orgs=20_000),
    ),
    Scenario(
        "prefetch",
        "List all 20,000 organizations with 50 ms latency: sequential vs prefetch",
        "The same walk with 50 ms added to every response, one page at a time and with "
        "`prefetch=2/4/8/16` pages in flight: wall time and speed-up over sequential.",
        (
            Entry("sequential", "clerk-orgs-async"),
            *(Entry(f"prefetch={n}", "clerk-orgs-async", {"prefetch": n}) for n in (2, 4, 8, 16)),
        ),
        (
            Metric("wall_s", "wall s", digits=3, ratio=True),
            Metric("objects_per_s", "organizations/s", digits=0),
        ),
        params={"walks": 1},
        quick_params={"walks": 1},
        rounds=5,
        quick_rounds=2,
        baseline="sequential",
        server=ServerSpec(orgs=20_000, latency=0.05),
    ),
    Scenario(
        "concurrent",
        "500 concurrent `get`s from one client",
        "500 tasks each doing one `get` at once through one client (connection pools of 100): "
        "wall time per batch and client CPU per request.",
        CLIENTS,
        (
            Metric("wall_ms", "wall ms per 500", ratio=True),
            Metric("cpu_us", "client CPU µs/request", ratio=True),
        ),
        params={"tasks": 500, "batches": 3},
        quick_params={"tasks": 500, "batches": 1},
        rounds=4,
        quick_rounds=2,
        baseline=BARE,
        server=ServerSpec(),
    ),
    Scenario(
        "memory",
        "Iterating 100,000 organizations: peak memory",
        "Peak RSS of the client process after walking 10,000 and 100,000 organizations "
        "(pages of 500): flat when only the pages in flight are held.",
        tuple(
            Entry(f"{label} {items // 1000}k", contender, {**options, "items": items})
            for label, contender, options in (
                (THIS, "clerk-orgs-async", {}),
                (f"{THIS} prefetch=8", "clerk-orgs-async", {"prefetch": 8}),
                (BARE, "aiohttp+json", {}),
            )
            for items in (10_000, 100_000)
        ),
        (
            Metric("peak_rss_mb", "peak RSS MB"),
            Metric("rss_before_mb", "RSS before the walk MB"),
        ),
        params={},
        quick_params={},
        rounds=3,
        quick_rounds=1,
        server=ServerSpec(orgs=100_000),
    ),
    Scenario(
        "import",
        "Import time",
        "The import timed inside a fresh interpreter (bytecode cached), then constructing the "
        "client; `import aiohttp` alone is the floor. `import clerk_orgs_async` by itself loads "
        "its names lazily (PEP 562), so the row that counts is `from clerk_orgs_async import "
        "ClerkClient`, which loads the client and everything it needs.",
        (
            Entry("aiohttp", "aiohttp+json", {"statement": "import aiohttp", "construct": "pass"}),
            Entry(
                f"{THIS} (package only)",
                "clerk-orgs-async",
                {"statement": "import clerk_orgs_async", "construct": "pass"},
            ),
            Entry(
                THIS,
                "clerk-orgs-async",
                {
                    "statement": "from clerk_orgs_async import ClerkClient",
                    "construct": "ClerkClient('sk_test_x')",
                },
            ),
            Entry(
                SDK,
                "clerk-backend-api",
                {
                    "statement": "from clerk_backend_api import Clerk",
                    "construct": "Clerk(bearer_auth='sk_test_x')",
                },
            ),
        ),
        (
            Metric("import_ms", "import ms", ratio=True),
            Metric("construct_ms", "construct client ms"),
            Metric("total_ms", "import + construct ms", ratio=True),
        ),
        params={},
        quick_params={},
        rounds=21,
        quick_rounds=5,
        baseline="aiohttp",
        kind="import",
    ),
    Scenario(
        "ratelimit",
        "2,000 writes against the emulator's instance limit of 100 requests per second",
        "2,000 concurrent metadata merges, one per organization, against the emulator limiting "
        "to 100 requests in any 1-second window (429 with Retry-After beyond); this client "
        "paced with `rate_limit=RateLimit(100, 1.0)`. Budget used: the writes that succeeded "
        "over the most a sliding window lets through in that time (a full window at once, then "
        "100 per second). The official SDK is not measured here: it does not pace, and it "
        "retries 429s with a backoff of up to an hour.",
        (Entry(f"{THIS} RateLimit(100, 1.0)", "clerk-orgs-async", {"rate_limit": RATE_LIMIT}),),
        (
            Metric("succeeded", "succeeded", digits=0),
            Metric("responses_429", "429 responses", digits=0),
            Metric("failed", "failed", digits=0),
            Metric("rate", "achieved writes/s"),
            Metric("budget_used", "budget used", digits=3),
            Metric("wall_s", "wall s", digits=2),
        ),
        params={"tasks": 2000, "limit": list(RATE_LIMIT)},
        quick_params={"tasks": 2000, "limit": list(RATE_LIMIT)},
        rounds=3,
        quick_rounds=1,
        server=ServerSpec(
            orgs=2_000, rate_limit=f"{RATE_LIMIT[0]}/{RATE_LIMIT[1]:g}", prefer_emulator=True
        ),
    ),
    Scenario(
        "sync",
        "Requests of a sync over 10,000 organizations with 5 members each",
        "Requests sent (counted, not timed) by `export_organizations(include_members=True)`, a "
        "sync of that export (no change) and a sync renaming 1% of the organizations, against "
        "the emulator, beside the lower bound: `ceil(orgs / 500) + ceil(memberships / 500)` "
        "reads plus one request per write.",
        (Entry(THIS, "clerk-orgs-async"),),
        (
            Metric("noop_requests", "no-op sync requests", digits=0),
            Metric("change_requests", "1% change requests", digits=0),
            Metric("export_requests", "export requests", digits=0),
            Metric("lower_bound", "reads needed", digits=0),
            Metric("writes", "writes needed", digits=0),
            Metric("noop_ratio", "no-op x bound", digits=3),
            Metric("change_ratio", "change x bound", digits=3),
        ),
        params={"orgs": 10_000, "members": 5, "changed": 0.01},
        quick_params={"orgs": 10_000, "members": 5, "changed": 0.01},
        rounds=1,
        quick_rounds=1,
    ),
    Scenario(
        "webhooks",
        "Verifying a webhook delivery",
        "`verify_webhook` on a mix of signed deliveries (an organization, a membership, an "
        "accepted invitation, a role, a `user.created` passed through) against the floor: "
        "standardwebhooks' own `verify` plus `json.loads`. CPU per delivery, no I/O.",
        (
            Entry(f"{THIS} verify_webhook", "clerk-orgs-async"),
            Entry(WEBHOOK_FLOOR, "standardwebhooks"),
        ),
        (Metric("cpu_us", "CPU µs/delivery", digits=2, ratio=True),),
        params={"n": 20_000, "blocks": 5},
        quick_params={"n": 5_000, "blocks": 3},
        rounds=5,
        quick_rounds=2,
        baseline=WEBHOOK_FLOOR,
    ),
    Scenario(
        "webhooks_delivery",
        "The emulator delivering webhooks",
        "A burst of organizations created through the emulator's Python API, each event signed "
        "and POSTed to one local aiohttp endpoint in the same process (answering 200 without "
        "verifying): events per second from the first change to the last delivery. Then the "
        "API's write latency (sequential `POST /organizations`) with that endpoint and without.",
        (Entry(f"{THIS} emulator", "clerk-orgs-async"),),
        (
            Metric("events_per_s", "events/s delivered", digits=0),
            Metric("write_ms", "ms/API write, one endpoint", digits=2),
            Metric("write_ms_without", "ms/API write, no endpoint", digits=2),
        ),
        params={"events": 5_000, "writes": 500},
        quick_params={"events": 1_000, "writes": 100},
        rounds=3,
        quick_rounds=1,
    ),
)


Medians = dict[str, dict[str, dict[str, float]]]
"""scenario -> entry label -> metric -> median."""


@dataclass(frozen=True)
class Target:
    name: str
    requirement: str
    check: Callable[[Medians], tuple[str, bool] | None]
    """The measured value as text and whether it passes; None when not measured."""


def _get(medians: Medians, scenario: str, label: str, metric: str) -> float | None:
    return medians.get(scenario, {}).get(label, {}).get(metric)


def _ratio(medians: Medians, scenario: str, metric: str, label: str, base: str) -> float | None:
    value, floor = _get(medians, scenario, label, metric), _get(medians, scenario, base, metric)
    if value is None or not floor:
        return None
    return value / floor


def _cpu_per_get(m: Medians) -> tuple[str, bool] | None:
    ratio = _ratio(m, "get", "cpu_us", THIS, BARE)
    return None if ratio is None else (f"{ratio:.2f}x", ratio <= 1.3)


def _list_cpu(m: Medians) -> tuple[str, bool] | None:
    cpu = _ratio(m, "list", "cpu_us_per_org", THIS, BARE)
    speed = _ratio(m, "list", "objects_per_s", THIS, BARE)
    if cpu is None or speed is None:
        return None
    return f"CPU {cpu:.2f}x, objects/s {speed:.2f}x", cpu <= 1.43 and speed >= 0.7


def _prefetch(m: Medians) -> tuple[str, bool] | None:
    ratio = _ratio(m, "prefetch", "wall_s", "sequential", "prefetch=8")
    return None if ratio is None else (f"{ratio:.2f}x faster", ratio >= 4)


FLAT_MARGIN_MB = 5.0
FLAT_FRACTION = 0.10


def _flat(m: Medians) -> tuple[str, bool] | None:
    parts, ok = [], True
    for label in (THIS, f"{THIS} prefetch=8"):
        small = _get(m, "memory", f"{label} 10k", "peak_rss_mb")
        large = _get(m, "memory", f"{label} 100k", "peak_rss_mb")
        if small is None or large is None:
            continue
        growth = large - small
        parts.append(f"{label.removeprefix(THIS).strip() or 'sequential'}: {growth:+.1f} MB")
        ok = ok and growth <= max(FLAT_MARGIN_MB, FLAT_FRACTION * small)
    return (", ".join(parts), ok) if parts else None


def _import(m: Medians) -> tuple[str, bool] | None:
    ratio = _ratio(m, "import", "import_ms", THIS, "aiohttp")
    return None if ratio is None else (f"{ratio:.2f}x", ratio <= 1.15)


def _sync(m: Medians) -> tuple[str, bool] | None:
    noop = _get(m, "sync", THIS, "noop_ratio")
    change = _get(m, "sync", THIS, "change_ratio")
    export = _get(m, "sync", THIS, "export_requests")
    bound = _get(m, "sync", THIS, "lower_bound")
    if noop is None or change is None or export is None or bound is None:
        return None
    text = f"no-op {noop:.3f}x, 1% change {change:.3f}x, export {export / bound:.3f}x"
    return text, max(noop, change, export / bound) <= 1.1


def _rate(m: Medians) -> tuple[str, bool] | None:
    label = f"{THIS} RateLimit(100, 1.0)"
    used = _get(m, "ratelimit", label, "budget_used")
    refused = _get(m, "ratelimit", label, "responses_429")
    failed = _get(m, "ratelimit", label, "failed")
    writes = _get(m, "ratelimit", label, "succeeded")
    if used is None or refused is None or failed is None or writes is None:
        return None
    share = refused / max(1.0, writes + failed)
    text = f"{used:.1%} of the budget, {refused:.0f} x 429 ({share:.1%}), {failed:.0f} failed"
    return text, used >= 0.95 and share <= 0.01 and failed == 0


def _webhooks(m: Medians) -> tuple[str, bool] | None:
    ratio = _ratio(m, "webhooks", "cpu_us", f"{THIS} verify_webhook", WEBHOOK_FLOOR)
    return None if ratio is None else (f"{ratio:.2f}x", ratio <= 1.5)


TARGETS = (
    Target("Sync requests, 10,000 organizations", "≤ 1.1x the lower bound", _sync),
    Target("CPU per `get`", f"≤ 1.3x {BARE}", _cpu_per_get),
    Target("List-all CPU per organization", f"≤ 1.43x {BARE} (objects/s ≥ 0.7x)", _list_cpu),
    Target("Prefetch 8 at 50 ms latency", "≥ 4x faster than sequential", _prefetch),
    Target(
        "Memory over 100,000 organizations",
        f"peak RSS at 100k within max({FLAT_MARGIN_MB:g} MB, {FLAT_FRACTION:.0%}) of 10k",
        _flat,
    ),
    Target("`from clerk_orgs_async import ClerkClient`", "≤ 1.15x `import aiohttp`", _import),
    Target(
        "2,000 writes at a 100/s instance limit",
        "≥ 95% of the budget, ≤ 1% 429s, no failures",
        _rate,
    ),
    Target("`verify_webhook` CPU per delivery", f"≤ 1.5x {WEBHOOK_FLOOR}", _webhooks),
)
