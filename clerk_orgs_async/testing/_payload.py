"""Request bodies as the handlers read them: within a deadline, decoded within a bound.

aiohttp decompresses a gzip or deflate body in its parser as the bytes arrive, synchronously
in the event loop, and bounds each network chunk's output (32 MiB from 3.13.3) but not the
body's: its ``client_max_size`` applies to what was already decompressed. So a 2 MB bomb
expanding to 2 GB held every request for seconds, whatever its key. The emulator's server
takes bodies as sent (``auto_decompress=False``: ``client_max_size`` bounds the bytes on the
wire) and decodes them here, in steps of :data:`DECODE_STEP` bytes with the loop free
between two, and never past :data:`MAX_BODY_BYTES` (413).
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from clerk_orgs_async.testing._errors import ClerkAPIError, body_invalid

BODY_SECONDS = 30.0
"""How long a request's body may take to arrive: a client that announces more bytes than it
sends would otherwise hold its request open for ever (the emulator answers 408)."""
MAX_BODY_BYTES = 16 * 1024 * 1024
"""The largest body the emulator takes, as sent and once decoded."""
DECODE_STEP = 64 * 1024
"""Decoded bytes per step: well under a millisecond of the loop's time each."""
_INPUT_STEP = 64 * 1024
_ZLIB_WBITS = {
    "gzip": 16 + zlib.MAX_WBITS,
    "x-gzip": 16 + zlib.MAX_WBITS,
    "deflate": zlib.MAX_WBITS,
}
# aiohttp 3.14 warns (NotAppKeyWarning) on a plain string key; RequestKey is new there.
_READ: Any = getattr(web, "RequestKey", lambda name, _kind: name)(
    "clerk_orgs_async.testing.body", object
)
"""Where a request keeps its decoded body (or why it has none) for the next reader."""


def too_large() -> ClerkAPIError:
    """The 413 for a body over :data:`MAX_BODY_BYTES`."""
    return ClerkAPIError(
        413,
        "request_entity_too_large",
        "Request Entity Too Large",
        f"The request body is over {MAX_BODY_BYTES} bytes (as sent, or once decoded from its"
        " Content-Encoding).",
    )


async def read_body(request: web.Request) -> bytes:
    """The whole body, decoded from its ``Content-Encoding``; the same bytes on every call.

    Raises:
        ClerkAPIError: 400 for a body not in its ``Content-Encoding`` (or in one other than
            gzip and deflate), 413 for one over :data:`MAX_BODY_BYTES` once decoded.
        asyncio.TimeoutError: it did not all arrive within :data:`BODY_SECONDS`.
        ConnectionResetError: the client went away while sending it.
        web.HTTPException: it is over the size limit as sent.
    """
    kept = request.get(_READ)
    if kept is None:
        raw = await asyncio.wait_for(request.read(), BODY_SECONDS)
        try:
            kept = await decode(raw, request.headers.get("Content-Encoding", ""))
        except ClerkAPIError as error:
            kept = error  # decoded once: the request log reads the body again
        request[_READ] = kept
    if isinstance(kept, ClerkAPIError):
        raise kept
    assert isinstance(kept, bytes)
    return kept


async def read_form(request: web.Request) -> Mapping[str, object]:
    """The posted form, within :data:`BODY_SECONDS` (raises as :func:`read_body` does, and
    ``ValueError``, ``LookupError`` or ``HttpProcessingError`` for a form it cannot parse)."""
    if request.headers.get("Content-Encoding", "identity").strip().lower() != "identity":
        # The console's forms come from a browser, which never compresses one.
        raise ValueError("a form is sent without a Content-Encoding")
    return await asyncio.wait_for(request.post(), BODY_SECONDS)


async def decode(raw: bytes, encoding: str) -> bytes:
    """``raw`` decoded from ``encoding`` (a ``Content-Encoding``), in bounded steps.

    Raises:
        ClerkAPIError: 400 when ``raw`` is not in ``encoding`` or ``encoding`` is not
            supported, 413 when it decodes to over :data:`MAX_BODY_BYTES`.
    """
    name = encoding.strip().lower()
    if name in ("", "identity"):
        return raw
    wbits = _ZLIB_WBITS.get(name)
    if wbits is None:
        raise body_invalid(f"its Content-Encoding {encoding!r} is not supported (gzip, deflate)")
    if name == "deflate" and raw and raw[0] & 0x0F != 8:
        wbits = -zlib.MAX_WBITS  # deflate without its zlib header, which aiohttp accepts too
    decompressor = zlib.decompressobj(wbits)
    parts: list[bytes] = []
    size, fed, pending = 0, 0, b""
    try:
        while True:
            if not pending:  # fed in slices: zlib copies the input it leaves for later
                pending, fed = raw[fed : fed + _INPUT_STEP], fed + _INPUT_STEP
            part = decompressor.decompress(pending, DECODE_STEP)
            size += len(part)
            if size > MAX_BODY_BYTES:
                raise too_large()
            parts.append(part)
            pending = decompressor.unconsumed_tail
            done = not pending and fed >= len(raw) and len(part) < DECODE_STEP
            if decompressor.eof or done:
                break
            await _pause()
    except zlib.error:
        raise body_invalid("it cannot be decoded as its Content-Encoding says") from None
    if not decompressor.eof or decompressor.unused_data:
        raise body_invalid("it cannot be decoded as its Content-Encoding says")
    return b"".join(parts)


async def _pause() -> None:
    """Let the loop serve other requests between two steps of decoding."""
    await asyncio.sleep(0)
