"""ClerkClient: configuration, the aiohttp session's life, and the one request loop."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Any, Literal, TypeVar

import aiohttp
from yarl import URL

from . import _json, _retry
from ._memberships import OrganizationMembershipsAPI
from ._organizations import OrganizationsAPI
from ._pacing import Pacer, RateLimit, resolve
from ._pagination import Fetch, Page
from ._retry import Recovery, RetryEvent, RetryPolicy, is_retryable, outcome_unknown
from ._sansio import build_headers, build_query, error_from_response
from ._transport import Body, Timeout, send
from ._unset import UNSET, Unset
from .errors import (
    APIConnectionError,
    ClerkError,
    ClientClosedError,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
    UnexpectedResponseError,
)

T = TypeVar("T")

logger = logging.getLogger("clerk_orgs_async")

DEFAULT_BASE_URL = "https://api.clerk.com/v1"
DEFAULT_API_VERSION = "2025-11-10"
DEFAULT_RETRY = RetryPolicy()


def _is_loopback(host: str | None) -> bool:
    import ipaddress  # only http:// URLs need it

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address((host or "").strip("[]")).is_loopback
    except ValueError:
        return False


def _check_base_url(raw: str) -> URL:
    url = URL(raw.rstrip("/"))
    if url.scheme == "https" and url.host:
        return url
    if url.scheme == "http" and _is_loopback(url.host):
        return url
    raise InvalidRequestError(
        f"base_url must be https:// (plain http:// only to a loopback host), got {raw!r}"
    )


class ClerkClient:
    """An async client for Clerk's organizations and memberships Backend API.

    Create one per application (per event loop) and share it between tasks; it holds one
    aiohttp session with a pool of ``max_connections`` connections::

        async with ClerkClient(secret_key="sk_test_...") as clerk:
            org = await clerk.organizations.get("acme")

    Args:
        secret_key: Clerk secret key; defaults to ``$CLERK_SECRET_KEY``.
        base_url: defaults to ``$CLERK_API_URL``, then ``https://api.clerk.com/v1``.
        api_version: sent as ``Clerk-API-Version`` on every request.
        timeout: seconds for a whole attempt, or a ``Timeout`` with connect/read limits.
        retry: the ``RetryPolicy``; ``None`` turns retries off.
        rate_limit: ``"auto"`` paces Clerk's API to the key's documented limit (nothing
            elsewhere), a ``RateLimit`` sets it, ``None`` turns pacing off.
        session: an aiohttp session to borrow; the client never closes it.
        on_retry: called with a ``RetryEvent`` before each retry, e.g. to count retries.
        max_connections: size of the connection pool of the client's own session.

    Raises:
        InvalidRequestError: no secret key, or a base URL that is not https (nor loopback).
    """

    def __init__(
        self,
        secret_key: str | None = None,
        *,
        base_url: str | None = None,
        api_version: str = DEFAULT_API_VERSION,
        timeout: float | Timeout = 30.0,
        retry: RetryPolicy | None = DEFAULT_RETRY,
        rate_limit: RateLimit | Literal["auto"] | None = "auto",
        session: aiohttp.ClientSession | None = None,
        on_retry: Callable[[RetryEvent], None] | None = None,
        max_connections: int = 100,
    ) -> None:
        key = secret_key or os.environ.get("CLERK_SECRET_KEY")
        if not key:
            raise InvalidRequestError(
                "no Clerk secret key: pass secret_key= or set CLERK_SECRET_KEY"
            )
        self.base_url = _check_base_url(
            base_url or os.environ.get("CLERK_API_URL") or DEFAULT_BASE_URL
        )
        self.api_version = api_version
        self.timeout = _as_timeout(timeout)
        self.retry = retry
        self.on_retry = on_retry
        self._key_kind = key[: key.find("_", 3) + 1] if key.startswith("sk_") else ""
        self._headers = build_headers(key, api_version)
        self._pacer = Pacer(resolve(rate_limit, key, self.base_url))
        self._session = session
        self._owns_session = session is None
        self._max_connections = max_connections
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self.organizations = OrganizationsAPI(self)
        self.organization_memberships = OrganizationMembershipsAPI(self)

    @property
    def rate_limit(self) -> RateLimit | None:
        """The pacing in force (``"auto"`` resolved)."""
        return self._pacer.limit

    def __repr__(self) -> str:
        # Only the key's kind (sk_test_/sk_live_): the secret never appears in a repr.
        return (
            f"ClerkClient(base_url={str(self.base_url)!r}, api_version={self.api_version!r}, "
            f"secret_key={self._key_kind + '…'!r})"
        )

    async def __aenter__(self) -> ClerkClient:
        self._ensure_session()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the client's own session (never a borrowed one); safe to call twice.

        Requests still in flight fail with ``ClientClosedError``.
        """
        if self._closed:
            return
        self._closed = True
        if self._owns_session and self._session is not None:
            await self._session.close()

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientClosedError("this ClerkClient is closed; create a new one")
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif self._loop is not loop:
            raise RuntimeError(
                "this ClerkClient was first used in another event loop (a new asyncio.run() "
                "or a test's fresh loop?); aiohttp sessions cannot move between loops, so "
                "create one client per event loop, e.g. in the app's lifespan or a fixture"
            )
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._max_connections)
            )
            # aiohttp silently resends an idempotent request once when a reused connection
            # drops, hiding that the first attempt may have been applied (a DELETE would then
            # see its own 404). The retry loop below must see every failure, so turn it off on
            # the session we own (aiohttp's own test client does the same).
            if hasattr(self._session, "_retry_connection"):
                self._session._retry_connection = False
        return self._session

    def _page_fetcher(
        self,
        path: Sequence[str],
        items: Callable[[Any], list[T]],
        filters: Sequence[tuple[str, str]],
        *,
        timeout: float | Timeout | Unset,
        retry: RetryPolicy | None | Unset,
    ) -> Fetch[T]:
        """The ``fetch(limit, offset)`` of a list endpoint, for its ``Paginator``."""

        async def fetch(limit: int | None, offset: int | None) -> Page[T]:
            def page(payload: Any) -> Page[T]:
                return Page(
                    data=items(payload["data"]),
                    total_count=payload["total_count"],
                    offset=offset or 0,
                    limit=limit,
                    fetch=fetch,
                )

            params = [*filters, *build_query({"limit": limit, "offset": offset})]
            return await self._call("GET", path, page, params=params, timeout=timeout, retry=retry)

        return fetch

    async def _call(
        self,
        method: str,
        path: Sequence[str],
        decode: Callable[[Any], T],
        *,
        params: Sequence[tuple[str, str]] | None = None,
        body: Body = None,
        timeout: float | Timeout | Unset = UNSET,
        retry: RetryPolicy | None | Unset = UNSET,
        recover: Callable[[], Awaitable[T | Recovery]] | None = None,
        gone: Callable[[], T] | None = None,
    ) -> T:
        """Send a request with retries and pacing, and decode its JSON with ``decode``.

        ``path`` holds already-encoded segments. ``recover`` looks a POST's result up after
        an ambiguous failure; ``gone`` answers a DELETE whose retry finds the object gone.
        """
        # Hand-written rather than stamina/tenacity: the loop needs Retry-After, the
        # client-wide pause after a 429 and the lookup-before-retry of POSTs, which a generic
        # retry decorator cannot express without the same amount of code around it.
        session = self._ensure_session()
        url = self.base_url.joinpath(*path, encoded=True)
        policy = self.retry if retry is UNSET else retry
        limits = self.timeout if timeout is UNSET else _as_timeout(timeout)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + policy.deadline if policy and policy.deadline else None
        attempt = 0
        maybe_applied = False
        while True:
            attempt += 1
            await self._pacer.acquire()
            if self._closed:
                raise ClientClosedError("the ClerkClient was closed before the request was sent")
            left = None if deadline is None else max(deadline - loop.time(), 0.001)
            try:
                response = await send(
                    session,
                    method,
                    url,
                    headers=self._headers,
                    params=params,
                    body=body,
                    timeout=limits.to_aiohttp(left),
                )
            except APIConnectionError as exc:
                if self._closed:
                    raise ClientClosedError(
                        "the ClerkClient was closed during the request"
                    ) from exc
                error: ClerkError = exc
            else:
                if 200 <= response.status < 300:
                    return _decode(decode, response.status, response.headers, response.body)
                error = error_from_response(response.status, response.headers, response.body)
                if isinstance(error, NotFoundError) and maybe_applied and gone is not None:
                    return gone()  # an earlier attempt whose answer was lost did the delete
            error.attempts = attempt
            if isinstance(error, RateLimitError) and error.retry_after:
                self._pacer.pause(error.retry_after)
            ambiguous = outcome_unknown(error)
            if ambiguous and method == "POST":
                found = await self._recover(recover, error)
                if not isinstance(found, Recovery):
                    return found
            maybe_applied = maybe_applied or ambiguous
            delay = self._retry_delay(policy, error, attempt, deadline, loop.time())
            if delay is None:
                raise error
            self._report_retry(method, url.raw_path, attempt, delay, error)
            await _retry.sleep(delay)

    async def _recover(
        self, recover: Callable[[], Awaitable[T | Recovery]] | None, error: ClerkError
    ) -> T | Recovery:
        """After an ambiguous POST failure: the object if it was created, or why not to retry."""
        try:
            found = Recovery.UNKNOWN if recover is None else await recover()
        except ClerkError:
            found = Recovery.UNKNOWN
        if found is Recovery.UNKNOWN:
            error.outcome_unknown = True
            raise error
        return found

    @staticmethod
    def _retry_delay(
        policy: RetryPolicy | None,
        error: ClerkError,
        attempt: int,
        deadline: float | None,
        now: float,
    ) -> float | None:
        if policy is None or attempt >= policy.max_attempts or not is_retryable(error):
            return None
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            delay = error.retry_after
        else:
            delay = policy.backoff(attempt)
        if deadline is not None and now + delay > deadline:
            return None
        return delay

    def _report_retry(
        self, method: str, path: str, attempt: int, delay: float, error: ClerkError
    ) -> None:
        status = getattr(error, "status", None)
        trace = getattr(error, "clerk_trace_id", None)
        logger.info(
            "retrying %s %s in %.2fs: attempt %d failed with %s (trace %s)",
            method,
            path,
            delay,
            attempt,
            status or type(error).__name__,
            trace,
        )
        if self.on_retry is not None:
            event = RetryEvent(
                method=method,
                path=path,
                attempt=attempt,
                delay=delay,
                status=status,
                error=error,
                clerk_trace_id=trace,
            )
            try:
                self.on_retry(event)
            except Exception:
                logger.exception("the on_retry hook raised; the request goes on")


def _as_timeout(value: float | Timeout) -> Timeout:
    if isinstance(value, Timeout):
        return value
    return Timeout(total=value, connect=min(10.0, value))


def _decode(decode: Callable[[Any], T], status: int, headers: Any, body: bytes) -> T:
    try:
        return decode(_json.loads(body))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise UnexpectedResponseError(
            status, headers=dict(headers), body=body.decode("utf-8", "replace")
        ) from exc
