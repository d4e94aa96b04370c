"""Pure request and response logic: no I/O, no event loop, so it is tested directly."""

from __future__ import annotations

import email.utils
import platform
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import aiohttp

from . import _json
from ._serialization import datetime_to_ms
from ._unset import UNSET
from ._version import __version__
from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ErrorDetail,
    InvalidRequestError,
    NotFoundError,
    PayloadTooLargeError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
)

USER_AGENT = (
    f"clerk-orgs-async/{__version__} aiohttp/{aiohttp.__version__} "
    f"python/{platform.python_version()}"
)

_STATUS_ERRORS: Mapping[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def build_headers(secret_key: str, api_version: str) -> dict[str, str]:
    """The headers every request carries; built once per client."""
    return {
        "Authorization": f"Bearer {secret_key}",
        "Clerk-API-Version": api_version,
        "User-Agent": USER_AGENT,
        "Accept": "application/json",
    }


def path_segment(value: str, name: str) -> str:
    """Percent-encode an ID as exactly one path segment.

    ``/``, ``?``, ``#`` and ``%`` are encoded, so an ID can never reach another endpoint;
    ``.`` and ``..`` would be resolved away by URL normalisation, so they are refused.
    """
    if not isinstance(value, str):
        raise InvalidRequestError(f"{name} must be a string, got {type(value).__name__}")
    if value in ("", ".", ".."):
        raise InvalidRequestError(f"{name} must be a non-empty ID, got {value!r}")
    return quote(value, safe="")


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return str(datetime_to_ms(aware(value, "a datetime filter")))
    return str(value)


def build_query(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Query pairs: ``None`` left out, lists repeat their key (``?user_id=a&user_id=b``)."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            pairs.extend((key, _query_value(item)) for item in value)
        elif isinstance(value, str):
            pairs.append((key, value))
        else:
            pairs.append((key, _query_value(value)))
    return pairs


def aware(value: datetime, name: str) -> datetime:
    """Refuse naive datetimes: guessing a time zone would silently shift the instant."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidRequestError(f"{name} must be timezone-aware, got naive {value!r}")
    return value


def rfc3339(value: datetime | str, name: str) -> str:
    """Clerk's wire form for ``created_at`` arguments (``2012-10-20T07:15:20.902Z``)."""
    if isinstance(value, str):
        return value
    utc = aware(value, name).astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def json_body(fields: Mapping[str, Any]) -> bytes:
    """Encode a request body, leaving out ``UNSET`` fields and keeping ``None`` as ``null``."""
    return _json.dumps({key: value for key, value in fields.items() if value is not UNSET})


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def _error_details(payload: Any) -> tuple[list[ErrorDetail], str | None]:
    if not isinstance(payload, dict):
        return [], None
    details = []
    for item in payload.get("errors") or []:
        if isinstance(item, dict):
            meta = item.get("meta")
            details.append(
                ErrorDetail(
                    code=str(item.get("code") or ""),
                    message=str(item.get("message") or ""),
                    long_message=item.get("long_message"),
                    meta=meta if isinstance(meta, dict) else {},
                )
            )
    trace = payload.get("clerk_trace_id")
    return details, trace if isinstance(trace, str) else None


def error_from_response(
    status: int, headers: Mapping[str, str], body: bytes, now: datetime | None = None
) -> APIError:
    """Map an error response, whatever its body (Clerk JSON, HTML, empty), to its exception."""
    text = body.decode("utf-8", "replace")
    try:
        payload = _json.loads(body) if body else None
    except ValueError:
        payload = None
    errors, trace = _error_details(payload)
    trace = trace or headers.get("X-Clerk-Trace-Id")
    plain_headers = dict(headers)
    if status == 429:
        retry_after = parse_retry_after(headers.get("Retry-After"), now)
        retry_at = None
        if retry_after is not None:
            retry_at = (now or datetime.now(timezone.utc)) + timedelta(seconds=retry_after)
        return RateLimitError(
            status, errors, trace, plain_headers, text, retry_after=retry_after, retry_at=retry_at
        )
    cls = _STATUS_ERRORS.get(status) or (ServerError if status >= 500 else APIError)
    return cls(status, errors, trace, plain_headers, text)


def check_page_args(limit: int | None, offset: int | None) -> None:
    """Clerk's bounds for ``limit`` (1..500) and ``offset`` (>= 0), checked before sending."""
    if limit is not None and (isinstance(limit, bool) or not 1 <= limit <= 500):
        raise InvalidRequestError(f"limit must be between 1 and 500, got {limit!r}")
    if offset is not None and (isinstance(offset, bool) or offset < 0):
        raise InvalidRequestError(f"offset must be 0 or more, got {offset!r}")


def strs(values: str | Iterable[str] | None) -> list[str] | None:
    """Let array filters take one string as well as many."""
    if values is None:
        return None
    return [values] if isinstance(values, str) else list(values)
