"""What the client knows of the server's clock, to tell old objects from ones a call made.

After a POST whose answer was lost, an object found by the lookup is the call's only if it was
created after the call started, on the server's clock. Each sample (a write's ``updated_at``,
any answer's ``Date``) gives a lower bound of ``server time - local time``; the best of the
last minute's is used. Why a lower bound, and the limit: docs/design/safe-writes.md.
"""

from __future__ import annotations

import email.utils
import time
from collections import deque
from datetime import datetime, timezone

_FRESH = 60.0
"""Seconds a sample stays in use."""


class ServerClock:
    """Lower bounds of the server's clock minus the local one, from recent answers, and the
    objects this client created lately (an object it made in an earlier call is never a later
    call's, however close in time)."""

    def __init__(self) -> None:
        self._date: tuple[str, float] | None = None
        self._writes: deque[tuple[float, float]] = deque(maxlen=16)  # (bound, taken at)
        self._made: deque[str] = deque(maxlen=1024)
        self._made_ids: set[str] = set()

    def saw_date(self, date: str, received: float) -> None:
        """Note an answer's ``Date`` header (parsed only when needed: this is per request)."""
        self._date = (date, received)

    def saw_write(self, stamped: datetime, received: float) -> None:
        """Note a write's ``updated_at``, stamped by the server before ``received``."""
        self._writes.append((stamped.timestamp() - received, received))

    def saw_created(self, object_id: str) -> None:
        """Note an object a successful create of this client answered with."""
        if len(self._made) == self._made.maxlen:
            self._made_ids.discard(self._made[0])
        self._made.append(object_id)
        self._made_ids.add(object_id)

    def made_earlier(self, object_id: str) -> bool:
        """Whether an earlier call of this client created ``object_id``."""
        return object_id in self._made_ids

    def offset_floor(self, now: float | None = None) -> float | None:
        """The best lower bound of ``server - local`` from the last minute (None: none)."""
        now = time.time() if now is None else now
        bounds = [bound for bound, taken in self._writes if now - taken < _FRESH]
        if self._date is not None:
            date, received = self._date
            if now - received < _FRESH:
                parsed = _parse(date)
                if parsed is not None:
                    bounds.append(parsed - received)
        return max(bounds, default=None)


def _parse(date: str) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()
