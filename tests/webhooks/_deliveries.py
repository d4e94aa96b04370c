"""Signed deliveries, built three ways: with svix, with standardwebhooks, and by hand.

svix 2.9's ``Webhook`` wraps standardwebhooks, so the hand-made signature (HMAC-SHA256 over
``{svix-id}.{svix-timestamp}.{body}``, as WEBHOOKS.md states the scheme) is the check that
does not share their code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import standardwebhooks
import svix.webhooks

KEY = bytes(range(32))
SECRET = "whsec_" + base64.b64encode(KEY).decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"\xff" * 32).decode()
INSTANCE = "ins_2xK7aBcDeFgHiJkLmNoPqRsTuVw"
MESSAGE_ID = "msg_2xKDj9sWf5RvX0yZ4cC7eH2tN6i"
EVENT_MS = 1732000500456

Signer = Callable[[bytes, str, int, str], str]
"""(body, message id, Unix seconds, secret) -> the svix-signature value."""


def envelope(kind: str, data: Any, **fields: Any) -> bytes:
    """Clerk's event envelope around ``data``, as JSON bytes."""
    event = {
        "type": kind,
        "object": "event",
        "data": data,
        "event_attributes": {"http_request": {"client_ip": "203.0.113.7", "user_agent": "t"}},
        "timestamp": EVENT_MS,
        "instance_id": INSTANCE,
        **fields,
    }
    return json.dumps(event).encode()


def by_svix(body: bytes, message_id: str, seconds: int, secret: str) -> str:
    at = datetime.fromtimestamp(seconds, timezone.utc)
    return svix.webhooks.Webhook(secret).sign(message_id, at, body.decode())


def by_standardwebhooks(body: bytes, message_id: str, seconds: int, secret: str) -> str:
    at = datetime.fromtimestamp(seconds, timezone.utc)
    return standardwebhooks.Webhook(secret).sign(message_id, at, body)


def by_hand(body: bytes, message_id: str, seconds: int, secret: str) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{seconds}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


SIGNERS: dict[str, Signer] = {
    "svix": by_svix,
    "standardwebhooks": by_standardwebhooks,
    "by hand": by_hand,
}


def signed_headers(
    body: bytes,
    *,
    secret: str = SECRET,
    message_id: str = MESSAGE_ID,
    age: float = 0.0,
    signer: Signer = by_hand,
) -> dict[str, str]:
    """The ``svix-*`` headers of a delivery sent ``age`` seconds ago (negative: ahead)."""
    seconds = int(time.time() - age)
    return {
        "svix-id": message_id,
        "svix-timestamp": str(seconds),
        "svix-signature": signer(body, message_id, seconds, secret),
    }
