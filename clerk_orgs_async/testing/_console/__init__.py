"""The emulator's web console at ``/``: its state, request log and faults, in a browser.

The console belongs to the developer, not to the app under test: its routes skip the API's
pipeline (no key, pacing, faults, stats, log or ``on_response``), answer only loopback peers
that name a loopback host, and refuse forms posted from another origin or without the
console's token (see ``_guard``). Its pages are rendered here with the standard library and
its stylesheet and script ship in the package, so it works offline.
"""

from __future__ import annotations

from clerk_orgs_async.testing._console._page import Console
from clerk_orgs_async.testing._console._routes import add_console, is_console_path

__all__ = ["Console", "add_console", "is_console_path"]
