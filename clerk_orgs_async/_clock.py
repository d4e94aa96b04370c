"""What the client knows of the server's clock, to tell old objects from ones a call made.

After a POST whose answer was lost, the lookup may find an object with the same slug: the
call's own, or one that existed before it. Only time tells them apart: an object created
before the call started is not the call's. The server's clock is learnt from two sources,
each giving a **lower bound** of ``server time - local time`` (so an instant computed with it
is never later than the server's, and the call's own object is never mistaken for an old one):

- a write's answer: its ``updated_at`` (milliseconds) was stamped between sending the request
  and receiving the answer, so ``updated_at - received`` is a bound within one round trip;
- any answer's ``Date`` header: whole seconds, a bound within one second.

The bound is the best of the recent samples (the last minute: a local clock stepped since
would make older ones wrong). Its limit: an object created by someone else less than the
bound's error (a round trip after a write of this client, else up to a second) before the
call started cannot be told from the call's own.
"""

from __future__ import annotations

import email.utils
import time
from collections import deque
from datetime import datetime, timezone

_FRESH = 60.0
"""Seconds a sample stays in use."""


class ServerClock:
    """Lower bounds of the server's clock minus the local one, from recent answers."""

    def __init__(self) -> None:
        self._date: tuple[str, float] | None = None
        self._writes: deque[tuple[float, float]] = deque(maxlen=16)  # (bound, taken at)

    def saw_date(self, date: str, received: float) -> None:
        """Note an answer's ``Date`` header (parsed only when needed: this is per request)."""
        self._date = (date, received)

    def saw_write(self, stamped: datetime, received: float) -> None:
        """Note a write's ``updated_at``, stamped by the server before ``received``."""
        self._writes.append((stamped.timestamp() - received, received))

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
