"""Headless Chromium for the console's tests and the README's screenshot: the system's own.

``make test`` installs Debian's ``chromium`` when it is missing. Playwright drives it over its
pipe and downloads nothing; it starts Chromium with a fresh temporary profile
(``--user-data-dir``) and ``--headless``, and these flags keep it off the network.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.async_api import Browser, Playwright

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def chromium_problem() -> str | None:
    """Why the browser tests cannot run here, or ``None``."""
    if os.access(CHROMIUM, os.X_OK):
        return None
    return (
        f"Chromium is not installed at {CHROMIUM}: the web console's browser tests need it. "
        "`make test` installs it (apt-get install -y --no-install-recommends chromium)."
    )


async def launch(playwright: Playwright) -> Browser:
    """Start the system's Chromium, headless."""
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
