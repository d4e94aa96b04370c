"""The emulator's request log: each request and its answer, bounded in count and size, redacted.

Tests read it as ``emulator.requests``; a developer reads it in the web console over days of
local work. So it keeps the last ``size`` requests only, cuts each body to :data:`BODY_LIMIT`
bytes, and replaces the secret key wherever it appears (path, query, headers, bodies) when a
record is made, so no record ever holds the key.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Iterable

import attrs
from aiohttp import web

from clerk_orgs_async.testing._errors import ClerkAPIError
from clerk_orgs_async.testing._payload import read_body

REDACTED = "[redacted]"
BODY_LIMIT = 16 * 1024
"""Bytes of each request and response body a record keeps; ``*_size`` gives the whole size."""
LATE_BODY = "[body not received in time: not kept]"
"""What a record shows of a body that did not all arrive in time (``_payload.BODY_SECONDS``)."""
_TEXT_TYPES = ("application/json", "application/x-www-form-urlencoded", "application/problem+json")

Headers = tuple[tuple[str, str], ...]


@attrs.frozen(kw_only=True)
class RequestRecord:
    """One request the emulator received and what it answered.

    Only ``method``, ``path``, ``status`` and ``fault`` take part in ``==``, so a test can
    compare a record with one it builds from those four.

    Attributes:
        method: the HTTP method.
        path: the request path, such as ``/v1/organizations``.
        status: the status answered, or ``None`` when the connection was dropped.
        fault: what was injected (``"429"``, ``"hang"``, ``"drop"``…, ``"rate_limit"``), if any.
        seq: the record's number in the emulator's log, counting from 1 (0 if built by hand).
        time: when the request arrived, in Unix seconds.
        latency: seconds from its arrival to the answer (or to the dropped connection).
        query: the query string, without the ``?``.
        request_headers: the request's headers, the ``Authorization`` value redacted.
        request_body: the body as text; past :data:`BODY_LIMIT` bytes it is cut, with a last
            line saying so; a binary, multipart or unread body is described in square
            brackets instead.
        request_size: the body's whole size in bytes.
        response_headers: the answer's headers (none when the connection was dropped).
        response_body: the answer's body, kept as ``request_body`` is.
        response_size: the answer's whole size in bytes.
    """

    method: str
    path: str
    status: int | None
    fault: str | None = None
    seq: int = attrs.field(default=0, eq=False)
    time: float = attrs.field(default=0.0, eq=False)
    latency: float = attrs.field(default=0.0, eq=False)
    query: str = attrs.field(default="", eq=False)
    request_headers: Headers = attrs.field(default=(), eq=False)
    request_body: str = attrs.field(default="", eq=False)
    request_size: int = attrs.field(default=0, eq=False)
    response_headers: Headers = attrs.field(default=(), eq=False)
    response_body: str = attrs.field(default="", eq=False)
    response_size: int = attrs.field(default=0, eq=False)


def redact(text: str, secret: str) -> str:
    """``text`` with every occurrence of ``secret`` replaced by :data:`REDACTED`."""
    return text.replace(secret, REDACTED)


def shown_headers(headers: Iterable[tuple[str, str]], secret: str) -> Headers:
    """Headers as a record keeps them: any credential in ``Authorization`` is hidden whole.

    A wrong key is hidden too: it may be a real one the app sent by mistake.
    """
    shown = []
    for name, value in headers:
        if name.lower() == "authorization":
            scheme, _, credential = value.partition(" ")
            value = f"{scheme} {REDACTED}" if credential else REDACTED
        shown.append((name, redact(value, secret)))
    return tuple(shown)


def _is_text(content_type: str) -> bool:
    return content_type.startswith("text/") or content_type in _TEXT_TYPES


def _head(raw: bytes, secret: bytes) -> bytes:
    """The first :data:`BODY_LIMIT` bytes, or fewer so that the cut never splits ``secret``."""
    if len(raw) <= BODY_LIMIT:
        return raw
    # Redacting after a cut through the key would leave its first characters on show.
    split = raw.find(secret, max(0, BODY_LIMIT - len(secret) + 1), BODY_LIMIT + len(secret) - 1)
    return raw[: BODY_LIMIT if split == -1 else split]


def body_text(body: bytes | str, content_type: str, secret: str) -> str:
    """What a record shows of a body: its text, redacted, cut with a note saying so; or a
    description in square brackets of a body that is binary or could not be read.

    Args:
        body: the bytes, or the description of a body that could not be read.
        content_type: the body's media type, without parameters.
        secret: the key to redact.
    """
    if isinstance(body, str):
        return body
    if not body:
        return ""
    if not _is_text(content_type):
        return f"[{len(body)} bytes of {content_type or 'unknown type'}: not kept]"
    key = secret.encode()
    head = _head(body, key)
    # errors="replace": a cut through a multi-byte character, or a body that is not UTF-8.
    text = head.replace(key, REDACTED.encode()).decode("utf-8", "replace")
    if len(head) < len(body):
        text += f"\n[cut: the first {len(head)} of {len(body)} bytes are kept]"
    return text


def abandon_body(request: web.Request, response: web.StreamResponse) -> None:
    """Read no more of a body that failed; close the connection after the answer.

    Without the end marked, aiohttp would wait after the answer for the rest of a late body,
    or read a broken one again, fail and log a traceback.
    """
    request.content.feed_eof()
    response.force_close()


async def read_request_body(request: web.Request, *, dropped: bool) -> bytes | str:
    """The request body as the handler read it (or as it arrives now), else why it cannot be.

    Reading after the handler costs nothing (aiohttp keeps what it read) except for a
    multipart body, which the handler streamed away, and a dropped connection's unread body.
    """
    if request.content_type.startswith("multipart/"):
        return f"[{request.content_type} body: not kept]"
    if dropped and request.can_read_body:
        return "[body not read: the connection was dropped]"
    try:
        return await read_body(request)
    except web.HTTPException:  # over client_max_size: the handler refused it too
        return "[body over the emulator's size limit: not kept]"
    except ClerkAPIError as error:  # a body not in its Content-Encoding, or too large in it
        if error.status == 413:
            return "[body over the emulator's size limit once decoded: not kept]"
        return "[body could not be decoded: not kept]"
    except asyncio.TimeoutError:
        return LATE_BODY
    except (web.RequestPayloadError, ConnectionResetError):
        return "[body could not be read: not kept]"


@attrs.frozen
class Arrival:
    """When a request arrived: the wall clock for people, a monotonic one for its latency."""

    unix: float = attrs.Factory(time.time)
    clock: float = attrs.Factory(time.perf_counter)


class RequestLog:
    """The last ``size`` requests, oldest first; ``records`` is ``ClerkEmulator.requests``.

    Args:
        secret_key: the key every record is redacted of.
        size: how many records to keep.

    Raises:
        ValueError: ``size`` is negative.
    """

    def __init__(self, secret_key: str, size: int) -> None:
        if size < 0:
            raise ValueError("request_log_size must be 0 or more")
        self.records: deque[RequestRecord] = deque(maxlen=size)
        self._secret = secret_key
        self._seq = itertools.count(1)

    def redact(self, text: str) -> str:
        """``text`` without the secret key."""
        return redact(text, self._secret)

    def add(
        self,
        request: web.Request,
        response: web.StreamResponse | None,
        *,
        fault: str | None,
        arrival: Arrival,
        request_body: bytes | str,
    ) -> RequestRecord:
        """Record a request and its answer (``None``: the connection was dropped)."""
        secret = self._secret
        answer = b""
        if isinstance(response, web.Response) and isinstance(response.body, bytes):
            answer = response.body
        record = RequestRecord(
            method=request.method,
            path=redact(request.path, secret),
            status=None if response is None else response.status,
            fault=fault,
            seq=next(self._seq),
            time=arrival.unix,
            latency=time.perf_counter() - arrival.clock,
            query=redact(request.query_string, secret),
            request_headers=shown_headers(request.headers.items(), secret),
            request_body=body_text(request_body, request.content_type, secret),
            request_size=(
                len(request_body)
                if isinstance(request_body, bytes)
                else request.content_length or 0
            ),
            response_headers=()
            if response is None
            else shown_headers(response.headers.items(), secret),
            response_body=""
            if response is None
            else body_text(answer, response.content_type, secret),
            response_size=len(answer),
        )
        self.records.append(record)
        return record

    def after(self, seq: int) -> list[RequestRecord]:
        """The records newer than ``seq``, oldest first."""
        newer: list[RequestRecord] = []
        for record in reversed(self.records):
            if record.seq <= seq:
                break
            newer.append(record)
        newer.reverse()
        return newer

    def find(self, seq: int) -> RequestRecord | None:
        """The record numbered ``seq``, if the log still holds it."""
        return next((r for r in reversed(self.records) if r.seq == seq), None)

    @property
    def last_seq(self) -> int:
        """The newest record's number (0 when the log is empty)."""
        return self.records[-1].seq if self.records else 0
