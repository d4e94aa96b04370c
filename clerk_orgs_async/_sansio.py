"""Pure request and response logic: no I/O, no event loop, so it is tested directly."""

from __future__ import annotations

import email.utils
import platform
import re
from collections.abc import Callable, Mapping
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

_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]+")
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


class Redactor:
    """Replaces the secret key in text the library did not write (bodies, headers, errors).

    Some proxies echo the request's headers in their error pages; whatever the library shows
    of such text must not carry the key.
    """

    def __init__(self, secret: str) -> None:
        self._secret = secret
        self._mask = mask(secret)

    def __call__(self, text: str) -> str:
        return text.replace(self._secret, self._mask) if self._secret in text else text

    def __repr__(self) -> str:
        return f"Redactor({self._mask!r})"


def mask(secret: str) -> str:
    """What a key shows of itself: its kind (``sk_test_``/``sk_live_``) and no more."""
    for kind in ("sk_test_", "sk_live_"):
        if secret.startswith(kind):
            return kind + "…"
    return "…"


def check_secret_key(key: str) -> str:
    """The key without surrounding whitespace (read from a file or an env file, it often has
    a trailing newline); a key that still holds whitespace or control characters is refused,
    since it could never authenticate and would corrupt the Authorization header."""
    stripped = key.strip()
    if not stripped:
        raise InvalidRequestError("the Clerk secret key is empty")
    if not (stripped.isascii() and stripped.isprintable()) or " " in stripped:
        raise InvalidRequestError(
            "the Clerk secret key contains whitespace, control or non-ASCII characters; "
            "copy it again from the Clerk Dashboard (API keys)"
        )
    return stripped


def path_segment(value: str, name: str) -> str:
    """Percent-encode an ID as exactly one path segment.

    ``/``, ``?``, ``#`` and ``%`` are encoded, so an ID can never reach another endpoint;
    ``.`` and ``..`` would be resolved away by URL normalisation, so they are refused.
    """
    if not isinstance(value, str):
        raise InvalidRequestError(f"{name} must be a string, got {type(value).__name__}")
    if value in ("", ".", ".."):
        raise InvalidRequestError(f"{name} must be a non-empty ID, got {value!r}")
    if _UNRESERVED.fullmatch(value):
        return value  # Clerk's IDs and slugs: nothing to encode (and on every request)
    try:
        return quote(value, safe="")
    except UnicodeEncodeError:
        raise InvalidRequestError(f"{name} holds a lone surrogate, not valid UTF-8") from None


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return str(datetime_to_ms(value))
    return str(value)


def build_query(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Query pairs: ``None`` left out, lists repeat their key (``?user_id=a&user_id=b``)."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            pairs.extend((key, _query_value(item)) for item in value)
        elif isinstance(value, str):
            pairs.append((key, value))
        else:
            pairs.append((key, _query_value(value)))
    return pairs


def json_body(fields: Mapping[str, Any]) -> bytes:
    """Encode a request body, leaving out ``UNSET`` fields and keeping ``None`` as ``null``."""
    return _json.dumps({key: value for key, value in fields.items() if value is not UNSET})


MAX_RETRY_AFTER = 86_400.0
"""A day: longer ``Retry-After`` values are taken as a day (and keep the time arithmetic finite)."""


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    Garbage and NaN give ``None`` (no advice); a negative value or a past date gives 0;
    ``inf`` and absurdly large values are capped at a day.
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


def _error_details(
    payload: Any, redact: Callable[[str], str]
) -> tuple[list[ErrorDetail], str | None]:
    if not isinstance(payload, dict):
        return [], None
    details = []
    errors = payload.get("errors")
    for item in errors if isinstance(errors, list) else []:
        if isinstance(item, dict):
            meta = item.get("meta")
            long_message = item.get("long_message")
            details.append(
                ErrorDetail(
                    code=redact(str(item.get("code") or "")),
                    message=redact(str(item.get("message") or "")),
                    long_message=None if long_message is None else redact(str(long_message)),
                    meta=meta if isinstance(meta, dict) else {},
                )
            )
    trace = payload.get("clerk_trace_id")
    return details, trace if isinstance(trace, str) else None


def _no_redaction(text: str) -> str:
    return text


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime | None = None,
    *,
    redact: Callable[[str], str] = _no_redaction,
    method: str | None = None,
    path: str | None = None,
) -> APIError:
    """Map an error response, whatever its body (Clerk JSON, HTML, empty), to its exception.

    Text from the response (body, headers, messages) passes through ``redact`` first.
    """
    text = redact(body.decode("utf-8", "replace"))
    try:
        payload = _json.loads(body) if body else None
    except ValueError:
        payload = None
    errors, trace = _error_details(payload, redact)
    trace = trace or headers.get("X-Clerk-Trace-Id")
    plain_headers = {key: redact(value) for key, value in headers.items()}
    request = {"method": method, "path": path}
    if status == 429:
        retry_after = parse_retry_after(headers.get("Retry-After"), now)
        retry_at = None
        if retry_after is not None:
            retry_at = (now or datetime.now(timezone.utc)) + timedelta(seconds=retry_after)
        return RateLimitError(
            status,
            errors,
            trace,
            plain_headers,
            text,
            retry_after=retry_after,
            retry_at=retry_at,
            **request,
        )
    cls = _STATUS_ERRORS.get(status) or (ServerError if status >= 500 else APIError)
    return cls(status, errors, trace, plain_headers, text, **request)
