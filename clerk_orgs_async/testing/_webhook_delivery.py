"""Delivering the webhook store's messages: signed POSTs, off the request path, retried.

Per endpoint, one task makes each message's first attempt in the order the changes happened
(started by the store's ``on_enqueue``, or at start for the messages a data file kept), so that
without faults a receiver sees them in order; a message that fails goes on in a task of its
own, sleeping between attempts on the retry schedule, and never holds up the ones after it (as
with Svix, a retried message arrives out of order). The ``reorder_window`` fault sends each
message from a task of its own after a random wait. Closing cancels every task: what they still
owed stays pending in the store (and, with a data file, in the snapshot written at close).
"""

from __future__ import annotations

import asyncio
import functools
import random
import time
from collections import deque
from collections.abc import Coroutine, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import aiohttp

from clerk_orgs_async.testing._webhook_store import (
    PENDING,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookMessage,
    WebhookStore,
    new_signing_secret,
)

TIMEOUT = 15.0
"""Seconds an endpoint has to answer, as with Svix."""
MAX_IN_FLIGHT = 64
"""Requests open at once to all endpoints (the others wait their turn)."""
if TYPE_CHECKING:
    from standardwebhooks import Webhook

_ABORT = "abort-message"
_USER_AGENT = "clerk-orgs-async-emulator (Svix-Webhooks compatible)"


def require_signer() -> None:
    """Raise a clear error when ``standardwebhooks`` (the ``webhooks`` extra) is missing."""
    try:
        import standardwebhooks  # noqa: F401
    except ImportError:
        raise ImportError(
            "the emulator signs webhooks with standardwebhooks: "
            "pip install 'clerk-orgs-async[webhooks]'"
        ) from None


@functools.lru_cache(maxsize=64)
def _signer(secret: str) -> Webhook:
    # One per secret: decoding the secret is a good part of signing a small body.
    from standardwebhooks import Webhook

    return Webhook(secret)


def signed_headers(secret: str, message_id: str, payload: str, now: float) -> dict[str, str]:
    """The ``svix-*`` headers of one attempt, signed as Svix signs (Standard Webhooks)."""
    moment = datetime.fromtimestamp(int(now), tz=timezone.utc)
    return {
        "svix-id": message_id,
        "svix-timestamp": str(int(now)),
        "svix-signature": _signer(secret).sign(message_id, moment, payload),
        "content-type": "application/json",
        "user-agent": _USER_AGENT,
    }


class WebhookDelivery:
    """Sends what ``store`` owes, on ``schedule`` (seconds after each failure).

    Args:
        store: the endpoints and messages.
        schedule: the delays between a failed attempt and the next.
        rng: draws the faults.
        timeout: seconds an endpoint has to answer.
    """

    def __init__(
        self,
        store: WebhookStore,
        schedule: Sequence[float],
        rng: random.Random | None = None,
        *,
        timeout: float = TIMEOUT,
    ) -> None:
        self._store = store
        self.schedule = tuple(schedule)
        self._rng = rng or random.Random()  # noqa: S311 - draws faults, not secrets
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._running: set[tuple[str, str]] = set()
        self._queues: dict[str, deque[WebhookMessage]] = {}
        self._limit = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._idle = asyncio.Event()
        self._idle.set()
        store.on_enqueue = self._enqueued

    async def start(self) -> None:
        """Open the client session and send what is pending (what a data file kept)."""
        timeout = aiohttp.ClientTimeout(total=self._timeout)
        self._session = aiohttp.ClientSession(timeout=timeout)
        for message in self._store.pending():
            self._enqueued(message)

    async def close(self) -> None:
        """Stop at once: in-flight attempts are abandoned, pending messages stay pending."""
        tasks, self._tasks = self._tasks, set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._running.clear()
        self._queues.clear()
        self._idle.set()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def idle(self) -> None:
        """Return once nothing is pending (each message delivered, failed or aborted)."""
        await self._idle.wait()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _enqueued(self, message: WebhookMessage) -> None:
        key = (message.id, message.endpoint_id)
        if self._session is None or key in self._running:
            return
        self._running.add(key)
        self._idle.clear()
        endpoint = self._store.endpoints.get(message.endpoint_id)
        if endpoint is not None and endpoint.faults.reorder_window:
            wait = self._rng.uniform(0.0, endpoint.faults.reorder_window)
            self._spawn(self._retry(message, wait))
            return
        queue = self._queues.get(message.endpoint_id)
        if queue is None:
            queue = self._queues[message.endpoint_id] = deque()
            self._spawn(self._in_order(message.endpoint_id, queue))
        queue.append(message)

    def _finished(self, message: WebhookMessage) -> None:
        self._running.discard((message.id, message.endpoint_id))
        if not self._running:
            self._idle.set()

    async def _in_order(self, endpoint_id: str, queue: deque[WebhookMessage]) -> None:
        """First attempts to one endpoint, one after another; failures go on on their own."""
        while queue:
            message = queue.popleft()
            wait = await self._attempt(message)
            if wait is None:
                self._finished(message)
            else:
                self._spawn(self._retry(message, wait))
        del self._queues[endpoint_id]

    async def _retry(self, message: WebhookMessage, wait: float) -> None:
        """Attempts after ``wait`` seconds, on the schedule, until the message is finished."""
        while True:
            await asyncio.sleep(wait)
            next_wait = await self._attempt(message)
            if next_wait is None:
                self._finished(message)
                return
            wait = next_wait

    async def _attempt(self, message: WebhookMessage) -> float | None:
        """One attempt, recorded; the seconds until the next, or ``None`` when finished."""
        endpoint = self._store.endpoints.get(message.endpoint_id)
        if endpoint is None or message.status != PENDING:
            return None  # removed meanwhile
        if endpoint.faults.delay:
            await asyncio.sleep(endpoint.faults.delay)
        attempt, abort = await self._faulty_post(endpoint, message)
        return self._store.record(message, attempt, schedule=self.schedule, abort=abort)

    async def _faulty_post(
        self, endpoint: WebhookEndpoint, message: WebhookMessage
    ) -> tuple[WebhookAttempt, bool]:
        """One attempt with the endpoint's faults; return it and whether the endpoint aborted."""
        faults, draw = endpoint.faults, self._rng.random
        at = time.time_ns() // 1_000_000
        if faults.drop and draw() < faults.drop:
            return WebhookAttempt(at=at, error="dropped (fault)", fault="drop"), False
        fault = None
        secret = endpoint.secret
        if faults.bad_signature and draw() < faults.bad_signature:
            secret, fault = new_signing_secret(), "bad_signature"
        copies = 1
        if faults.duplicate and draw() < faults.duplicate:
            copies, fault = 2, fault or "duplicate"
        for _ in range(copies):
            attempt, abort = await self._post(endpoint.url, secret, message, at, fault)
        return attempt, abort

    async def _post(
        self, url: str, secret: str, message: WebhookMessage, at: int, fault: str | None
    ) -> tuple[WebhookAttempt, bool]:
        assert self._session is not None
        headers = signed_headers(secret, message.id, message.payload, time.time())
        started = time.perf_counter()
        async with self._limit:
            try:
                async with self._session.post(
                    url, data=message.payload.encode(), headers=headers, allow_redirects=False
                ) as response:
                    # The status decides, as with Svix; the body is not read (nor held in
                    # memory, however large), and the connection is closed with it unread.
                    abort = response.headers.get("webhook-delivery", "").lower() == _ABORT
                    latency = time.perf_counter() - started
                    return WebhookAttempt(
                        at=at, status=response.status, latency=latency, fault=fault
                    ), abort
            # ValueError: a host that cannot be IDNA-encoded ("http://./") is a UnicodeError
            # from aiohttp's resolver; uncaught, it ended the endpoint's deliveries for good.
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as exc:
                error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                latency = time.perf_counter() - started
                return WebhookAttempt(at=at, latency=latency, error=error, fault=fault), False
