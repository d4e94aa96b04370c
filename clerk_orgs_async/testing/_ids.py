"""Identifiers in Clerk's shapes: a type prefix and 27 base62 characters."""

from __future__ import annotations

import contextlib
import random
import secrets
import string
from collections.abc import Iterator
from contextvars import ContextVar

_BASE62 = string.digits + string.ascii_letters
# Byte -> base62 character; the slight skew of 256 % 62 costs nothing that matters here.
_TO_BASE62 = bytes(ord(_BASE62[b % 62]) for b in range(256))
ID_LENGTH = 27
# IDs must be unique, not secret, and seeding 100,000 organizations should take well under a
# second: a seeded ``random.Random`` is several times faster than ``secrets`` here.
_rng = random.Random(secrets.randbits(128))  # noqa: S311
# A request replayed from the journal must get the IDs it got the first time: its own
# generator, seeded from the journal, for the task that handles it.
_seeded: ContextVar[random.Random | None] = ContextVar("clerk_emulator_ids", default=None)


def new_id(prefix: str) -> str:
    """Return ``{prefix}_`` followed by 27 random base62 characters, as Clerk's IDs look."""
    rng = _seeded.get() or _rng
    return f"{prefix}_" + rng.randbytes(ID_LENGTH).translate(_TO_BASE62).decode()


@contextlib.contextmanager
def seeded_ids(seed: int) -> Iterator[None]:
    """Draw the current task's IDs from a generator seeded with ``seed`` (reproducible)."""
    token = _seeded.set(random.Random(seed))  # noqa: S311 - reproducible, not secret
    try:
        yield
    finally:
        _seeded.reset(token)


def new_secret_key() -> str:
    """Return a development secret key in Clerk's ``sk_test_…`` form."""
    return "sk_test_" + "".join(secrets.choice(_BASE62) for _ in range(40))


def new_trace_id() -> str:
    """Return a trace ID like the ``clerk_trace_id`` of Clerk's error bodies."""
    return secrets.token_hex(16)
