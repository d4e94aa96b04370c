"""Fixtures for the web console's tests: one headless Chromium for the whole session.

The browser, the emulators and the tests share the session's event loop: Playwright's async
objects belong to the loop that started them, and the emulator must answer the browser from
the same loop the test awaits on. Each test gets a fresh emulator and a fresh browser context.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, ConsoleMessage, Page, async_playwright
from pytest_asyncio import is_async_test

from clerk_orgs_async import ClerkClient
from clerk_orgs_async.testing import ClerkEmulator
from tests._needs import missing
from tests.conftest import SECRET
from tests.emulator._support import USERS

from ._browser import chromium_problem, launch


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run this folder's coroutine tests in the session's loop, where the browser lives."""
    here = Path(__file__).parent
    for item in items:
        if is_async_test(item) and item.path.is_relative_to(here):
            item.add_marker(pytest.mark.asyncio(loop_scope="session"), append=False)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    problem = chromium_problem()
    if problem is not None:
        missing(problem)
    async with async_playwright() as playwright:
        chromium = await launch(playwright)
        yield chromium
        await chromium.close()


@pytest_asyncio.fixture(loop_scope="session")
async def emulator() -> AsyncIterator[ClerkEmulator]:
    async with ClerkEmulator(users=USERS, secret_key=SECRET) as emu:
        yield emu


@pytest_asyncio.fixture(loop_scope="session")
async def clerk(emulator: ClerkEmulator) -> AsyncIterator[ClerkClient]:
    async with emulator.client(retry=None, timeout=5.0) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A page at 1280 px; any script error or CSP violation on it fails the test."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    opened = await context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"script error: {error}"))

    def console(message: ConsoleMessage) -> None:
        # A 403 or 404 the test provokes on purpose is logged as a failed resource load.
        if message.type == "error" and "Failed to load resource" not in message.text:
            problems.append(f"console error: {message.text}")

    opened.on("console", console)
    yield opened
    await context.close()
    assert not problems, problems
