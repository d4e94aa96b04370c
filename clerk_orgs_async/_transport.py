"""The one place that talks aiohttp: send a request, return status, headers and body."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import aiohttp
import attrs
from multidict import CIMultiDictProxy
from yarl import URL

from . import _rules as rules
from .errors import APIConnectionError, APITimeoutError, ClerkError

MAX_ERROR_BODY = 64 * 1024
"""How much of an error response is read for its message; the rest is left unread."""


_SECONDS = rules.seconds(above=True, optional=True)


@attrs.frozen
class Timeout:
    """Timeouts in seconds: ``total`` for a whole attempt, ``connect`` to get a connection
    (including the wait for a free one in the pool) and ``read`` between two reads."""

    total: float | None = attrs.field(default=30.0, validator=_SECONDS)
    connect: float | None = attrs.field(default=10.0, validator=_SECONDS)
    read: float | None = attrs.field(default=None, validator=_SECONDS)

    _uncapped: aiohttp.ClientTimeout = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        # Built once: most calls are far from their deadline and reuse it unchanged.
        timeout = aiohttp.ClientTimeout(total=self.total, connect=self.connect, sock_read=self.read)
        object.__setattr__(self, "_uncapped", timeout)

    def to_aiohttp(self, cap: float | None = None) -> aiohttp.ClientTimeout:
        """The aiohttp form, with ``total`` capped to ``cap`` (the time left to a deadline)."""
        if cap is None or (self.total is not None and self.total <= cap):
            return self._uncapped
        return aiohttp.ClientTimeout(total=cap, connect=self.connect, sock_read=self.read)


@attrs.frozen
class Response:
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes
    too_large: bool = False
    """A success body over the cap: ``body`` is empty, it was not read."""


# A body is bytes (JSON, reusable across attempts) or a factory: aiohttp consumes FormData.
Body = bytes | Callable[[], aiohttp.FormData] | None

_JSON_HEADERS = {"Content-Type": "application/json"}


async def send(
    session: aiohttp.ClientSession,
    method: str,
    url: URL,
    *,
    headers: Mapping[str, str],
    params: Sequence[tuple[str, str]] | None,
    body: Body,
    timeout: aiohttp.ClientTimeout,
    max_bytes: int,
) -> Response:
    """Send one request and read its response, at most ``max_bytes`` of a success body.

    Raises APIConnectionError (``request_sent`` False when connecting failed) or
    APITimeoutError; never an aiohttp exception. Our exception is raised outside the
    ``except`` block and keeps only a description of aiohttp's: aiohttp's exceptions hold the
    request headers, the secret key among them, and error trackers record cause chains.
    """
    data: Any = None
    if isinstance(body, bytes):
        headers = {**headers, **_JSON_HEADERS}
        data = body
    elif body is not None:
        data = body()
    error: ClerkError
    try:
        async with session.request(
            method,
            url,
            headers=headers,
            params=params,
            data=data,
            timeout=timeout,
            allow_redirects=False,
            # A borrowed session may raise for statuses itself; this client maps them.
            raise_for_status=False,
        ) as response:
            return await _read(response, max_bytes)
    except aiohttp.ConnectionTimeoutError:
        error = APITimeoutError(f"timed out connecting to {url.host}", request_sent=False)
    except (asyncio.TimeoutError, aiohttp.ServerTimeoutError):
        error = APITimeoutError(f"timed out waiting for {method} {url.raw_path}")
    except aiohttp.ClientConnectorError as exc:
        error = APIConnectionError(
            f"could not connect to {url.host}: {exc.os_error}", request_sent=False
        )
    except aiohttp.ClientResponseError as exc:
        # A malformed status line or headers: the request was sent, the answer is unreadable.
        error = APIConnectionError(
            f"malformed response to {method} {url.raw_path}: {type(exc).__name__}: "
            f"{exc.message or exc.status}"
        )
    except (aiohttp.ClientError, OSError) as exc:
        error = APIConnectionError(
            f"connection failed during {method} {url.raw_path}: {type(exc).__name__}: {exc}"
        )
    raise error


async def _read(response: aiohttp.ClientResponse, max_bytes: int) -> Response:
    """The body, read only as far as the cap allows: never a huge body whole into memory."""
    if response.status >= 400:
        # Only the message matters; a huge error page is cut, and the connection closed.
        head = bytearray()
        async for chunk in response.content.iter_chunked(MAX_ERROR_BODY):
            head += chunk
            if len(head) >= MAX_ERROR_BODY:
                response.close()
                break
        return Response(response.status, response.headers, bytes(head[:MAX_ERROR_BODY]))
    length = response.content_length
    compressed = aiohttp.hdrs.CONTENT_ENCODING in response.headers
    if length is not None and not compressed:
        if length > max_bytes:
            response.close()
            return Response(response.status, response.headers, b"", too_large=True)
        return Response(response.status, response.headers, await response.read())
    # Chunked or compressed: the size is known only while reading.
    body = bytearray()
    async for chunk in response.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > max_bytes:
            response.close()
            return Response(response.status, response.headers, b"", too_large=True)
    return Response(response.status, response.headers, bytes(body))
