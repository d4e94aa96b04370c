"""Verifying Clerk's webhook deliveries and decoding their envelope (public in ``webhooks``)."""

from __future__ import annotations

import functools
import hmac
import os
import re
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import attrs

from . import _json
from ._rules import finite
from ._serialization import ms_to_datetime, structurer
from .errors import InvalidRequestError, WebhookVerificationError
from .models import (
    DeletedObject,
    Organization,
    OrganizationDomain,
    OrganizationInvitation,
    OrganizationMembership,
    OrganizationPermission,
    OrganizationRole,
)

if TYPE_CHECKING:
    from standardwebhooks import Webhook

SECRET_ENV = "CLERK_WEBHOOK_SIGNING_SECRET"  # noqa: S105 - a variable name, not a secret
_ID, _TIMESTAMP, _SIGNATURE = "svix-id", "svix-timestamp", "svix-signature"
_WANTED = frozenset((_ID, _TIMESTAMP, _SIGNATURE))
# Standard Webhooks' secret: base64 of the key, after Svix's "whsec_". Checked before use
# because base64 decoding skips characters outside the alphabet: a Clerk secret key passed by
# mistake ("sk_test_…") would otherwise become some key and fail every delivery as "forged".
_SECRET = re.compile(r"(?:whsec_)?[A-Za-z0-9+/]+={0,2}")
_MAX_TIMESTAMP_DIGITS = 12
_DECODE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError, IndexError)

WebhookData = (
    Organization
    | OrganizationMembership
    | OrganizationInvitation
    | OrganizationDomain
    | OrganizationRole
    | OrganizationPermission
    | DeletedObject
    | dict[str, Any]
)
"""What ``WebhookEvent.data`` holds: a model for the organization surface, else the dict."""

_MODELS: dict[str, type[Any]] = {
    "organization.created": Organization,
    "organization.updated": Organization,
    "organization.deleted": DeletedObject,
    "organizationMembership.created": OrganizationMembership,
    "organizationMembership.updated": OrganizationMembership,
    "organizationMembership.deleted": OrganizationMembership,
    "organizationInvitation.created": OrganizationInvitation,
    "organizationInvitation.revoked": OrganizationInvitation,
    "organizationInvitation.accepted": OrganizationInvitation,
    "organizationDomain.created": OrganizationDomain,
    "organizationDomain.updated": OrganizationDomain,
    "organizationDomain.deleted": DeletedObject,
    "role.created": OrganizationRole,
    "role.updated": OrganizationRole,
    "role.deleted": OrganizationRole,
    "permission.created": OrganizationPermission,
    "permission.updated": OrganizationPermission,
    "permission.deleted": OrganizationPermission,
}
"""Each organization-surface event type and the model of its ``data`` (Clerk's typings)."""
_STRUCTURE: dict[type[Any], Callable[[Any], Any]] = {
    cls: structurer(cls) for cls in set(_MODELS.values())
}


@attrs.frozen(kw_only=True)
class WebhookEvent:
    """One verified webhook event.

    Attributes:
        id: the delivery's ``svix-id``: the same on every retry of one message, so the key
            to handle each message once.
        type: Clerk's event type, such as ``organization.created``.
        timestamp: when Clerk created the event (aware, UTC).
        instance_id: the Clerk instance the event is from (None if the envelope has none).
        data: for an organization-surface event the model (``Organization``,
            ``OrganizationMembership``, ``OrganizationInvitation``, ``OrganizationDomain``,
            ``OrganizationRole``, ``OrganizationPermission``, or ``DeletedObject`` for
            ``organization.deleted`` and ``organizationDomain.deleted``); for any other
            event type (``user.*``, ``session.*``…) the ``data`` object as a plain dict.
            Narrow it with ``isinstance``.
        raw: the whole envelope as decoded JSON (``event_attributes`` included).
    """

    id: str
    type: str
    timestamp: datetime
    instance_id: str | None
    data: WebhookData
    raw: dict[str, Any] = attrs.field(repr=False)


def verify_webhook(
    body: bytes,
    headers: Mapping[str, str],
    *,
    secret: str | None = None,
    tolerance: float = 300.0,
) -> WebhookEvent:
    """Verify a webhook delivery from Clerk (through Svix) and decode its event.

    Checks the ``svix-signature`` over the raw body, refuses a ``svix-timestamp`` further than
    ``tolerance`` seconds from this machine's clock (replay protection), then decodes Clerk's
    envelope. Header names are matched case-insensitively.

    Args:
        body: the request body exactly as received (bytes: not re-encoded JSON).
        headers: the request headers; any mapping (a framework's headers object works).
        secret: the endpoint's signing secret (``whsec_…``); defaults to
            ``$CLERK_WEBHOOK_SIGNING_SECRET``.
        tolerance: how far, in seconds, the delivery's timestamp may be from now either way.

    Returns:
        The event, with ``data`` decoded to this library's model for organization events.

    Raises:
        WebhookVerificationError: a ``svix-*`` header is missing, no signature matches, the
            timestamp is outside the tolerance, or the body is not Clerk's envelope (an
            organization event whose ``data`` does not decode to its model included).
        InvalidRequestError: no secret was given or set, the secret is not Standard
            Webhooks' base64 form, or ``tolerance`` is not a finite number >= 0.
        ImportError: the ``standardwebhooks`` package is not installed.

    Example:
        ```python
        from clerk_orgs_async import Organization
        from clerk_orgs_async.webhooks import WebhookVerificationError, verify_webhook

        try:
            event = verify_webhook(await request.body(), request.headers)
        except WebhookVerificationError:
            return Response(status_code=400)
        if event.type == "organization.created" and isinstance(event.data, Organization):
            print(event.data.slug)
        ```
    """
    webhook = _webhook(secret)
    number = isinstance(tolerance, int | float) and not isinstance(tolerance, bool)
    if not number or not finite(tolerance) or tolerance < 0:
        raise InvalidRequestError("tolerance must be a finite number of seconds >= 0")
    message_id, stamp, signatures = _svix_headers(headers)
    sent_at = _check_timestamp(stamp, tolerance)
    # Standard Webhooks computes the signature. Its `verify` is not called because its window
    # is fixed at 5 minutes (standardwebhooks 1.3) and would ignore `tolerance`, so the
    # timestamp is checked above and the comparison is the one `verify` makes: constant time,
    # against each space-separated entry.
    expected = webhook.sign(message_id, sent_at, body).encode()
    offered = signatures.split()
    if not any(entry.startswith("v1,") for entry in offered):
        raise WebhookVerificationError("svix-signature holds no v1 signature")
    if not any(hmac.compare_digest(expected, entry.encode()) for entry in offered):
        raise WebhookVerificationError(
            "no signature matches: a wrong signing secret, or the body or headers were changed"
        )
    return _decode(message_id, body)


def _webhook(secret: str | None) -> Webhook:
    """Standard Webhooks' verifier for the secret given or set in the environment."""
    value = secret if secret is not None else os.environ.get(SECRET_ENV)
    if not value:
        raise InvalidRequestError(
            f"no webhook signing secret: pass secret= or set {SECRET_ENV} (whsec_…)"
        )
    if not isinstance(value, str):
        raise InvalidRequestError(f"secret must be a string, got {type(value).__name__}")
    return _webhook_for(value)


# One verifier per secret, as an app has one or two: checking and decoding the secret on
# every delivery was a tenth of verify_webhook's time.
@functools.lru_cache(maxsize=8)
def _webhook_for(value: str) -> Webhook:
    value = value.strip()
    if not _SECRET.fullmatch(value):
        raise InvalidRequestError(
            "the webhook signing secret is not whsec_ followed by base64 (it is on the "
            "endpoint's page in Clerk's dashboard)"
        )
    webhook = _webhook_class()
    try:
        return webhook(value)
    except Exception:  # binascii.Error, or EmptyWebhookSecretError for a key of no bytes
        # Not chained: a decoding error may quote the input.
        raise InvalidRequestError(
            "the webhook signing secret is not valid base64 (or holds no key)"
        ) from None


@functools.cache
def _webhook_class() -> type[Webhook]:
    try:
        from standardwebhooks import Webhook
    except ImportError:
        raise ImportError(
            "verify_webhook needs the standardwebhooks package: "
            "pip install 'clerk-orgs-async[webhooks]'"
        ) from None
    return Webhook


def _svix_headers(headers: Mapping[str, str]) -> tuple[str, str, str]:
    """The ``svix-id``, ``svix-timestamp`` and ``svix-signature`` values, whatever their case."""
    found: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        if key in _WANTED:
            found[key] = value
    missing = [name for name in (_ID, _TIMESTAMP, _SIGNATURE) if not found.get(name)]
    if missing:
        raise WebhookVerificationError(f"missing header: {', '.join(missing)}")
    for name, value in found.items():
        # aiohttp hands header bytes that are not UTF-8 over as lone surrogates, which the
        # signing would fail to encode (a UnicodeEncodeError, a 500, for anyone's request).
        try:
            value.encode()
        except UnicodeEncodeError:
            raise WebhookVerificationError(f"{name} is not UTF-8 text") from None
    return found[_ID], found[_TIMESTAMP], found[_SIGNATURE]


def _check_timestamp(stamp: str, tolerance: float) -> datetime:
    """The delivery's time, refused unless whole Unix seconds within ``tolerance`` of now."""
    # Only digits: the signature covers the header's text, so "1.7e9" must not pass as a time.
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= _MAX_TIMESTAMP_DIGITS):
        raise WebhookVerificationError("svix-timestamp is not a Unix time in seconds")
    seconds = int(stamp)
    skew = time.time() - seconds
    if abs(skew) > tolerance:
        side = "old" if skew > 0 else "far in the future"
        raise WebhookVerificationError(
            f"svix-timestamp is too {side}: {abs(skew):.0f} s from now, beyond the "
            f"{tolerance:g} s tolerance (a replay, or a clock out of step)"
        )
    try:
        return datetime.fromtimestamp(seconds, timezone.utc)
    except (OverflowError, ValueError, OSError):  # past the year 9999, under a wide tolerance
        raise WebhookVerificationError("svix-timestamp is out of range") from None


def _decode(message_id: str, body: bytes) -> WebhookEvent:
    """The event in a verified body, or WebhookVerificationError saying what is wrong."""
    try:
        raw = _json.loads(body)
    except ValueError:
        raise WebhookVerificationError("the body is not JSON") from None
    if not isinstance(raw, dict):
        raise _not_envelope("not a JSON object")
    kind, data, stamp = raw.get("type"), raw.get("data"), raw.get("timestamp")
    instance_id = raw.get("instance_id")
    if raw.get("object", "event") != "event":
        raise _not_envelope("'object' is not 'event'")
    if not isinstance(kind, str) or not kind:
        raise _not_envelope("no 'type'")
    if not isinstance(data, dict):
        raise _not_envelope("'data' is not an object")
    if not isinstance(stamp, int) or isinstance(stamp, bool):
        raise _not_envelope("'timestamp' is not milliseconds")
    if instance_id is not None and not isinstance(instance_id, str):
        raise _not_envelope("'instance_id' is not a string")
    try:
        timestamp = ms_to_datetime(stamp)
    except (OverflowError, ValueError):
        raise _not_envelope("'timestamp' is out of range") from None
    return WebhookEvent(
        id=message_id,
        type=kind,
        timestamp=timestamp,
        instance_id=instance_id,
        data=_data(kind, data),
        raw=raw,
    )


def _data(kind: str, data: dict[str, Any]) -> WebhookData:
    cls = _MODELS.get(kind)
    if cls is None:
        return data
    if data.get("deleted") is True and "created_at" not in data:
        # Clerk documents roles and permissions as sent whole when deleted; a bare deleted
        # object decodes too rather than failing the delivery.
        cls = DeletedObject
    try:
        decoded: WebhookData = _STRUCTURE[cls](data)
    except _DECODE_ERRORS as exc:
        # Described, not chained: the decoder's exception can hold the payload.
        reason = f"{type(exc).__name__}: {exc}"[:200]
        raise _not_envelope(f"{kind} data does not decode as {cls.__name__} ({reason})") from None
    return decoded


def _not_envelope(reason: str) -> WebhookVerificationError:
    return WebhookVerificationError(f"the body is not Clerk's event envelope: {reason}")
