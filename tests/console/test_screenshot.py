"""The docs' picture of the web console is taken by the suite, so it can always be redrawn.

``make screenshot`` writes ``docs/console.png``; here the same code writes into a temporary
directory (the tracked picture is left alone, so a CI run never dirties the checkout) and the
result is checked to be the picture the docs show: a PNG of the console at 1280 px.
"""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path

import pytest

from tests._needs import missing

from ._browser import chromium_problem
from .screenshot import shoot

DOCS_PICTURE = Path(__file__).resolve().parents[2] / "docs" / "console.png"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.slow  # a real Chromium: make test runs it, make check does not
def test_the_suite_takes_the_docs_picture_of_the_console(tmp_path: Path) -> None:
    problem = chromium_problem()
    if problem is not None:
        missing(problem)
    target = tmp_path / "console.png"
    asyncio.run(shoot(target, port=0))  # port 0: never in the way of another emulator
    taken = png_size(target.read_bytes())
    assert taken == (1280, 1060)
    assert png_size(DOCS_PICTURE.read_bytes()) == taken  # the docs show a picture of this kind
