"""What a test needs from the machine (redis-server, Chromium, Clerk's spec beside the repo).

Where it is missing the test skips with the reason; under CI (any truthy ``CI``) it fails, so a
broken setup cannot turn a run green without having looked.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def under_ci() -> bool:
    """True when ``CI`` is set to anything but an empty, ``0``, ``false``, ``no`` or ``off``."""
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no", "off"}


def missing(reason: str) -> NoReturn:
    """Skip the test for ``reason``; fail it under CI."""
    if under_ci():
        pytest.fail(f"{reason} (CI is set: it must be there)", pytrace=False)
    pytest.skip(reason)
