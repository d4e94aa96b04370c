"""The emulator's webhooks used as a test suite would; mypy --strict checks it (never run)."""

from __future__ import annotations

from typing_extensions import assert_type

from clerk_orgs_async.testing import (
    SVIX_RETRY_SCHEDULE,
    CapturedWebhooks,
    ClerkEmulator,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookFaults,
    WebhookMessage,
)
from clerk_orgs_async.webhooks import WebhookEvent


async def receive_in_a_test() -> str:
    schedule = [seconds / 1000 for seconds in SVIX_RETRY_SCHEDULE]
    async with ClerkEmulator(
        webhooks=["http://127.0.0.1:3000/webhooks/clerk"], webhook_retry_schedule=schedule
    ) as emu:
        endpoint = emu.webhooks.add(
            "http://127.0.0.1:3001/hook",
            events=["organization.created"],
            faults=WebhookFaults(duplicate=0.5, reorder_window=1.0),
        )
        assert_type(endpoint, WebhookEndpoint)
        emu.webhooks.set_faults(endpoint, WebhookFaults())
        captured = await emu.webhooks.capture()
        assert_type(captured, CapturedWebhooks)
        event = await captured.wait_for("organization.created", timeout=5.0)
        assert_type(event, WebhookEvent)
        await emu.webhooks.idle()
        for message in emu.webhooks.messages:
            assert_type(message, WebhookMessage)
            attempts: list[WebhookAttempt] = message.attempts
            if message.status == "failed" and attempts:
                emu.webhooks.replay(message)
        emu.webhooks.remove(endpoint)
        return endpoint.secret
