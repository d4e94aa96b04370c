"""Webhook endpoints and the messages owed to them, with Svix's rules; no I/O.

A change of state becomes one message per endpoint that wants its event type; the delivery
(``_webhook_delivery``) sends it, records each attempt here and retries it on Svix's schedule.
The messages not yet delivered, with the endpoints, are part of the state's snapshot, so that
with a data file they are delivered after a restart.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs
from yarl import URL

from clerk_orgs_async.testing._ids import new_id
from clerk_orgs_async.testing._snapshot import SnapshotCheck, field

SVIX_RETRY_SCHEDULE = (0.0, 5.0, 300.0, 1_800.0, 7_200.0, 18_000.0, 36_000.0, 36_000.0)
"""Seconds between a failed attempt and the next: Svix's schedule (then the message failed).

Scale it for tests: ``[s / 1000 for s in SVIX_RETRY_SCHEDULE]``."""
EVENT_TYPES = (
    "organization.created",
    "organization.updated",
    "organization.deleted",
    "organizationMembership.created",
    "organizationMembership.updated",
    "organizationMembership.deleted",
    "organizationInvitation.created",
    "organizationInvitation.revoked",
    "organizationInvitation.accepted",
    "organizationDomain.created",
    "organizationDomain.updated",
    "organizationDomain.deleted",
    "role.created",
    "role.updated",
    "role.deleted",
    "permission.created",
    "permission.updated",
    "permission.deleted",
)
"""The event types the emulator sends (those of Clerk's organization surface)."""
MESSAGES_KEPT = 1_000
"""Finished messages kept for :attr:`WebhookStore.messages` (pending ones are all kept)."""
PENDING, DELIVERED, FAILED, ABORTED = "pending", "delivered", "failed", "aborted"


def new_signing_secret() -> str:
    """A Svix signing secret: ``whsec_`` and the base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _probability(_: Any, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} is a probability: between 0 and 1, not {value!r}")


def _seconds(_: Any, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value < float("inf"):
        raise ValueError(f"{attribute.name} is a number of seconds, 0 or more, not {value!r}")


@attrs.frozen(kw_only=True)
class WebhookFaults:
    """What goes wrong delivering to one endpoint, to test a receiver against.

    Attributes:
        duplicate: the chance that an attempt is sent twice (same ``svix-id``).
        reorder_window: each message waits a random time up to this many seconds before
            its first attempt, so that messages sent within the window arrive in any order.
        delay: seconds added before every attempt.
        drop: the chance that an attempt is lost before it is sent (recorded as failed,
            then retried on the schedule).
        bad_signature: the chance that an attempt is signed with a wrong key.
    """

    duplicate: float = attrs.field(default=0.0, converter=float, validator=_probability)
    reorder_window: float = attrs.field(default=0.0, converter=float, validator=_seconds)
    delay: float = attrs.field(default=0.0, converter=float, validator=_seconds)
    drop: float = attrs.field(default=0.0, converter=float, validator=_probability)
    bad_signature: float = attrs.field(default=0.0, converter=float, validator=_probability)


def _check_url(_: Any, __: Any, url: str) -> None:
    parsed = URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"a webhook endpoint is an http(s) URL, not {url!r}")


_SECRET = re.compile(r"(?:whsec_)?[A-Za-z0-9+/]+={0,2}")
_MESSAGE_ID = re.compile(r"[!-~]+")
"""A message ID is sent as the ``svix-id`` header: printable ASCII, no space nor line break."""


def _check_secret(_: Any, __: Any, secret: str) -> None:
    # Checked here, not at the first delivery: a secret standardwebhooks cannot decode fails
    # the signing of every attempt and stops the endpoint's deliveries. Never quoted.
    if not isinstance(secret, str):
        raise TypeError("a webhook signing secret is a string (whsec_…)")
    key = b""
    if _SECRET.fullmatch(secret):
        with contextlib.suppress(binascii.Error):  # padded, as standardwebhooks decodes it
            key = base64.b64decode(secret.removeprefix("whsec_") + "==")
    if not key:
        raise ValueError("a webhook signing secret is whsec_ followed by the base64 of a key")


def _check_events(_: Any, __: Any, events: tuple[str, ...] | None) -> None:
    unknown = sorted(set(events or ()) - set(EVENT_TYPES))
    if unknown:
        raise ValueError(f"the emulator sends no {', '.join(unknown)} events")


def _events(value: Iterable[str] | None) -> tuple[str, ...] | None:
    if isinstance(value, str):
        raise TypeError("events is a list of event types, not one string")
    return None if value is None else tuple(value)


@attrs.define(kw_only=True, eq=False)
class WebhookEndpoint:
    """Where the emulator POSTs events, signed with :attr:`secret`.

    Attributes:
        id: the endpoint's ID (``ep_…``).
        url: where events are POSTed.
        secret: the signing secret (``whsec_…``), as ``CLERK_WEBHOOK_SIGNING_SECRET``;
            never in the repr.
        events: the event types sent here; every type when ``None``.
        faults: what goes wrong delivering here.
    """

    id: str = attrs.field(factory=lambda: new_id("ep"))
    url: str = attrs.field(validator=_check_url)
    secret: str = attrs.field(factory=new_signing_secret, repr=False, validator=_check_secret)
    events: tuple[str, ...] | None = attrs.field(
        default=None, converter=_events, validator=_check_events
    )
    faults: WebhookFaults = attrs.field(
        factory=WebhookFaults, validator=attrs.validators.instance_of(WebhookFaults)
    )

    def wants(self, event_type: str) -> bool:
        """Whether events of this type are sent here."""
        return self.events is None or event_type in self.events


@attrs.frozen(kw_only=True)
class WebhookAttempt:
    """One attempt to deliver a message.

    Attributes:
        at: when it was made, Unix milliseconds.
        status: the endpoint's HTTP status, ``None`` when no answer came.
        latency: seconds from sending to the answer (or the error).
        error: why it failed without a status (timeout, refused connection, a fault).
        fault: the fault injected into it, if any (``drop``, ``duplicate``, ``bad_signature``).
    """

    at: int
    status: int | None = None
    latency: float = 0.0
    error: str | None = None
    fault: str | None = None

    @property
    def succeeded(self) -> bool:
        """Any 2xx is a success, as for Svix (3xx included in the failures)."""
        return self.status is not None and 200 <= self.status < 300


@attrs.define(kw_only=True, eq=False)
class WebhookMessage:
    """One event owed to one endpoint.

    Attributes:
        id: the message ID, the ``svix-id`` of every attempt (shared by its endpoints).
        endpoint_id: the endpoint it is for.
        event_type: the event's ``type``.
        payload: the JSON body sent, exactly.
        created_at: when the change happened, Unix milliseconds.
        status: ``pending``, ``delivered``, ``failed`` (the schedule ran out) or ``aborted``
            (the endpoint answered ``webhook-delivery: abort-message``).
        attempts: every attempt, oldest first.
        round_start: the attempt where the current round of the schedule began (a replay
            starts a new one).
    """

    id: str
    endpoint_id: str
    event_type: str
    payload: str
    created_at: int
    status: str = PENDING
    attempts: list[WebhookAttempt] = attrs.Factory(list)
    round_start: int = 0

    @property
    def failures(self) -> int:
        """Failed attempts in this round so far (which retry comes next)."""
        return sum(not a.succeeded for a in self.attempts[self.round_start :])


class WebhookStore:
    """The instance's webhook endpoints and messages.

    :attr:`on_enqueue` is called with each new message (the delivery wakes up on it).
    """

    def __init__(self) -> None:
        self.instance_id = new_id("ins")
        self.on_enqueue: Callable[[WebhookMessage], None] | None = None
        self._endpoints: dict[str, WebhookEndpoint] = {}
        self._messages: dict[tuple[str, str], WebhookMessage] = {}
        self._forget_at = 2 * MESSAGES_KEPT

    @property
    def endpoints(self) -> Mapping[str, WebhookEndpoint]:
        """The endpoints by ID, in the order they were added."""
        return dict(self._endpoints)

    @property
    def messages(self) -> list[WebhookMessage]:
        """The pending messages and the latest finished ones, oldest first."""
        return list(self._messages.values())

    def add(self, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        """Register an endpoint (or replace the one with its ID)."""
        self._endpoints[endpoint.id] = endpoint
        return endpoint

    def endpoint(self, endpoint_id: str) -> WebhookEndpoint:
        """The endpoint with this ID.

        Raises:
            KeyError: no such endpoint.
        """
        try:
            return self._endpoints[endpoint_id]
        except KeyError:
            raise KeyError(f"no webhook endpoint {endpoint_id!r}") from None

    def remove(self, endpoint_id: str) -> WebhookEndpoint:
        """Unregister an endpoint; what it was owed is not sent."""
        endpoint = self.endpoint(endpoint_id)
        del self._endpoints[endpoint_id]
        self._messages = {k: m for k, m in self._messages.items() if k[1] != endpoint_id}
        return endpoint

    def wants(self, event_type: str) -> bool:
        """Whether any endpoint takes this event type (else it is not even rendered)."""
        return any(e.wants(event_type) for e in self._endpoints.values())

    def enqueue(self, event_type: str, payload: str, created_at: int) -> list[WebhookMessage]:
        """One message per endpoint that wants the event, all with one new message ID."""
        message_id = new_id("msg")
        queued = [
            WebhookMessage(
                id=message_id,
                endpoint_id=endpoint.id,
                event_type=event_type,
                payload=payload,
                created_at=created_at,
            )
            for endpoint in self._endpoints.values()
            if endpoint.wants(event_type)
        ]
        for message in queued:
            self._messages[message.id, message.endpoint_id] = message
            if self.on_enqueue is not None:
                self.on_enqueue(message)
        if len(self._messages) > self._forget_at:
            self._forget_finished()
        return queued

    def _forget_finished(self) -> None:
        finished = [k for k, m in self._messages.items() if m.status != PENDING]
        for key in finished[: len(finished) - MESSAGES_KEPT]:
            del self._messages[key]
        # Not again before another MESSAGES_KEPT messages: a burst of pending ones (none
        # to forget) must not make each enqueue a scan of them all.
        self._forget_at = len(self._messages) + MESSAGES_KEPT

    def message(self, message_id: str, endpoint_id: str) -> WebhookMessage:
        """The message with this ID for this endpoint.

        Raises:
            KeyError: no such message (or it was forgotten).
        """
        try:
            return self._messages[message_id, endpoint_id]
        except KeyError:
            raise KeyError(f"no webhook message {message_id!r} for {endpoint_id!r}") from None

    def pending(self) -> list[WebhookMessage]:
        """The messages still owed, oldest first."""
        return [m for m in self._messages.values() if m.status == PENDING]

    def record(
        self,
        message: WebhookMessage,
        attempt: WebhookAttempt,
        *,
        schedule: Sequence[float],
        abort: bool = False,
    ) -> float | None:
        """Record an attempt; return the seconds until the next one, or ``None`` if finished."""
        message.attempts.append(attempt)
        if attempt.succeeded:
            message.status = DELIVERED
        elif abort:
            message.status = ABORTED
        elif message.failures > len(schedule):
            message.status = FAILED
        else:
            return schedule[message.failures - 1]
        return None

    def replay(self, message_id: str, endpoint_id: str) -> WebhookMessage:
        """Send a message again, whatever became of it (a new round of the schedule)."""
        message = self.message(message_id, endpoint_id)
        if message.status != PENDING:
            message.status, message.round_start = PENDING, len(message.attempts)
        if self.on_enqueue is not None:
            self.on_enqueue(message)
        return message

    def snapshot(self) -> dict[str, Any]:
        """The endpoints and the pending messages (attempts are not kept), JSON-ready."""
        return {
            "instance_id": self.instance_id,
            "endpoints": [
                {**attrs.asdict(e, recurse=False), "faults": attrs.asdict(e.faults)}
                for e in self._endpoints.values()
            ],
            "messages": [
                {**attrs.asdict(m, recurse=False), "attempts": [], "round_start": 0}
                for m in self.pending()
            ],
        }

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        """Replace the endpoints and messages with those of a :meth:`snapshot`.

        Raises:
            ValueError, TypeError, KeyError: the snapshot is not one (nothing is changed).
        """
        endpoints = [
            WebhookEndpoint(
                id=_text(raw["id"]),
                url=_text(raw["url"]),
                secret=_text(raw["secret"]),
                events=raw["events"],
                faults=WebhookFaults(**raw["faults"]),
            )
            for raw in snapshot["endpoints"]
        ]
        ids = {e.id for e in endpoints}
        messages = [
            WebhookMessage(
                id=_message_id(raw["id"]),
                endpoint_id=_text(raw["endpoint_id"]),
                event_type=_text(raw["event_type"]),
                payload=_text(raw["payload"]),
                created_at=_integer(raw["created_at"]),
            )
            for raw in snapshot["messages"]
        ]
        strays = sorted({m.endpoint_id for m in messages} - ids)
        if strays:
            raise ValueError(f"messages for no endpoint: {', '.join(strays)}")
        self.instance_id = _text(snapshot["instance_id"])
        self._endpoints = {e.id: e for e in endpoints}
        self._messages = {(m.id, m.endpoint_id): m for m in messages}


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not a string")
    return value


def _message_id(value: Any) -> str:
    text = _text(value)
    if not _MESSAGE_ID.fullmatch(text):
        raise ValueError(f"{text!r} is not a message ID")
    return text


def _integer(value: Any) -> int:
    if type(value) is not int:
        raise TypeError(f"{value!r} is not an integer")
    return value


def check_snapshot(check: SnapshotCheck) -> None:
    """Refuse a data file's ``webhooks`` (version 3 on) that :meth:`WebhookStore.restore`
    cannot load.

    Raises:
        ValueError: what is wrong, with where.
    """
    if check.version < 3:
        return
    webhooks = field(check.snapshot, "webhooks", dict)
    try:
        WebhookStore().restore(webhooks)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"webhooks: {type(exc).__name__}: {exc}") from None
