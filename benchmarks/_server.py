"""A minimal, fast Clerk stand-in for the benchmarks, run in its own process.

It serves ``N`` organizations generated in memory, each encoded once at start-up, so the time a
request spends here is mostly aiohttp's own. Organizations carry every field of the spec's
``Organization`` schema (bapi 2025-11-10) with realistic values, newest first as Clerk orders
them. Options add a fixed latency to every request and a sliding-window rate limit that
answers 429 with ``Retry-After`` as Clerk does.

Run ``python -m benchmarks._server --orgs 20000 --latency 0.05``: it prints ``READY <port>``
once it listens on 127.0.0.1 and serves until terminated.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import signal
import socket
import string
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

try:
    import orjson

    def _dumps(obj: Any) -> bytes:
        return orjson.dumps(obj)

except ImportError:  # pragma: no cover - the server works without the speedups extra

    def _dumps(obj: Any) -> bytes:
        return json.dumps(obj, separators=(",", ":")).encode()


_BASE62 = string.digits + string.ascii_letters
_NOW_MS = 1_763_000_000_000  # mid-November 2025
_WORDS = ("acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka")
_KINDS = ("Labs", "Inc", "Group", "Studio", "Partners", "Systems", "Cloud", "Works")
_PLANS = ("free", "pro", "business", "enterprise")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _clerk_id(rng: random.Random, prefix: str) -> str:
    return f"{prefix}_" + "".join(rng.choices(_BASE62, k=27))


def organization(rng: random.Random, index: int, created_at: int) -> dict[str, Any]:
    """One organization as Clerk's API returns it, every field of the spec's schema."""
    name = f"{rng.choice(_WORDS).title()} {rng.choice(_KINDS)} {index}"
    has_image = rng.random() < 0.3
    image = _clerk_id(rng, "img") if has_image else "default"
    return {
        "object": "organization",
        "id": _clerk_id(rng, "org"),
        "name": name,
        "slug": name.lower().replace(" ", "-"),
        "image_url": f"https://img.clerk.com/eyJ0eXBlIjoicHJveHkiLCJzcmMiOi{image}",
        "has_image": has_image,
        "max_allowed_memberships": rng.choice((0, 5, 20, 100)),
        "admin_delete_enabled": rng.random() < 0.8,
        "public_metadata": {"plan": rng.choice(_PLANS), "seats": rng.randint(1, 500)},
        "private_metadata": {"stripe_customer_id": f"cus_{rng.randbytes(7).hex()}"},
        "created_by": _clerk_id(rng, "user"),
        "created_at": created_at,
        "updated_at": created_at + rng.randint(0, 86_400_000),
        "last_active_at": created_at + rng.randint(0, 30 * 86_400_000),
        "role_set_key": None if rng.random() < 0.7 else "role_set:default",
    }


class SlidingWindow:
    """At most ``requests`` in any ``per_seconds``; otherwise the seconds until room frees."""

    def __init__(self, requests: int, per_seconds: float) -> None:
        self.requests = requests
        self.per_seconds = per_seconds
        self._admitted: deque[float] = deque()

    def admit(self) -> int | None:
        now = time.monotonic()
        while self._admitted and self._admitted[0] <= now - self.per_seconds:
            self._admitted.popleft()
        if len(self._admitted) < self.requests:
            self._admitted.append(now)
            return None
        return max(1, math.ceil(self._admitted[0] + self.per_seconds - now))


def _error(status: int, code: str, message: str, **headers: str) -> web.Response:
    body = {
        "errors": [{"message": message, "long_message": message, "code": code}],
        "clerk_trace_id": random.randbytes(16).hex(),
    }
    return web.Response(
        status=status, body=_dumps(body), content_type="application/json", headers=headers
    )


def _json(body: bytes) -> web.Response:
    return web.Response(body=body, content_type="application/json")


class Server:
    """The organizations, pre-encoded, and the handlers that serve them."""

    def __init__(self, count: int, latency: float, limiter: SlidingWindow | None) -> None:
        rng = random.Random(20251110)
        orgs = [organization(rng, i, _NOW_MS - i * 1000) for i in range(count)]
        self.encoded = [_dumps(org) for org in orgs]
        self.by_key: dict[str, bytes] = {}
        for org, body in zip(orgs, self.encoded, strict=True):
            self.by_key[org["id"]] = body
            self.by_key[org["slug"]] = body
        self.latency = latency
        self.limiter = limiter
        self.rng = rng

    @web.middleware
    async def pacing(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if self.limiter is not None and (retry_after := self.limiter.admit()) is not None:
            return _error(
                429, "too_many_requests", "Too Many Requests", **{"Retry-After": str(retry_after)}
            )
        if self.latency:
            await asyncio.sleep(self.latency)
        return await handler(request)

    async def list_organizations(self, request: web.Request) -> web.Response:
        try:
            limit = int(request.query.get("limit", "10"))
            offset = int(request.query.get("offset", "0"))
        except ValueError:
            return _error(422, "form_param_format_invalid", "limit and offset must be integers")
        if not 1 <= limit <= 500 or offset < 0:
            return _error(422, "form_param_value_invalid", "limit must be 1..500, offset >= 0")
        data = b",".join(self.encoded[offset : offset + limit])
        total = str(len(self.encoded)).encode()
        return _json(b'{"data":[' + data + b'],"total_count":' + total + b"}")

    async def get_organization(self, request: web.Request) -> web.Response:
        body = self.by_key.get(request.match_info["key"])
        if body is None:
            return _error(404, "resource_not_found", "not found")
        return _json(body)

    async def create_organization(self, request: web.Request) -> web.Response:
        # Answered like Clerk but not stored: the benchmark measures the client, and the
        # server's memory must stay flat over many rounds.
        fields = json.loads(await request.read())
        if not isinstance(fields, dict) or not fields.get("name"):
            return _error(422, "form_param_missing", "name is required")
        org = organization(self.rng, len(self.encoded), _NOW_MS)
        org["name"] = fields["name"]
        org["slug"] = fields.get("slug") or fields["name"].lower().replace(" ", "-")
        org["created_by"] = fields.get("created_by")
        org["public_metadata"] = fields.get("public_metadata") or {}
        org["private_metadata"] = fields.get("private_metadata") or {}
        return _json(_dumps(org))

    async def merge_metadata(self, request: web.Request) -> web.Response:
        # Answered like Clerk but not stored, as creates are.
        body = self.by_key.get(request.match_info["key"])
        if body is None:
            return _error(404, "resource_not_found", "not found")
        org = json.loads(body)
        fields = json.loads(await request.read())
        org["public_metadata"] = {**org["public_metadata"], **(fields.get("public_metadata") or {})}
        return _json(_dumps(org))

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.pacing])
        app.router.add_get("/v1/organizations", self.list_organizations)
        app.router.add_post("/v1/organizations", self.create_organization)
        app.router.add_get("/v1/organizations/{key}", self.get_organization)
        app.router.add_patch("/v1/organizations/{key}/metadata", self.merge_metadata)
        return app


def parse_rate_limit(value: str) -> SlidingWindow:
    """``50/1`` -> 50 requests per second."""
    requests, _, seconds = value.partition("/")
    return SlidingWindow(int(requests), float(seconds or "1"))


async def serve(server: Server) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    runner = web.AppRunner(server.app(), access_log=None, handle_signals=False)
    await runner.setup()
    await web.SockSite(runner, sock, backlog=1024).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"READY {sock.getsockname()[1]}", flush=True)
    await stop.wait()
    await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--orgs", type=int, default=20_000, help="organizations to serve")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    parser.add_argument(
        "--rate-limit", type=parse_rate_limit, default=None, help="e.g. 50/1: 50 per second"
    )
    args = parser.parse_args(argv)
    server = Server(args.orgs, args.latency, args.rate_limit)
    asyncio.run(serve(server))
    sys.exit(0)


if __name__ == "__main__":
    main()
