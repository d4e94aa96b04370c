"""Clerk's rules as pure functions: names, slugs, roles, timestamps, metadata merging.

The client checks some of the same rules before sending (``clerk_orgs_async._rules``). This
is an independent copy on purpose: the emulator models Clerk, and a mistake made once in a
shared rule would hide in both the client and the server that tests it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Container, Mapping
from typing import Any

from clerk_orgs_async.testing._errors import ClerkAPIError, param_invalid

MAX_NAME_LENGTH = 256
MAX_LOGO_BYTES = 10 * 1024 * 1024
LOGO_CONTENT_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/x-icon",
        "image/vnd.microsoft.icon",
    }
)
_SLUG = re.compile(r"[a-z0-9-]+")
_NON_SLUG_RUN = re.compile(r"[^a-z0-9]+")
_URL = re.compile(r"(?i)\b(?:[a-z][a-z0-9+.-]*://|www\.)\S")
_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})"
)


def next_update(now_ms: int, previous_ms: int) -> int:
    """The ``updated_at`` of a write: now, and always past the previous one."""
    # By a millisecond at least: a webhook receiver orders two events about one record by
    # updated_at, and the emulator, unlike Clerk, can write twice in one millisecond.
    return max(now_ms, previous_ms + 1)


def check_name(name: str) -> str:
    """Return ``name`` if Clerk accepts it: not blank, at most 256 characters, no URL or HTML."""
    if not name.strip():
        raise param_invalid("name", "must not be blank")
    if len(name) > MAX_NAME_LENGTH:
        raise param_invalid("name", f"must be at most {MAX_NAME_LENGTH} characters")
    if _URL.search(name) or _HTML.search(name):
        raise param_invalid("name", "must not contain URLs or HTML")
    return name


def check_slug(slug: str) -> str:
    """Return ``slug`` if it holds only lowercase letters, digits and dashes."""
    if not _SLUG.fullmatch(slug):
        raise param_invalid("slug", "can contain only lowercase alphanumeric characters and '-'")
    return slug


def slugify(name: str) -> str:
    """Derive a slug from a name: lowercase, runs of other characters become one dash."""
    return _NON_SLUG_RUN.sub("-", name.lower()).strip("-") or "organization"


def unique_slug(base: str, taken: Container[str]) -> str:
    """Return ``base``, or ``base-2``, ``base-3``… whichever is free first."""
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def parse_rfc3339_ms(value: str, *, param: str = "created_at") -> int:
    """Parse an RFC 3339 date-time (``2012-10-20T07:15:20.902Z``) into Unix milliseconds."""
    match = _RFC3339.fullmatch(value)
    if match is None:
        raise param_invalid(param, "must be an RFC 3339 date-time such as 2012-10-20T07:15:20.902Z")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        tz = (
            dt.timezone.utc
            if offset in ("Z", "z")
            else dt.timezone(
                (-1 if offset[0] == "-" else 1)
                * dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
            )
        )
        moment = dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=tz
        )
    except ValueError as exc:
        raise param_invalid(param, str(exc)) from exc
    millis = int((fraction or "0")[:3].ljust(3, "0"))
    return int(moment.timestamp()) * 1000 + millis


def check_role(role: str, roles: Container[str]) -> str:
    """Return ``role`` if the instance defines it."""
    if role not in roles:
        raise param_invalid("role", f"{role!r} is not a role of this instance")
    return role


def check_logo(data: bytes, content_type: str) -> None:
    """Refuse logos Clerk refuses: over 10 MB (413) or not one of the image types (400)."""
    if len(data) > MAX_LOGO_BYTES:
        raise ClerkAPIError(
            413,
            "request_entity_too_large",
            "File too large",
            f"The file must be at most {MAX_LOGO_BYTES} bytes.",
            meta={"param_name": "file"},
        )
    if content_type not in LOGO_CONTENT_TYPES:
        raise ClerkAPIError(
            400,
            "unsupported_content_type",
            "Unsupported content type",
            f"{content_type or 'This file'} is not supported; use one of "
            + ", ".join(sorted(LOGO_CONTENT_TYPES))
            + ".",
            meta={"param_name": "file"},
        )


def deep_merge(current: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``patch`` into a copy of ``current``: objects merge recursively, ``None`` deletes."""
    merged = dict(current)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict):
            below = merged.get(key)
            merged[key] = deep_merge(below if isinstance(below, dict) else {}, value)
        else:
            merged[key] = value
    return merged
