"""The README's picture of the web console: ``python -m tests.console.screenshot docs/console.png``.

Seeds the emulator as the browser tests do, adds an app's bad moments (a refused slug, an
injected 503, a 429), and photographs the console at 1280 px in the system's headless Chromium.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path

from playwright.async_api import async_playwright

from clerk_orgs_async.errors import APIError
from clerk_orgs_async.testing import ClerkEmulator
from tests.emulator._support import USERS

from ._browser import chromium_problem, launch
from ._seed import seed


async def shoot(target: Path, *, port: int = 8787) -> None:
    """Write the screenshot to ``target``; the picture shows the emulator's usual port."""
    async with ClerkEmulator(users=USERS, port=port) as emulator:
        async with emulator.client(retry=None) as clerk:
            await seed(clerk)
            emulator.faults.status(503, method="POST", path="/v1/organizations")
            emulator.faults.status(429, times=3, method="PATCH", path="/v1/organizations/*")
            with contextlib.suppress(APIError):
                await clerk.organizations.create(name="Hooli")  # the injected 503
            with contextlib.suppress(APIError):
                await clerk.organizations.create(name="Hooli", slug="acme-inc")  # a taken slug
            with contextlib.suppress(APIError):
                await clerk.organizations.update("initech", name="Initech Systems")  # a 429
            await clerk.organizations.create(name="Hooli")
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            page = await browser.new_page(viewport={"width": 1280, "height": 1060})
            await page.goto(emulator.console_url)
            acme = page.locator("li.org").filter(has_text="Acme Inc")
            await acme.locator("summary").click()
            await page.locator("#log-rows tr").nth(1).get_by_role("link").click()
            await page.locator("tr.detail").wait_for()
            await page.screenshot(path=target)
            await browser.close()


def main() -> None:
    problem = chromium_problem()
    if problem is not None:
        sys.exit(problem)
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/console.png")
    target.parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(shoot(target))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
