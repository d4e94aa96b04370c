"""The webhook scenario's deliveries and its two contenders (run by ``_worker``).

- ``clerk-orgs-async``: ``verify_webhook`` (headers renamed, timestamp checked, signature
  compared, envelope decoded into the models).
- ``standardwebhooks``: the floor the issue sets: standardwebhooks' own ``verify`` on
  ``webhook-*`` headers, then ``json.loads`` of the body into dicts.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "samples"
SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()


def _sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text())
    return data


def events() -> list[tuple[str, dict[str, Any]]]:
    """A mix: four organization-surface events of each model size, and one passed through."""
    return [
        ("organization.created", _sample("organization")),
        ("organizationMembership.created", _sample("membership")),
        ("organizationInvitation.accepted", _sample("invitation") | {"status": "accepted"}),
        ("role.updated", _sample("role")),
        ("user.created", {"id": "user_1", "object": "user", "first_name": "Ada"}),
    ]


def deliveries(contender: str) -> list[tuple[bytes, dict[str, str]]]:
    """Each event as Clerk delivers it: envelope bytes and ``svix-*`` headers signed now
    (for the floor, Standard Webhooks' ``webhook-*`` names: its renaming is not timed)."""
    from standardwebhooks import Webhook

    signer = Webhook(SECRET)
    now = int(time.time())
    out = []
    for n, (kind, data) in enumerate(events()):
        envelope = {
            "type": kind,
            "object": "event",
            "data": data,
            "event_attributes": {"http_request": {"client_ip": "203.0.113.7", "user_agent": "x"}},
            "timestamp": now * 1000,
            "instance_id": "ins_2xK7aBcDeFgHiJkLmNoPqRsTuVw",
        }
        body = json.dumps(envelope).encode()
        message_id = f"msg_{n}"
        signature = signer.sign(message_id, datetime.fromtimestamp(now, timezone.utc), body)
        prefix = "Svix" if contender == "clerk-orgs-async" else "Webhook"
        headers = {
            f"{prefix}-Id": message_id,
            f"{prefix}-Timestamp": str(now),
            f"{prefix}-Signature": signature,
            "Content-Type": "application/json",
            "User-Agent": "Svix-Webhooks/1.60",
        }
        out.append((body, headers))
    return out


def verifier(contender: str) -> Callable[[bytes, dict[str, str]], Any]:
    """One delivery's verification and decoding, as each contender does it."""
    if contender == "clerk-orgs-async":
        from clerk_orgs_async.webhooks import verify_webhook

        return lambda body, headers: verify_webhook(body, headers, secret=SECRET)
    from standardwebhooks import Webhook

    webhook = Webhook(SECRET)

    def floor(body: bytes, headers: dict[str, str]) -> Any:
        webhook.verify(body, headers, json_parse=False)
        return json.loads(body)

    return floor
