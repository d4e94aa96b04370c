"""Where the stores report each change of state, for the webhooks group to turn into events.

The stores call :meth:`Changes.emit` with Clerk's event type and the record as it is right
after the change; the one listener (the webhooks group, wired by ``ClerkEmulator``) renders it
at once, before a later write can change the record. The stores import nothing above them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

Listener = Callable[..., None]
"""Called as ``listener(event_type, record, **context)``."""


class Changes:
    """A sink for changes: nothing listens until :attr:`listener` is set."""

    def __init__(self) -> None:
        self.listener: Listener | None = None
        self._muted = 0

    def emit(self, event_type: str, record: Any, /, **context: Any) -> None:
        """Report one change: Clerk's event type, the record and what else renders it."""
        if self.listener is not None and not self._muted:
            self.listener(event_type, record, **context)

    @contextlib.contextmanager
    def muted(self) -> Iterator[None]:
        """Report nothing meanwhile (a journal's replay re-applies changes already reported)."""
        self._muted += 1
        try:
            yield
        finally:
            self._muted -= 1
