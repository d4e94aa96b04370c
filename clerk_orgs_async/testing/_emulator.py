"""``ClerkEmulator``: the application served on a local port, with its state, faults and records."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from clerk_orgs_async.testing._app import EmulatorStats, Runtime, ServedResponse, make_app
from clerk_orgs_async.testing._durable import DataFile, DataFileError, pinnable, replay
from clerk_orgs_async.testing._endpoint_limits import ENDPOINT_LIMITER, EndpointLimiter, resolve
from clerk_orgs_async.testing._faults import Faults
from clerk_orgs_async.testing._handlers import IMAGES_PATH
from clerk_orgs_async.testing._hosts import allowed_hosts as allowed_hosts_for
from clerk_orgs_async.testing._ids import new_secret_key
from clerk_orgs_async.testing._pacing import Latency, RateLimiter
from clerk_orgs_async.testing._request_log import RequestLog, RequestRecord
from clerk_orgs_async.testing._state import EmulatorState, UserSpec
from clerk_orgs_async.testing._webhook_delivery import WebhookDelivery
from clerk_orgs_async.testing._webhook_events import EventRenderer, remember_request
from clerk_orgs_async.testing._webhook_store import SVIX_RETRY_SCHEDULE
from clerk_orgs_async.testing._webhooks import Webhooks, WebhookSpec, endpoint_of

if TYPE_CHECKING:
    from clerk_orgs_async import ClerkClient

REQUEST_LOG_SIZE = 1_000
"""How many :class:`RequestRecord` entries ``ClerkEmulator.requests`` keeps by default."""


class _OneLineRefusals(logging.Filter):
    """A request aiohttp cannot parse (a bad request line, a header too long): one warning line.

    aiohttp answers it with a plain 400 itself, before the application sees it, and logs the
    parser's traceback as an error; for a client's mistake the line says enough.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        refused = record.exc_info[1] if record.exc_info else None
        if isinstance(refused, HttpProcessingError):
            reason = (refused.message.splitlines() or [""])[0].rstrip(":")
            record.msg = f"{record.msg}: %s %s"
            args = record.args if isinstance(record.args, tuple) else ()
            record.args = (*args, refused.code, reason)
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        return True


_SERVER_LOG = logging.getLogger("clerk_orgs_async.testing.http")
_SERVER_LOG.addFilter(_OneLineRefusals())


def loopback_name(host: str) -> str:
    """How a browser on this machine reaches a server listening on ``host``."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - reading the setting, not binding
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


class ClerkEmulator:
    """A local, stateful Clerk organizations API on ``http://{host}:{port}/v1``.

    Args:
        users: users to seed: IDs, or mappings of :class:`User` fields (``id``,
            ``first_name``, ``last_name``, ``email_address``, ``username``,
            ``phone_number``, ``web3_wallet``, ``image_url``, ``last_active_at``…).
        secret_key: the key requests must bear; a random ``sk_test_…`` when not given.
        host: the interface to listen on.
        port: the port; ``0`` picks a free one (read it back from :attr:`base_url`).
        default_max_allowed_memberships: for organizations created without one; 0 is unlimited.
        roles: the role keys to seed: ``org:admin`` (required) and ``org:member`` with
            Clerk's default permissions, any other key as a custom role.
        latency: seconds added to every request, fixed or drawn from ``(low, high)``.
        rate_limit: ``(requests, per_seconds)``: past it, 429 with ``Retry-After``. With it
            come Clerk's per-endpoint limits (invitation creates per hour, updates per
            organization and per membership every 10 seconds).
        endpoint_limits: ``False`` turns the per-endpoint limits off; a mapping retunes some,
            e.g. ``{"update_organization": (2, 1.0)}`` (names: ``create_invitation``,
            ``create_invitations_bulk``, ``update_organization``, ``update_membership``).
        clock: the emulated instance's time in Unix milliseconds (invitations expire by it);
            the real time when not given.
        data_file: a JSON file for the state to outlive the process: loaded at start (when
            it exists), and every write through the API journaled to ``data_file.journal``
            (one fsynced line per write, well under a millisecond) before it is answered, so
            that an acknowledged write survives even ``kill -9``; compacted into the file at
            start, at close and every 10,000 writes (atomically: a temporary file renamed).
            Changes made directly on :attr:`state` are saved by :meth:`save` and at close.
            A damaged file raises :class:`DataFileError` at start, and so does a file another
            emulator uses (one emulator per data file: each locks ``data_file.lock``).
        on_response: called with every response served (see :class:`ServedResponse`).
        request_log_size: how many requests :attr:`requests` keeps, newest last; each
            keeps up to 16 KiB of each body, so the default holds at most about 36 MB.
        allowed_hosts: the ``Host`` names the API answers besides ``localhost``, loopback
            addresses and ``host`` itself, such as a container's name; ``"*"`` for any.
            Other hosts get 400 ``host_not_allowed``, so that a web page cannot drive the
            emulator through DNS rebinding. The web console answers loopback names only.
        webhooks: endpoints to deliver Clerk's events to: URLs or :class:`WebhookEndpoint`
            (see :attr:`webhooks`; with a data file, an endpoint saved with the same URL keeps
            its secret).
        webhook_retry_schedule: seconds between a failed delivery and the next attempt;
            Svix's (``SVIX_RETRY_SCHEDULE``) when not given, scaled down in tests.

    The web console is served at :attr:`console_url`.

    Example:
        ```python
        async with ClerkEmulator(users=["user_1"]) as emu:
            async with emu.client() as clerk:
                org = await clerk.organizations.create(name="Acme", created_by="user_1")
        ```
    """

    def __init__(
        self,
        *,
        users: Iterable[UserSpec] = (),
        secret_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        default_max_allowed_memberships: int = 5,
        roles: Sequence[str] = ("org:admin", "org:member"),
        latency: Latency | None = None,
        rate_limit: tuple[int, float] | None = None,
        endpoint_limits: bool | Mapping[str, tuple[int, float]] = True,
        clock: Callable[[], int] | None = None,
        data_file: str | Path | None = None,
        on_response: Callable[[ServedResponse], None] | None = None,
        request_log_size: int = REQUEST_LOG_SIZE,
        allowed_hosts: Iterable[str] = (),
        webhooks: Iterable[WebhookSpec] = (),
        webhook_retry_schedule: Sequence[float] = SVIX_RETRY_SCHEDULE,
    ) -> None:
        if isinstance(endpoint_limits, Mapping) and rate_limit is None:
            raise ValueError("endpoint_limits apply with rate limiting: give rate_limit too")
        self.secret_key = secret_key or new_secret_key()
        self.host = host
        self.port = port
        self.data_file = None if data_file is None else Path(data_file)
        self._data = None if self.data_file is None else DataFile(self.data_file)
        # Pinned while a journaled request runs, so that a replay gets the same timestamps.
        self._clock = pinnable(clock)
        self.state = EmulatorState(
            default_max_allowed_memberships=default_max_allowed_memberships,
            roles=roles,
            clock=self._clock,
        )
        self.state.add_users(users)
        self.faults = Faults()
        self.stats = EmulatorStats()
        log = RequestLog(self.secret_key, request_log_size)
        self.requests: deque[RequestRecord] = log.records
        self._runtime = Runtime(
            secret_key=self.secret_key,
            faults=self.faults,
            stats=self.stats,
            log=log,
            limiter=None if rate_limit is None else RateLimiter(*rate_limit),
            latency=latency,
            closing=asyncio.Event(),
            on_response=on_response,
            clock=self._clock,
            allowed_hosts=allowed_hosts_for(host, allowed_hosts),
        )
        self.app = make_app(self.state, self._runtime)
        # Webhooks (see _webhooks): the stores' changes rendered and delivered in the background.
        self._webhook_specs = [endpoint_of(spec) for spec in webhooks]
        self.webhooks = Webhooks(
            self.state.webhooks, WebhookDelivery(self.state.webhooks, webhook_retry_schedule)
        )
        self.webhooks.register(self._webhook_specs)
        self.state.changes.listener = EventRenderer(self.state, self._images_base, self._clock)
        self.app.middlewares.append(remember_request)
        if rate_limit is not None and endpoint_limits is not False:
            tuning = endpoint_limits if isinstance(endpoint_limits, Mapping) else {}
            self.app[ENDPOINT_LIMITER] = EndpointLimiter(resolve(tuning), self.stats.faults)
        self._runner: web.AppRunner | None = None

    def __repr__(self) -> str:
        where = "not started" if self._runner is None else self.base_url
        data = "" if self.data_file is None else f", data_file={str(self.data_file)!r}"
        return (
            f"<ClerkEmulator {where}, {len(self.state.users)} users,"
            f" {len(self.state.organizations)} organizations{data}>"
        )

    @property
    def base_url(self) -> str:
        """The API root, ending in ``/v1``; valid once started."""
        if self._runner is None:
            raise RuntimeError("the emulator is not started: use 'async with' or start()")
        return f"http://{self.host}:{self.port}/v1"

    def _images_base(self) -> str:
        return f"http://{loopback_name(self.host)}:{self.port}{IMAGES_PATH}"

    @property
    def console_url(self) -> str:
        """The web console's address (on loopback even when listening on every interface)."""
        if self._runner is None:
            raise RuntimeError("the emulator is not started: use 'async with' or start()")
        return f"http://{loopback_name(self.host)}:{self.port}/"

    async def start(self) -> None:
        """Load the data file, if any, and start serving.

        Raises:
            DataFileError: the data file or its journal is damaged, or another emulator
                uses the data file (nothing is served).
            OSError: the port is taken.
        """
        if self._runner is not None:
            raise RuntimeError("the emulator is already started")
        self._runtime.closing.clear()
        # A short shutdown_timeout: handlers still running at close are hung faults, which
        # notice ``closing`` and drop their connections at once.
        # Bodies as sent: _payload decodes them within bounds (aiohttp's parser would
        # decompress a whole gzip bomb in the loop first).
        runner = web.AppRunner(
            self.app,
            access_log=None,
            shutdown_timeout=1.0,
            logger=_SERVER_LOG,
            auto_decompress=False,
        )
        await runner.setup()
        try:
            if self._data is not None:
                self._data.lock()
                with self.state.changes.muted():  # reported before the restart
                    await self._load(self._data, runner)
                self._webhook_specs = self.webhooks.register(self._webhook_specs)
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            self._stop_journal()
            raise
        self.port = runner.addresses[0][1]
        self._runner = runner
        await self.webhooks.start()

    async def _load(self, data: DataFile, runner: web.AppRunner) -> None:
        """Restore the snapshot, replay the journal after it, compact, start journaling."""
        snapshot, entries = data.read()
        if snapshot is not None:
            try:
                self.state.restore(snapshot)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise DataFileError(
                    f"{data.path} is not an emulator state ({type(exc).__name__}: {exc})"
                ) from None
        if entries:
            # Through the handlers themselves, on a private port, before anyone else is served.
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self._runtime.replay_token = secrets.token_urlsafe(16)
            try:
                origin = f"http://127.0.0.1:{runner.addresses[0][1]}"
                token = self._runtime.replay_token
                await replay(origin, self.secret_key, token, entries, data.journal_path)
            finally:
                self._runtime.replay_token = None
                await site.stop()
        data.compact(self.state.snapshot())
        data.open_journal()
        self._runtime.journal = data

    def _stop_journal(self) -> None:
        if self._data is not None:
            self._data.close()
        self._runtime.journal = None

    async def close(self) -> None:
        """Stop serving (ending hung requests) and save the data file, if any."""
        if self._runner is None:
            return
        self._runtime.closing.set()
        runner, self._runner = self._runner, None
        await self.webhooks.close()
        await runner.cleanup()
        if self._data is not None:
            self._data.compact(self.state.snapshot())
        self._stop_journal()

    def save(self) -> None:
        """Compact the whole state into ``data_file`` now (also done at close).

        Raises:
            RuntimeError: the emulator is not started (its state was not loaded from the
                file yet, and saving it would overwrite the file).
        """
        if self._data is None:
            return
        if self._runner is None:
            raise RuntimeError("start the emulator before saving: its data file is not loaded")
        self._data.compact(self.state.snapshot())

    def client(self, **kwargs: Any) -> ClerkClient:
        """A ``ClerkClient`` for this emulator, with its key and address.

        Args:
            **kwargs: more arguments for ``ClerkClient`` (``retry=``, ``rate_limit=``…).

        Returns:
            A new client; close it (``async with``, or ``aclose()``) before the emulator.

        Example:
            ```python
            async with ClerkEmulator(users=["user_1"]) as emu, emu.client(retry=None) as clerk:
                await clerk.organizations.create(name="Acme", created_by="user_1")
            ```
        """
        from clerk_orgs_async import ClerkClient

        return ClerkClient(secret_key=self.secret_key, base_url=self.base_url, **kwargs)

    async def __aenter__(self) -> ClerkEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
