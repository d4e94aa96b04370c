"""Clerk's rules and the argument checks that apply them before anything is sent.

Every check raises ``InvalidRequestError`` (never ``TypeError`` or ``OverflowError``) and passes
``UNSET`` through, so a resource can check a field whether or not it was given. The emulator keeps
its own copy of Clerk's rules on purpose (see ``clerk_orgs_async.testing``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import attrs

from ._unset import UNSET
from .errors import InvalidRequestError

T = TypeVar("T")

Metadata = dict[str, Any] | None
"""A metadata field: a JSON object; ``None`` is sent as ``null``."""

MAX_PAGE = 500
"""Clerk's largest page (``limit`` 1..500)."""
MAX_NAME_LENGTH = 256
METADATA_NOT_IN_UPDATE_FROM = "2026-05-12"
"""From this API version ``PATCH /organizations/{id}`` refuses metadata (ISO dates sort as text)."""
MAX_METADATA_DEPTH = 64
"""Nesting Clerk's 8 KB metadata could hold but no JSON encoder treats alike (orjson stops at
255 levels, the standard library at the recursion limit): refused here so both behave the same."""
MAX_EXACT_INT = 2**53
"""Beyond this an integer does not survive a JSON parser that reads numbers as doubles."""
MAX_BULK_INVITATIONS = 10
"""The most invitations one ``POST .../invitations/bulk`` takes (the spec's maxItems)."""
_SLUG = re.compile(r"[a-z0-9-]+")
# "Plainly not an email": anything beyond one @ between a local part and a dotted domain,
# without spaces, is left to Clerk, which knows the rules (and the blocklists) best.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_ROLE_KEY = re.compile(r"org:[a-z0-9_]+")
_PERMISSION_KEY = re.compile(r"org:[a-z0-9_]+:[a-z0-9_]+")
_EPOCH_MS_MAX = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def whole_number(minimum: int) -> Callable[[object, attrs.Attribute[Any], Any], None]:
    """An attrs validator for a setting (``RetryPolicy``, ``RateLimit``): an int >= minimum."""

    def check(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise _refuse(attribute.name, f"an integer >= {minimum}", value)

    return check


def boolean_setting(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """An attrs validator for a setting that is True or False."""
    switch(value, attribute.name)


def switch(value: bool, name: str) -> bool:
    """An option that is True or False: a truthy ``"false"`` must not turn it on."""
    if not isinstance(value, bool):
        raise _refuse(name, "True or False", value)
    return value


def seconds(
    *, minimum: float = 0.0, above: bool = False, optional: bool = False
) -> Callable[[object, attrs.Attribute[Any], Any], None]:
    """An attrs validator for a setting in seconds: finite, >= (or > with ``above``)
    ``minimum``; None too when ``optional``. NaN and infinity are refused: they would make
    a wait or a deadline silently endless."""
    wanted = f"a finite number {'>' if above else '>='} {minimum:g}" + " or None" * optional

    def check(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not finite(value)
            or value < minimum
            or (above and value == minimum)
        ):
            raise _refuse(attribute.name, wanted, value)

    return check


def finite(value: float) -> bool:
    """Whether a number is finite; an int too large for a float is not (it would overflow
    the first time a wait or a deadline is computed from it)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def shown(value: Any) -> str:
    """A refused value as an error message shows it: briefly, and without failing itself
    (``repr`` of an int past 4300 digits raises, of a deeply nested list recurses)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an integer of {value.bit_length()} bits"
    if isinstance(value, int | float | str):
        text = repr(value)
        return text if len(text) <= 80 else text[:77] + "..."
    return type(value).__name__


def _refuse(name: str, wanted: str, value: Any) -> InvalidRequestError:
    return InvalidRequestError(f"{name} must be {wanted}, got {shown(value)}")


def string(value: T, name: str, *, nullable: bool = True) -> T:
    """A string field (``None`` too when ``nullable``) that UTF-8 can carry."""
    if isinstance(value, str):
        _check_text(value, name)
        return value
    if value is UNSET or (nullable and value is None):
        return value
    raise _refuse(name, "a string" + (" or None" if nullable else ""), value)


def boolean(value: T, name: str) -> T:
    """A boolean field, ``None`` or ``UNSET``."""
    if value is UNSET or value is None or isinstance(value, bool):
        return value
    raise _refuse(name, "True, False or None", value)


def integer(value: T, name: str, *, minimum: int = 0, maximum: int = 2**31 - 1) -> T:
    """An integer field within ``minimum..maximum`` (bool is not an integer here)."""
    if value is UNSET or value is None:
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise _refuse(name, "an integer", value)
    if not minimum <= value <= maximum:
        raise InvalidRequestError(
            f"{name} must be between {minimum} and {maximum}, got {shown(value)}"
        )
    return value


def strings(values: str | Iterable[str] | None, name: str) -> list[str] | None:
    """An array filter: one string or many."""
    if values is None:
        return None
    if isinstance(values, str):
        return [string(values, name)]
    if isinstance(values, bytes | dict) or not isinstance(values, Iterable):
        raise _refuse(name, "a string or an iterable of strings", values)
    items = list(values)
    for item in items:
        string(item, name, nullable=False)
    return items


def aware(value: datetime, name: str) -> datetime:
    """Refuse naive datetimes: guessing a time zone would silently shift the instant."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidRequestError(f"{name} must be timezone-aware, got naive {value!r}")
    return value


def moment(value: datetime | int | None, name: str) -> datetime | int | None:
    """A time filter: an aware datetime, or Unix milliseconds, within years 1970..9999 UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        milliseconds = (aware(value, name) - _EPOCH) // timedelta(milliseconds=1)
    elif isinstance(value, bool) or not isinstance(value, int):
        raise _refuse(name, "a timezone-aware datetime or Unix milliseconds", value)
    else:
        milliseconds = value
    if not 0 <= milliseconds <= _EPOCH_MS_MAX:
        raise InvalidRequestError(f"{name} is out of range (1970 to 9999), got {shown(value)}")
    return value


def rfc3339(value: T, name: str) -> T | str:
    """Clerk's wire form of a ``created_at`` argument (``2012-10-20T07:15:20.902Z``)."""
    if value is UNSET or value is None or isinstance(value, str):
        return string(value, name)
    if not isinstance(value, datetime):
        raise _refuse(name, "a timezone-aware datetime or an RFC 3339 string", value)
    try:
        utc = aware(value, name).astimezone(timezone.utc)
    except OverflowError:  # within a day of year 1 or 9999: past the ends once moved to UTC
        raise InvalidRequestError(f"{name} is out of range in UTC, got {value!r}") from None
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def slug(value: T) -> T:
    """Clerk's slug alphabet: lowercase letters, digits and ``-``."""
    string(value, "slug")
    if isinstance(value, str) and not _SLUG.fullmatch(value):
        raise InvalidRequestError(
            f"a slug may contain only lowercase letters, digits and '-', got {value!r}"
        )
    return value


def name(value: T, field: str = "name") -> T:
    """An organization name: not blank, at most 256 characters."""
    string(value, field)
    if isinstance(value, str) and (not value.strip() or len(value) > MAX_NAME_LENGTH):
        raise InvalidRequestError(f"{field} must be 1 to {MAX_NAME_LENGTH} characters, not blank")
    return value


def page_args(limit: int | None, offset: int | None) -> None:
    """Clerk's bounds for ``limit`` (1..500) and ``offset`` (>= 0), checked before sending."""
    integer(limit, "limit", minimum=1, maximum=MAX_PAGE)
    integer(offset, "offset", maximum=2**63 - 1)


def metadata_in_update(api_version: str, given: bool) -> None:
    """From API version 2026-05-12 ``update()`` may not carry metadata."""
    if given and api_version >= METADATA_NOT_IN_UPDATE_FROM:
        raise InvalidRequestError(
            f"API version {api_version} does not accept metadata in update(); "
            "use merge_metadata() or replace_metadata()"
        )


def metadata(value: T, field: str) -> T:
    """A metadata object that JSON carries faithfully, or ``None``/``UNSET``.

    Refused, with the path to the offending value: NaN and infinities (orjson would send
    ``null``, which a merge reads as "delete this key"), sets, bytes and other objects,
    non-string keys (encoders would silently turn ``1`` into ``"1"``), integers beyond 2**53,
    lone surrogates, and nesting deeper than 64 levels.
    """
    if value is UNSET or value is None:
        return value
    if not isinstance(value, dict):
        raise _refuse(field, "a dict (a JSON object) or None", value)
    # An explicit stack rather than recursion: a deeply nested value must get this error,
    # not a RecursionError.
    stack: list[tuple[Any, str, int]] = [(value, field, 1)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, dict):
            if depth > MAX_METADATA_DEPTH:
                raise InvalidRequestError(f"{path} nests deeper than {MAX_METADATA_DEPTH} levels")
            for key, child in item.items():
                if not isinstance(key, str):
                    raise InvalidRequestError(
                        f"{path} has a {type(key).__name__} key {shown(key)}; JSON keys are strings"
                    )
                _check_text(key, f"{path} key")
                stack.append((child, f"{path}.{key}", depth + 1))
        elif isinstance(item, list | tuple):
            if depth > MAX_METADATA_DEPTH:
                raise InvalidRequestError(f"{path} nests deeper than {MAX_METADATA_DEPTH} levels")
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))
        else:
            _check_scalar(item, path)
    return value


def _check_scalar(item: Any, path: str) -> None:
    if item is None or isinstance(item, bool):
        return
    if isinstance(item, str):
        _check_text(item, path)
    elif isinstance(item, int):
        if abs(item) > MAX_EXACT_INT:
            raise InvalidRequestError(
                f"{path} is {shown(item)}, beyond 2**53: JSON parsers would round it; send a string"
            )
    elif isinstance(item, float):
        if not math.isfinite(item):
            raise InvalidRequestError(f"{path} is {item!r}, which JSON cannot carry")
    else:
        raise InvalidRequestError(
            f"{path} is a {type(item).__name__}; metadata holds only JSON values "
            "(dict, list, str, int, float, bool, None)"
        )


def _check_text(text: str, path: str) -> None:
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidRequestError(f"{path} holds a lone surrogate, not valid UTF-8") from None


def email(value: T, field: str = "email_address") -> T:
    """An email address, refused only when it is plainly not one."""
    string(value, field, nullable=False)
    if isinstance(value, str) and not _EMAIL.fullmatch(value):
        raise InvalidRequestError(f"{field} is not an email address: {value!r}")
    return value


def host_name(value: T, field: str = "name") -> T:
    """A domain name (``example.com``): dotted labels of letters, digits and ``-``."""
    string(value, field, nullable=False)
    if not isinstance(value, str):
        return value
    try:
        ascii_name = value.encode("idna").decode("ascii").lower()
    except UnicodeError:
        ascii_name = ""
    labels = ascii_name.split(".")
    if (
        len(ascii_name) > 253
        or len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise InvalidRequestError(f"{field} is not a domain name such as example.com: {value!r}")
    return value


def role_key(value: T, field: str = "role") -> T:
    """A role a membership or invitation refers to: Clerk's keys start with ``org:``."""
    string(value, field, nullable=False)
    if isinstance(value, str) and (not value.startswith("org:") or len(value) == 4):
        raise InvalidRequestError(f"{field} must be a role key starting with 'org:', got {value!r}")
    return value


def new_role_key(value: T, field: str = "key") -> T:
    """A key for a new role: ``org:`` then lowercase letters, digits and ``_``."""
    role_key(value, field)
    if isinstance(value, str) and not _ROLE_KEY.fullmatch(value):
        raise InvalidRequestError(
            f"{field} must be 'org:' then lowercase letters, digits and '_', got {value!r}"
        )
    return value


def permission_key(value: T, field: str = "key") -> T:
    """A key for a permission: ``org:<feature>:<action>``, not in the reserved ``org:sys_``."""
    string(value, field)
    if isinstance(value, str) and (
        not _PERMISSION_KEY.fullmatch(value) or value.startswith("org:sys_")
    ):
        raise InvalidRequestError(
            f"{field} must look like 'org:invoices:read' (lowercase letters, digits, '_'; "
            f"'org:sys_' is reserved), got {value!r}"
        )
    return value


def expires_in_days(value: T) -> T:
    """How long an invitation stays valid: 1 to 365 days."""
    return integer(value, "expires_in_days", minimum=1, maximum=365)
