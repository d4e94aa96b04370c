"""ClerkClient: configuration, the aiohttp session's life, and the one request loop."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import aiohttp
import attrs
from yarl import URL

from . import _json, _retry, _rules
from ._clock import ServerClock
from ._counting import count
from ._limits import Limit, RateLimit, resolve
from ._pacing import UNPACED, Pacer, endpoint_limits
from ._resource import Call, Lookup
from ._retry import RULES, Failure, Recovery, RetryEvent, RetryPolicy, classify, decide
from ._sansio import (
    Redactor,
    build_headers,
    check_secret_key,
    error_from_response,
    mask,
    parse_retry_after,
)
from ._transport import Response, Timeout, send
from ._unset import UNSET
from .errors import (
    APIConnectionError,
    ClerkError,
    ClientClosedError,
    ErrorDetail,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
    UnexpectedResponseError,
)

if TYPE_CHECKING:
    from ._domains import OrganizationDomainsAPI
    from ._invitations import OrganizationInvitationsAPI
    from ._limits import RedisRateLimit
    from ._memberships import OrganizationMembershipsAPI
    from ._organizations import OrganizationsAPI
    from ._roles import OrganizationPermissionsAPI, OrganizationRolesAPI

T = TypeVar("T")

logger = logging.getLogger("clerk_orgs_async")

DEFAULT_BASE_URL = "https://api.clerk.com/v1"
DEFAULT_API_VERSION = "2025-11-10"
DEFAULT_RETRY = RetryPolicy()
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
"""32 MiB: Clerk's largest page (500 memberships with their organizations) is about 1 MB."""
_DECODE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError, IndexError)


def _is_loopback(host: str | None) -> bool:
    import ipaddress  # only http:// URLs need it

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address((host or "").strip("[]")).is_loopback
    except ValueError:
        return False


def _check_base_url(raw: str) -> URL:
    if not isinstance(raw, str):
        raise InvalidRequestError(f"base_url must be a string, got {type(raw).__name__}")
    try:
        url = URL(raw.strip().rstrip("/"))
    except ValueError:
        raise InvalidRequestError(f"base_url is not a URL: {raw!r}") from None
    if url.user or url.password:
        raise InvalidRequestError("base_url must not carry credentials; the secret key is sent")
    if url.scheme == "https" and url.host:
        return url
    if url.scheme == "http" and _is_loopback(url.host):
        return url
    raise InvalidRequestError(
        f"base_url must be https:// (plain http:// only to a loopback host), got {raw!r}"
    )


class ClerkClient:
    """An async client for the organization side of Clerk's Backend API.

    Create one per application (per event loop) and share it between tasks; it holds one
    aiohttp session with a pool of ``max_connections`` connections:

    ```python
    async with ClerkClient() as clerk:            # the key from $CLERK_SECRET_KEY
        org = await clerk.organizations.get("acme")
    ```

    Its endpoint groups are attributes:

    - ``organizations`` (``OrganizationsAPI``): list, create, get, update, delete, metadata
      and logos of organizations;
    - ``organization_memberships`` (``OrganizationMembershipsAPI``): list, add, update and
      remove the members of an organization, and list every membership of the instance;
    - ``organization_invitations`` (``OrganizationInvitationsAPI``): invite by email (one or
      in bulk), list, get and revoke invitations;
    - ``organization_domains`` (``OrganizationDomainsAPI``): add, list, update, verify and
      remove an organization's email domains;
    - ``organization_roles`` (``OrganizationRolesAPI``) and ``organization_permissions``
      (``OrganizationPermissionsAPI``): the instance's roles and permissions.

    Args:
        secret_key: Clerk secret key; defaults to ``$CLERK_SECRET_KEY``. Surrounding
            whitespace (a trailing newline from a file) is stripped.
        base_url: defaults to ``$CLERK_API_URL``, then ``https://api.clerk.com/v1``.
        api_version: sent as ``Clerk-API-Version`` on every request.
        timeout: seconds for a whole attempt, or a ``Timeout`` with connect/read limits.
        retry: the ``RetryPolicy``; ``None`` turns retries off.
        rate_limit: ``"auto"`` paces Clerk's API to the key's documented limit (nothing
            elsewhere), a ``RateLimit`` sets it for this process, a ``RedisRateLimit``
            shares one budget through Redis with every process using the key, ``None``
            turns pacing off.
        session: an aiohttp session to borrow; the client never closes it.
        on_retry: called with a ``RetryEvent`` before each retry, e.g. to count retries.
        max_connections: size of the connection pool of the client's own session.
        max_response_bytes: a success body larger than this is refused unread with
            ``ResponseTooLargeError`` (32 MiB by default, about 30 times Clerk's largest page).

    Entering ``async with`` again on a client already entered (a helper given the shared
    client) is counted: the client closes when the outermost block exits, or on ``aclose()``.

    Raises:
        InvalidRequestError: no secret key or a malformed one, a base URL that is not https
            (nor loopback), or an option of the wrong type.
    """

    def __init__(
        self,
        secret_key: str | None = None,
        *,
        base_url: str | None = None,
        api_version: str = DEFAULT_API_VERSION,
        timeout: float | Timeout = 30.0,
        retry: RetryPolicy | None = DEFAULT_RETRY,
        rate_limit: RateLimit | RedisRateLimit | Literal["auto"] | None = "auto",
        session: aiohttp.ClientSession | None = None,
        on_retry: Callable[[RetryEvent], None] | None = None,
        max_connections: int = 100,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        key = secret_key if secret_key is not None else os.environ.get("CLERK_SECRET_KEY")
        if not key:
            raise InvalidRequestError(
                "no Clerk secret key: pass secret_key= or set CLERK_SECRET_KEY"
            )
        if not isinstance(key, str):
            raise InvalidRequestError(f"secret_key must be a string, got {type(key).__name__}")
        key = check_secret_key(key)
        self.base_url = _check_base_url(
            base_url or os.environ.get("CLERK_API_URL") or DEFAULT_BASE_URL
        )
        if not isinstance(api_version, str):
            raise InvalidRequestError("api_version must be a string such as '2025-11-10'")
        self.api_version = api_version
        self.timeout = _as_timeout(timeout)
        self.retry = _as_policy(retry)
        if on_retry is not None and not callable(on_retry):
            raise InvalidRequestError(
                f"on_retry must be a function or None, got {_rules.shown(on_retry)}"
            )
        self.on_retry = on_retry
        self.max_response_bytes = _positive(max_response_bytes, "max_response_bytes")
        self._max_connections = _positive(max_connections, "max_connections")
        self._key_mask = mask(key)
        self._redact = Redactor(key)
        self._headers = build_headers(key, api_version)
        self._pacer = Pacer(resolve(rate_limit, key, self.base_url), key)
        self._root = str(self.base_url) + "/"
        if session is not None and not isinstance(session, aiohttp.ClientSession):
            raise InvalidRequestError(
                f"session must be an aiohttp.ClientSession or None, got {type(session).__name__}"
            )
        self._session = session
        self._owns_session = session is None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._closing: asyncio.Future[None] | None = None  # done on aclose(): ends every pause
        self._entered = 0
        self._clock = ServerClock()

    # Each endpoint group's module, and the models it decodes, load on the group's first use:
    # importing the client stays close to importing aiohttp (benchmarks/RESULTS.md).
    @functools.cached_property
    def organizations(self) -> OrganizationsAPI:
        """The organization endpoints."""
        from ._organizations import OrganizationsAPI

        return OrganizationsAPI(self)

    @functools.cached_property
    def organization_memberships(self) -> OrganizationMembershipsAPI:
        """The membership endpoints."""
        from ._memberships import OrganizationMembershipsAPI

        return OrganizationMembershipsAPI(self)

    @functools.cached_property
    def organization_invitations(self) -> OrganizationInvitationsAPI:
        """The invitation endpoints."""
        from ._invitations import OrganizationInvitationsAPI

        return OrganizationInvitationsAPI(self)

    @functools.cached_property
    def organization_domains(self) -> OrganizationDomainsAPI:
        """The domain endpoints."""
        from ._domains import OrganizationDomainsAPI

        return OrganizationDomainsAPI(self)

    @functools.cached_property
    def organization_roles(self) -> OrganizationRolesAPI:
        """The role endpoints."""
        from ._roles import OrganizationRolesAPI

        return OrganizationRolesAPI(self)

    @functools.cached_property
    def organization_permissions(self) -> OrganizationPermissionsAPI:
        """The permission endpoints."""
        from ._roles import OrganizationPermissionsAPI

        return OrganizationPermissionsAPI(self)

    @property
    def rate_limit(self) -> Limit | None:
        """The pacing in force (``"auto"`` resolved)."""
        return self._pacer.limit

    @property
    def endpoint_limits(self) -> dict[str, RateLimit]:
        """Clerk's narrower limits, by endpoint, that pacing applies on top of ``rate_limit``.

        Keys are method and route, as a 429 blocks them:
        ``"POST /organizations/{organization_id}/invitations/bulk"`` is ``RateLimit(50,
        3600)``. The organization and membership writes are limited per organization and
        per membership. Applied only while pacing is on (``rate_limit`` is not None), but
        listed either way: they are Clerk's, e.g. to estimate how long a bulk job takes.
        """
        return endpoint_limits()

    @property
    def closed(self) -> bool:
        """True once ``aclose()`` ran."""
        return self._closed

    def __repr__(self) -> str:
        # Only the key's kind (sk_test_/sk_live_): never more of it, whatever its shape.
        state = " closed" if self._closed else ""
        return (
            f"<ClerkClient{state} base_url={str(self.base_url)!r} "
            f"api_version={self.api_version!r} secret_key={self._key_mask!r}>"
        )

    async def __aenter__(self) -> ClerkClient:
        self._ensure_session()
        self._entered += 1
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._entered -= 1
        if self._entered <= 0:
            await self.aclose()

    async def aclose(self) -> None:
        """Close the client's own session (never a borrowed one); safe to call twice.

        Calls still in flight, or waiting (for a connection, a pacing permit, a retry), fail
        with ``ClientClosedError`` at once; their ``outcome_unknown`` says whether a write
        may have landed. Never raises.
        """
        if self._closed:
            return
        self._closed = True
        if self._closing is not None and not self._closing.done():
            self._closing.set_result(None)
        if self._owns_session and self._session is not None:
            await self._session.close()
        await self._pacer.aclose()

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientClosedError("this ClerkClient is closed; create a new one")
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
            self._closing = loop.create_future()
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

    async def _call(self, call: Call[T]) -> T:
        """Send ``call`` with retries and pacing, and decode its answer.

        The loop's decisions come from ``_retry.decide`` over ``_retry.RULES``; this method
        only carries them out: waits (never past the call's deadline), 429 blocks of the
        endpoint, lookups of POSTs whose answer was lost, DELETEs found already done.
        """
        # Hand-written rather than stamina/tenacity: the loop needs Retry-After, per-endpoint
        # blocks and the lookup-before-retry of POSTs, which a generic retry decorator cannot
        # express without the same amount of code around it.
        session = self._ensure_session()
        url = URL(self._root + "/".join(call.path), encoded=True)
        policy = self.retry if call.retry is UNSET else _as_policy(call.retry)
        limits = self.timeout if call.timeout is UNSET else _as_timeout(call.timeout)
        loop = asyncio.get_running_loop()
        started, started_wall = loop.time(), time.time()
        deadline = _deadline(policy, limits, started)
        attempt = 0
        maybe_applied = False  # an attempt may have been applied; no lookup ruled it out
        looked_up = False
        pacer = self._pacer
        wait = pacer.blocked_for(call.endpoint) if pacer.blocks else 0.0
        if wait and deadline is not None and started + wait > deadline:
            raise self._blocked(call, url, wait)
        while True:
            try:
                if wait > 0:
                    await self._pause(wait)
                ticket = await pacer.acquire(call, deadline) if pacer.paces else UNPACED
            except ClientClosedError as closing:
                raise _closed(closing, call, attempt, maybe_applied) from None
            if ticket is None:
                raise self._paced_out(call, url, attempt)
            if self._closed:
                ticket.release()
                closed = ClientClosedError("the ClerkClient was closed before the request was sent")
                raise _closed(closed, call, attempt, maybe_applied)
            attempt += 1
            count(call.method, attempt)
            left = None if deadline is None else max(deadline - loop.time(), 0.001)
            try:
                response = await send(
                    session,
                    call.method,
                    url,
                    headers=self._headers,
                    params=call.params,
                    body=call.body,
                    timeout=limits.to_aiohttp(left),
                    max_bytes=self.max_response_bytes,
                )
            except APIConnectionError as exc:
                if exc.request_sent:
                    ticket.release()
                else:
                    ticket.give_back()  # connecting failed: Clerk counted nothing
                if self._closed:
                    closed = ClientClosedError("the ClerkClient was closed during the request")
                    raise _closed(closed, call, attempt, maybe_applied or exc.request_sent) from exc
                error: ClerkError = exc
            except asyncio.CancelledError:
                ticket.release()  # the request may still have arrived
                if self._closed and not _cancelling():
                    # Closing the session cancels the requests waiting for a connection.
                    closed = ClientClosedError("the ClerkClient was closed during the request")
                    raise _closed(closed, call, attempt, maybe_applied) from None
                raise
            except BaseException:
                ticket.release()
                raise
            else:
                ticket.release()
                received = time.time()
                date = response.headers.get("Date")
                if date:
                    self._clock.saw_date(date, received)
                if 200 <= response.status < 300:
                    decoded = self._decode(call, url, response)
                    if not isinstance(decoded, UnexpectedResponseError):
                        if call.method != "GET":
                            self._noted(call, decoded, received)
                        return decoded
                    error = decoded
                else:
                    error = error_from_response(
                        response.status,
                        response.headers,
                        response.body,
                        redact=self._redact,
                        method=call.method,
                        path=url.raw_path,
                    )
                    if isinstance(error, NotFoundError) and maybe_applied and call.gone:
                        # An earlier attempt whose answer was lost did the work.
                        lookup = self._make_lookup(started_wall, deadline, policy, limits)
                        return await call.gone(lookup)
            error.attempts = attempt
            failure = classify(error)
            retry_after = _retry_after(error)
            if failure is Failure.RATE_LIMITED and retry_after:
                self._pacer.block(call.endpoint, retry_after)
            maybe_applied = maybe_applied or RULES[failure].outcome_unknown
            decision = decide(
                failure,
                method=call.method,
                attempt=attempt,
                policy=policy,
                retry_after=retry_after,
                time_left=None if deadline is None else deadline - loop.time(),
                can_look_up=call.recover is not None,
                looked_up=looked_up,
            )
            if decision.look_up:
                found = await self._recover(call, started_wall, deadline, policy, limits)
                if not isinstance(found, Recovery):
                    return found
                if found is Recovery.UNKNOWN:
                    error.outcome_unknown = True
                    raise error
                looked_up, maybe_applied = True, False
            wait = max(decision.delay, self._pacer.blocked_for(call.endpoint))
            if not decision.retry or (deadline is not None and loop.time() + wait > deadline):
                error.outcome_unknown = maybe_applied and call.method != "GET"
                raise error
            self._report_retry(call.method, url.raw_path, attempt, wait, error)

    async def _pause(self, seconds: float) -> None:
        """Wait out a backoff or a 429 block; ``aclose()`` ends the wait with ClientClosedError."""
        assert self._closing is not None
        sleeping = asyncio.ensure_future(_retry.sleep(seconds))
        try:
            await asyncio.wait((sleeping, self._closing), return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeping.cancel()
        if self._closed:
            raise ClientClosedError("the ClerkClient was closed while the call waited to retry")

    def _noted(self, call: Call[Any], written: Any, received: float) -> None:
        """Learn from a write's answer: the server's clock, and what this client created."""
        stamped = getattr(written, "updated_at", None)
        if isinstance(stamped, datetime):
            self._clock.saw_write(stamped, received)
        if call.method == "POST":
            for item in written if isinstance(written, list) else [written]:
                if isinstance(getattr(item, "id", None), str):
                    self._clock.saw_created(item.id)

    def _decode(self, call: Call[T], url: URL, response: Response) -> T | UnexpectedResponseError:
        """The decoded answer, or the error saying why it could not be read."""
        if response.too_large:
            detail = ErrorDetail(
                code="response_too_large",
                message=f"the response body is over max_response_bytes={self.max_response_bytes}",
            )
            return ResponseTooLargeError(
                response.status,
                [detail],
                method=call.method,
                path=url.raw_path,
                headers={k: self._redact(v) for k, v in response.headers.items()},
            )
        try:
            return call.decode(_json.loads(response.body))
        except _DECODE_ERRORS as exc:
            # Described, not chained: a decoder's exception can hold the whole body.
            reason = self._redact(f"{type(exc).__name__}: {exc}")[:300]
        return UnexpectedResponseError(
            response.status,
            [ErrorDetail(code="unexpected_response", message=reason)],
            headers={k: self._redact(v) for k, v in response.headers.items()},
            body=self._redact(response.body.decode("utf-8", "replace")),
            method=call.method,
            path=url.raw_path,
        )

    async def _recover(
        self,
        call: Call[T],
        started_wall: float,
        deadline: float | None,
        policy: RetryPolicy | None,
        limits: Timeout,
    ) -> T | Recovery:
        """After an ambiguous POST failure: the object this call created, or why not retry.

        The lookup runs within what is left of the call's deadline, with its retry policy.
        """
        assert call.recover is not None
        if deadline is not None and deadline <= asyncio.get_running_loop().time():
            return Recovery.UNKNOWN
        lookup = self._make_lookup(started_wall, deadline, policy, limits)
        try:
            found = await call.recover(lookup)
        except ClerkError:
            return Recovery.UNKNOWN
        return found

    def _make_lookup(
        self,
        started_wall: float,
        deadline: float | None,
        policy: RetryPolicy | None,
        limits: Timeout,
    ) -> Lookup:
        """What a lookup may spend: the rest of the call's deadline."""
        left = None if deadline is None else max(deadline - asyncio.get_running_loop().time(), 0)
        return Lookup(
            timeout=limits if left is None else _capped(limits, left),
            retry=policy if policy is None or left is None else attrs.evolve(policy, deadline=left),
            started=started_wall,
            server_offset=self._clock.offset_floor,
            made_earlier=self._clock.made_earlier,
        )

    def _blocked(self, call: Call[Any], url: URL, wait: float) -> RateLimitError:
        """The error of a call that would wait past its deadline for a 429 block to end."""
        detail = ErrorDetail(
            code="endpoint_blocked",
            message=(
                f"{call.endpoint} is blocked by an earlier 429 for {wait:.1f}s more, longer "
                "than this call's deadline; the request was not sent"
            ),
        )
        error = RateLimitError(
            429,
            [detail],
            retry_after=wait,
            retry_at=datetime.now(timezone.utc) + timedelta(seconds=wait),
            method=call.method,
            path=url.raw_path,
        )
        error.attempts = 0
        return error

    def _paced_out(self, call: Call[Any], url: URL, attempts: int) -> RateLimitError:
        """The error of a call that would wait past its deadline for the pacing budget."""
        detail = ErrorDetail(
            code="rate_limited_locally",
            message=(
                f"{call.endpoint} would wait past this call's deadline for the rate limit "
                "(Clerk's limits, paced by this client); the request was not sent"
            ),
        )
        error = RateLimitError(429, [detail], method=call.method, path=url.raw_path)
        error.attempts = attempts
        return error

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


def _deadline(policy: RetryPolicy | None, limits: Timeout, started: float) -> float | None:
    """A call's deadline: its retry policy's, or without retries its timeout's total."""
    if policy is None:
        return None if limits.total is None else started + limits.total
    return None if policy.deadline is None else started + policy.deadline


def _closed(
    error: ClientClosedError, call: Call[Any], attempts: int, maybe_applied: bool
) -> ClientClosedError:
    """``error``, saying how many requests were sent and whether a write may have landed."""
    error.attempts = attempts
    error.outcome_unknown = maybe_applied and call.method != "GET"
    return error


def _cancelling() -> bool:
    """Whether the running task is being cancelled by its caller (Python 3.11+ can tell;
    on 3.10 a caller's cancel that races ``aclose()`` is reported as the close)."""
    cancelling = getattr(asyncio.current_task(), "cancelling", None)
    return bool(cancelling and cancelling())


def _retry_after(error: ClerkError) -> float | None:
    if isinstance(error, RateLimitError):
        return error.retry_after
    if isinstance(error, ServerError):
        return parse_retry_after(error.headers.get("Retry-After"))
    return None


def _positive(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRequestError(f"{name} must be a positive integer, got {_rules.shown(value)}")
    return value


def _as_policy(value: RetryPolicy | None) -> RetryPolicy | None:
    if value is not None and not isinstance(value, RetryPolicy):
        raise InvalidRequestError(f"retry must be a RetryPolicy or None, got {_rules.shown(value)}")
    return value


def _as_timeout(value: float | Timeout) -> Timeout:
    if isinstance(value, Timeout):
        return value
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not _rules.finite(value)
        or value <= 0
    ):
        raise InvalidRequestError(
            f"timeout must be seconds > 0 or a Timeout, got {_rules.shown(value)}"
        )
    return Timeout(total=value, connect=min(10.0, value))


def _capped(limits: Timeout, seconds: float) -> Timeout:
    if limits.total is not None and limits.total <= seconds:
        return limits
    return attrs.evolve(limits, total=max(seconds, 0.001))
