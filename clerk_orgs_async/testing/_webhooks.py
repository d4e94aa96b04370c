"""``emu.webhooks``: the endpoints the emulator delivers events to, their faults and messages."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Sequence

from clerk_orgs_async.testing._webhook_capture import CapturedWebhooks
from clerk_orgs_async.testing._webhook_delivery import WebhookDelivery, require_signer
from clerk_orgs_async.testing._webhook_store import (
    WebhookEndpoint,
    WebhookFaults,
    WebhookMessage,
    WebhookStore,
)

WebhookSpec = str | WebhookEndpoint
"""An endpoint to register: its URL (every event, a new secret) or a :class:`WebhookEndpoint`."""


def endpoint_of(spec: WebhookSpec) -> WebhookEndpoint:
    """The endpoint a spec describes."""
    return WebhookEndpoint(url=spec) if isinstance(spec, str) else spec


class Webhooks:
    """The emulator's webhooks: Clerk's events POSTed, signed, to each endpoint.

    Every change of state (through the API, the console or the Python API) is sent to each
    endpoint that wants its type, off the request path, and retried on the retry schedule.
    """

    def __init__(self, store: WebhookStore, delivery: WebhookDelivery) -> None:
        self._store = store
        self._delivery = delivery
        self._captures: set[CapturedWebhooks] = set()

    def __repr__(self) -> str:
        return f"<Webhooks {len(self._store.endpoints)} endpoints, {len(self.pending)} pending>"

    @property
    def endpoints(self) -> list[WebhookEndpoint]:
        """The registered endpoints, in the order they were added."""
        return list(self._store.endpoints.values())

    @property
    def messages(self) -> list[WebhookMessage]:
        """The pending messages and the latest 1,000 finished ones, oldest first."""
        return self._store.messages

    @property
    def pending(self) -> list[WebhookMessage]:
        """The messages not yet delivered (nor failed nor aborted)."""
        return self._store.pending()

    @property
    def retry_schedule(self) -> tuple[float, ...]:
        """Seconds between a failed attempt and the next."""
        return self._delivery.schedule

    def add(
        self,
        url: str,
        *,
        events: Iterable[str] | None = None,
        faults: WebhookFaults | None = None,
    ) -> WebhookEndpoint:
        """Register an endpoint; its events start with the next change.

        Args:
            url: where to POST the events.
            events: the event types to send there (see ``EVENT_TYPES``); all when ``None``.
            faults: what goes wrong delivering there.

        Returns:
            The endpoint, with the ``secret`` (``whsec_…``) its receiver verifies with.

        Raises:
            ValueError: the URL is not http(s), or an event type is unknown.
            ImportError: ``standardwebhooks`` (the ``webhooks`` extra) is not installed.
        """
        require_signer()
        endpoint = WebhookEndpoint(url=url, events=events, faults=faults or WebhookFaults())
        return self._store.add(endpoint)

    def register(self, specs: Iterable[WebhookSpec]) -> list[WebhookEndpoint]:
        """Register endpoints; one whose URL is registered already (a data file's) keeps its ID
        and secret, and takes the events and faults given."""
        registered = []
        for spec in specs:
            endpoint = endpoint_of(spec)
            same = next((e for e in self.endpoints if e.url == endpoint.url), None)
            if same is None:
                require_signer()
                same = self._store.add(endpoint)
            else:
                same.events, same.faults = endpoint.events, endpoint.faults
            registered.append(same)
        return registered

    def remove(self, endpoint: WebhookEndpoint | str) -> None:
        """Unregister an endpoint (or its ID); what it was still owed is not sent.

        Raises:
            KeyError: no such endpoint.
        """
        self._store.remove(endpoint if isinstance(endpoint, str) else endpoint.id)

    def set_faults(self, endpoint: WebhookEndpoint | str, faults: WebhookFaults) -> None:
        """Replace an endpoint's faults (``WebhookFaults()`` for none).

        Raises:
            KeyError: no such endpoint.
        """
        self._store.endpoint(endpoint if isinstance(endpoint, str) else endpoint.id).faults = faults

    def replay(self, message: WebhookMessage) -> None:
        """Send a message again, with a new round of the retry schedule."""
        self._store.replay(message.id, message.endpoint_id)

    async def idle(self, timeout: float = 30.0) -> None:
        """Wait until every message is delivered, failed or aborted.

        Raises:
            TimeoutError: still pending after ``timeout`` seconds.
        """
        try:
            await asyncio.wait_for(self._delivery.idle(), timeout)
        except asyncio.TimeoutError:
            pending = len(self.pending)
            raise TimeoutError(f"{pending} webhook messages still pending") from None

    async def capture(
        self, *, events: Sequence[str] | None = None, faults: WebhookFaults | None = None
    ) -> CapturedWebhooks:
        """Serve an endpoint on 127.0.0.1 that collects the verified events, for tests.

        It is registered at once and closed with the emulator (or by ``await
        captured.close()``, or ``async with``).

        Args:
            events: only these event types are delivered to it (all when ``None``).
            faults: the endpoint's webhook faults (duplicates, reordering, drops...).

        Returns:
            The ``CapturedWebhooks``, whose ``wait_for(event_type)`` waits for an event.

        Example:
            ```python
            captured = await emu.webhooks.capture()
            await clerk.organizations.create(name="Acme")
            event = await captured.wait_for("organization.created")
            ```
        """
        require_signer()
        captured = CapturedWebhooks(on_close=self._forget)
        await captured.start()
        try:
            captured.attach(self.add(captured.url, events=events, faults=faults))
        except BaseException:
            await captured.close()
            raise
        self._captures.add(captured)
        return captured

    def _forget(self, captured: CapturedWebhooks) -> None:
        self._captures.discard(captured)
        with contextlib.suppress(RuntimeError, KeyError):  # not registered, or removed
            self._store.remove(captured.endpoint.id)

    async def start(self) -> None:
        """Start delivering (the emulator's start)."""
        await self._delivery.start()

    async def close(self) -> None:
        """Stop delivering and close the capturing endpoints (the emulator's close)."""
        await self._delivery.close()
        for captured in list(self._captures):
            await captured.close()
