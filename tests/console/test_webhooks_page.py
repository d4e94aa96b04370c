"""The console's Webhooks page: over plain HTTP, and in headless Chromium."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from playwright.async_api import Page, expect

from clerk_orgs_async.testing import CapturedWebhooks, ClerkEmulator, WebhookFaults
from clerk_orgs_async.testing._console._routes import CONSOLE
from tests.conftest import SECRET
from tests.emulator._support import USERS

NAME = "Quote & Co"
NOTE = "<script>alert(1)</script>"


@pytest_asyncio.fixture(loop_scope="session")
async def hooked() -> AsyncIterator[tuple[ClerkEmulator, CapturedWebhooks]]:
    """An emulator whose one organization's creation was delivered to a capturing endpoint."""
    async with ClerkEmulator(users=USERS, secret_key=SECRET, webhook_retry_schedule=(0.0,)) as emu:
        captured = await emu.webhooks.capture(events=["organization.created"])
        async with emu.client() as clerk:
            await clerk.organizations.create(name=NAME, public_metadata={"note": NOTE})
        await emu.webhooks.idle()
        yield emu, captured


def _form(emu: ClerkEmulator, **fields: str) -> dict[str, str]:
    return {"token": emu.app[CONSOLE].token, **fields}


def _same_origin(emu: ClerkEmulator) -> dict[str, str]:
    return {"Origin": emu.console_url.rstrip("/"), "Sec-Fetch-Site": "same-origin"}


async def test_the_page_lists_endpoints_and_messages_escaped_and_without_secrets(
    hooked: tuple[ClerkEmulator, CapturedWebhooks],
) -> None:
    emu, captured = hooked
    async with aiohttp.ClientSession() as http:
        async with http.get(emu.console_url + "_console/webhooks") as response:
            assert response.status == 200
            assert "script-src 'self'" in response.headers["Content-Security-Policy"]
            page = await response.text()
        async with http.get(emu.console_url + "_console/state.json") as response:
            state = await response.text()
    assert captured.url in page
    assert "organization.created" in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Quote &amp; Co" in page
    assert captured.endpoint.secret not in page
    assert captured.endpoint.secret not in state
    assert SECRET not in page


@pytest.mark.parametrize(
    ("headers", "with_token"),
    [({"Host": "evil.example"}, True), ({}, False), ({"Sec-Fetch-Site": "cross-site"}, True)],
)
async def test_the_page_and_its_forms_follow_the_console_rules(
    hooked: tuple[ClerkEmulator, CapturedWebhooks], headers: dict[str, str], with_token: bool
) -> None:
    emu, captured = hooked
    [message] = emu.webhooks.messages
    fields = {"message_id": message.id, "endpoint_id": message.endpoint_id}
    data = _form(emu, **fields) if with_token else fields
    async with aiohttp.ClientSession() as http:
        url = emu.console_url + "_console/webhooks/replay"
        async with http.post(url, data=data, headers=headers, allow_redirects=False) as response:
            assert response.status == 403
        if "Host" in headers:
            async with http.get(emu.console_url + "_console/webhooks", headers=headers) as page:
                assert page.status == 403
    assert len(message.attempts) == 1


async def test_replay_and_faults_through_the_forms(
    hooked: tuple[ClerkEmulator, CapturedWebhooks],
) -> None:
    emu, captured = hooked
    [message] = emu.webhooks.messages
    base = emu.console_url + "_console/webhooks"
    async with aiohttp.ClientSession(headers=_same_origin(emu)) as http:
        bad = _form(emu, endpoint_id=captured.endpoint.id, drop="lots")
        async with http.post(base + "/faults", data=bad) as response:
            assert response.status == 400
            assert "Drop: &#x27;lots&#x27; is not a number" in await response.text()
        assert captured.endpoint.faults == WebhookFaults()
        fields = {"endpoint_id": captured.endpoint.id, "duplicate": "1", "delay": ""}
        async with http.post(base + "/faults", data=_form(emu, **fields)) as response:
            assert response.status == 200
            assert "faults are set" in await response.text()
        assert captured.endpoint.faults == WebhookFaults(duplicate=1.0)
        fields = {"message_id": message.id, "endpoint_id": message.endpoint_id}
        async with http.post(base + "/replay", data=_form(emu, **fields)) as response:
            assert response.status == 200
    await emu.webhooks.idle()
    assert [a.fault for a in message.attempts] == [None, "duplicate"]
    assert [e.id for e in captured.events] == [message.id] * 3


@pytest.mark.slow
async def test_the_webhooks_page_in_a_browser(
    page: Page, hooked: tuple[ClerkEmulator, CapturedWebhooks]
) -> None:
    emu, captured = hooked
    await page.goto(emu.console_url)
    await page.get_by_role("link", name="Webhooks").click()
    await expect(page.get_by_role("heading", name="Webhook endpoints")).to_be_visible()
    await expect(page.locator(".endpoint")).to_contain_text(captured.url)
    message = page.locator(".message").first
    await expect(message).to_contain_text("organization.created")
    await expect(message.locator("pre")).to_be_hidden()
    await message.locator("summary").click()
    await expect(message.locator("pre")).to_contain_text(NOTE)
    await expect(message.locator(".attempts tbody tr")).to_have_count(1)
    await expect(message.locator(".attempts tbody tr")).to_contain_text("200")
    await message.get_by_role("button", name="Replay").click()
    await expect(page.get_by_role("status")).to_contain_text("sent again")
    await emu.webhooks.idle()
    await page.reload()
    message = page.locator(".message").first
    await message.locator("summary").click()
    await expect(message.locator(".attempts tbody tr")).to_have_count(2)
    assert len(captured.events) == 2
