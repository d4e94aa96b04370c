"""A webhook receiver for tests: a local endpoint that verifies and collects the events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from clerk_orgs_async.testing._webhook_store import WebhookEndpoint
    from clerk_orgs_async.webhooks import WebhookEvent


class CapturedWebhooks:
    """The events an endpoint on 127.0.0.1 received, each verified with ``verify_webhook``.

    Made by ``emu.webhooks.capture()``. A delivery that does not verify is answered 400 (and
    so retried) and counted in :attr:`refused`; the others are answered 200 and kept in
    :attr:`events`, duplicates included, in arrival order.

    Attributes:
        events: the verified events received.
        refused: deliveries refused (a bad signature, a bad body).
        url: where it listens.
    """

    def __init__(self, *, on_close: Callable[[CapturedWebhooks], None]) -> None:
        self._endpoint: WebhookEndpoint | None = None
        self.events: list[WebhookEvent] = []
        self.refused = 0
        self._on_close = on_close
        self._arrived = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""

    def __repr__(self) -> str:
        return f"<CapturedWebhooks {self.url or 'closed'}, {len(self.events)} events>"

    @property
    def endpoint(self) -> WebhookEndpoint:
        """The emulator's endpoint for it (its ``secret`` verifies the deliveries)."""
        if self._endpoint is None:
            raise RuntimeError("not registered with an emulator: use emu.webhooks.capture()")
        return self._endpoint

    def attach(self, endpoint: WebhookEndpoint) -> None:
        """Verify the deliveries with this endpoint's secret (``capture()`` calls it)."""
        self._endpoint = endpoint

    async def start(self) -> None:
        """Serve on a free port of 127.0.0.1."""
        app = web.Application()
        app.router.add_post("/", self._receive)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self.url = f"http://127.0.0.1:{runner.addresses[0][1]}/"

    async def _receive(self, request: web.Request) -> web.Response:
        # Loaded here: the receiving side (and standardwebhooks) only when a test captures.
        from clerk_orgs_async.webhooks import WebhookVerificationError, verify_webhook

        body = await request.read()
        if self._endpoint is None:
            return web.Response(status=503)
        try:
            event = verify_webhook(body, request.headers, secret=self._endpoint.secret)
        except WebhookVerificationError:
            self.refused += 1
            return web.Response(status=400)
        self.events.append(event)
        self._arrived.set()
        return web.Response(status=200)

    def of_type(self, event_type: str) -> list[WebhookEvent]:
        """The events received of this type, in arrival order."""
        return [e for e in self.events if e.type == event_type]

    async def wait_for(
        self,
        event_type: str,
        *,
        where: Callable[[WebhookEvent], bool] | None = None,
        timeout: float = 10.0,
    ) -> WebhookEvent:
        """The first event received of this type (and matching ``where``), waiting for it.

        Raises:
            TimeoutError: none came within ``timeout`` seconds; the message lists those that did.
        """

        async def first() -> WebhookEvent:
            while True:
                for event in self.of_type(event_type):
                    if where is None or where(event):
                        return event
                self._arrived.clear()
                await self._arrived.wait()

        try:
            return await asyncio.wait_for(first(), timeout)
        except asyncio.TimeoutError:
            seen = ", ".join(e.type for e in self.events) or "none"
            raise TimeoutError(
                f"no {event_type} event within {timeout} s (received: {seen})"
            ) from None

    async def close(self) -> None:
        """Stop serving and unregister the endpoint."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
        self._on_close(self)

    async def __aenter__(self) -> CapturedWebhooks:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
