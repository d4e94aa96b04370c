"""The clients under comparison, behind one small interface the scenarios drive.

- ``clerk-orgs-async``: this project's ``ClerkClient``.
- ``aiohttp+json``: the floor of this stack: one shared ``aiohttp.ClientSession``, the same
  headers, ``json.loads`` into dicts, a status check, and nothing else.
- ``aiohttp+orjson``: the same floor decoding with orjson, as this client does when the
  ``speedups`` extra is installed.
- ``clerk-backend-api``: the official SDK's ``*_async`` methods (httpx and pydantic).

Each is an async context manager; ``options`` carry per-entry settings such as ``prefetch``.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Any

import aiohttp

SECRET_KEY = "sk_test_benchmarks0000000000000000000000000"
API_VERSION = "2025-11-10"
PAGE_SIZE = 500

REQUIRES = {
    "clerk-orgs-async": "clerk_orgs_async",
    "aiohttp+json": "aiohttp",
    "aiohttp+orjson": "orjson",
    "clerk-backend-api": "clerk_backend_api",
    "standardwebhooks": "standardwebhooks",
}
"""The module each contender needs: the runner skips a contender whose module is missing."""


def missing(contender: str) -> str | None:
    """The distribution a contender needs and does not find, or None when it can run."""
    module = REQUIRES[contender]
    if importlib.util.find_spec(module) is None:
        return module.replace("_", "-")
    return None


class RateLimited(Exception):
    """A 429 that reached the caller."""


class Contender:
    """What every contender offers the scenarios."""

    async def __aenter__(self) -> Contender:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def get(self, org_id: str) -> object:
        raise NotImplementedError

    async def create(self, name: str, slug: str, created_by: str) -> object:
        raise NotImplementedError

    async def merge_metadata(self, org_id: str, metadata: dict[str, Any]) -> object:
        """A write: ``PATCH /organizations/{id}/metadata``."""
        raise NotImplementedError

    def iterate(self, max_items: int | None = None) -> AsyncIterator[object]:
        """Every organization, newest first, in pages of ``PAGE_SIZE``."""
        raise NotImplementedError

    retried_429 = 0
    """429s the contender absorbed itself (retried) rather than raising."""


class ThisClient(Contender):
    def __init__(self, base_url: str, options: dict[str, Any]) -> None:
        from clerk_orgs_async import ClerkClient, RateLimit, RetryEvent

        rate_limit = None
        if "rate_limit" in options:
            requests, per_seconds = options["rate_limit"]
            rate_limit = RateLimit(requests=requests, per_seconds=per_seconds)

        def count(event: RetryEvent) -> None:
            if event.status == 429:
                self.retried_429 += 1

        self.prefetch: int = options.get("prefetch", 0)
        self.client = ClerkClient(
            SECRET_KEY,
            base_url=base_url,
            api_version=API_VERSION,
            rate_limit=rate_limit,
            on_retry=count,
        )

    async def __aenter__(self) -> Contender:
        await self.client.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.client.aclose()

    async def get(self, org_id: str) -> object:
        from clerk_orgs_async import RateLimitError

        try:
            return await self.client.organizations.get(org_id)
        except RateLimitError as exc:
            raise RateLimited from exc

    async def create(self, name: str, slug: str, created_by: str) -> object:
        return await self.client.organizations.create(name=name, slug=slug, created_by=created_by)

    async def merge_metadata(self, org_id: str, metadata: dict[str, Any]) -> object:
        from clerk_orgs_async import RateLimitError

        try:
            return await self.client.organizations.merge_metadata(org_id, public_metadata=metadata)
        except RateLimitError as exc:
            raise RateLimited from exc

    def iterate(self, max_items: int | None = None) -> AsyncIterator[object]:
        return aiter(
            self.client.organizations.list(
                limit=PAGE_SIZE, max_items=max_items, prefetch=self.prefetch
            )
        )


class BareAiohttp(Contender):
    def __init__(self, base_url: str, loads: Callable[[bytes], Any]) -> None:
        self.base_url = base_url
        self.loads = loads
        self.headers = {
            "Authorization": f"Bearer {SECRET_KEY}",
            "Clerk-API-Version": API_VERSION,
            "User-Agent": f"bench aiohttp/{aiohttp.__version__}",
            "Accept": "application/json",
        }
        self.post_headers = {**self.headers, "Content-Type": "application/json"}
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Contender:
        self.session = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.session is not None:
            await self.session.close()

    async def _request(
        self,
        method: str,
        path: str,
        params: dict[str, str] | None = None,
        data: bytes | None = None,
    ) -> Any:
        assert self.session is not None
        headers = self.headers if data is None else self.post_headers
        async with self.session.request(
            method, self.base_url + path, params=params, data=data, headers=headers
        ) as response:
            body = await response.read()
            if response.status == 429:
                raise RateLimited
            if response.status != 200:
                raise RuntimeError(f"{method} {path}: HTTP {response.status}")
            return self.loads(body)

    async def get(self, org_id: str) -> object:
        return await self._request("GET", f"/organizations/{org_id}")

    async def create(self, name: str, slug: str, created_by: str) -> object:
        body = json.dumps({"name": name, "slug": slug, "created_by": created_by}).encode()
        return await self._request("POST", "/organizations", data=body)

    async def merge_metadata(self, org_id: str, metadata: dict[str, Any]) -> object:
        body = json.dumps({"public_metadata": metadata}).encode()
        return await self._request("PATCH", f"/organizations/{org_id}/metadata", data=body)

    async def iterate(self, max_items: int | None = None) -> AsyncIterator[object]:
        offset = 0
        left = max_items
        while left is None or left > 0:
            params = {"limit": str(PAGE_SIZE), "offset": str(offset)}
            page = await self._request("GET", "/organizations", params=params)
            data = page["data"]
            for org in data if left is None else data[:left]:
                yield org
            offset += len(data)
            if left is not None:
                left -= len(data)
            if len(data) < PAGE_SIZE or offset >= page["total_count"]:
                return


class OfficialSDK(Contender):
    def __init__(self, base_url: str) -> None:
        from clerk_backend_api import Clerk

        # Any: the SDK's context manager methods are untyped.
        self.sdk: Any = Clerk(bearer_auth=SECRET_KEY, server_url=base_url)

    async def __aenter__(self) -> Contender:
        await self.sdk.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.sdk.__aexit__(exc_type, exc, tb)

    async def get(self, org_id: str) -> object:
        try:
            return await self.sdk.organizations.get_async(organization_id=org_id)
        except Exception as exc:
            if _status(exc) == 429:
                raise RateLimited from exc
            raise

    async def create(self, name: str, slug: str, created_by: str) -> object:
        return await self.sdk.organizations.create_async(
            request={"name": name, "slug": slug, "created_by": created_by}
        )

    async def merge_metadata(self, org_id: str, metadata: dict[str, Any]) -> object:
        try:
            return await self.sdk.organizations.merge_metadata_async(
                organization_id=org_id, public_metadata=metadata
            )
        except Exception as exc:
            if _status(exc) == 429:
                raise RateLimited from exc
            raise

    async def iterate(self, max_items: int | None = None) -> AsyncIterator[object]:
        offset = 0
        left = max_items
        while left is None or left > 0:
            page = await self.sdk.organizations.list_async(limit=PAGE_SIZE, offset=offset)
            data = page.data
            for org in data if left is None else data[:left]:
                yield org
            offset += len(data)
            if left is not None:
                left -= len(data)
            if len(data) < PAGE_SIZE or offset >= page.total_count:
                return


def _status(exc: Exception) -> int | None:
    response = getattr(exc, "raw_response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def make(name: str, base_url: str, options: dict[str, Any]) -> Contender:
    """The contender called ``name``, pointed at ``base_url`` (ending in ``/v1``)."""
    if name == "clerk-orgs-async":
        return ThisClient(base_url, options)
    if name == "aiohttp+json":
        return BareAiohttp(base_url, json.loads)
    if name == "aiohttp+orjson":
        import orjson

        return BareAiohttp(base_url, orjson.loads)
    if name == "clerk-backend-api":
        return OfficialSDK(base_url)
    raise ValueError(f"unknown contender {name!r}")
