"""The one place that talks aiohttp: send a request, return status, headers and body."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import aiohttp
import attrs
from multidict import CIMultiDictProxy
from yarl import URL

from .errors import APIConnectionError, APITimeoutError


@attrs.frozen
class Timeout:
    """Timeouts in seconds: ``total`` for a whole attempt, ``connect`` to get a connection
    (including the wait for a free one in the pool) and ``read`` between two reads."""

    total: float | None = 30.0
    connect: float | None = 10.0
    read: float | None = None

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
) -> Response:
    """Send one request and read the whole response.

    Raises APIConnectionError (``request_sent`` False when connecting failed) or
    APITimeoutError; never an aiohttp exception.
    """
    data: Any = None
    if isinstance(body, bytes):
        headers = {**headers, **_JSON_HEADERS}
        data = body
    elif body is not None:
        data = body()
    try:
        async with session.request(
            method,
            url,
            headers=headers,
            params=params,
            data=data,
            timeout=timeout,
            allow_redirects=False,
        ) as response:
            return Response(response.status, response.headers, await response.read())
    except aiohttp.ConnectionTimeoutError as exc:
        raise APITimeoutError(f"timed out connecting to {url.host}", request_sent=False) from exc
    except (asyncio.TimeoutError, aiohttp.ServerTimeoutError) as exc:
        raise APITimeoutError(f"timed out waiting for {method} {url.raw_path}") from exc
    except aiohttp.ClientConnectorError as exc:
        raise APIConnectionError(
            f"could not connect to {url.host}: {exc.os_error}", request_sent=False
        ) from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise APIConnectionError(
            f"connection failed during {method} {url.raw_path}: {type(exc).__name__}: {exc}"
        ) from exc
