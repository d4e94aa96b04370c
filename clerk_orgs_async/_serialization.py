"""The one cattrs converter that turns Clerk's JSON into models."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import cattrs

T = TypeVar("T")

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def ms_to_datetime(value: int) -> datetime:
    """Clerk's millisecond timestamps, exactly (no float rounding)."""
    return _EPOCH + timedelta(milliseconds=value)


def datetime_to_ms(value: datetime) -> int:
    """The inverse of ms_to_datetime, for query filters."""
    return (value - _EPOCH) // timedelta(milliseconds=1)


def _structure_metadata(value: Any, _: Any) -> dict[str, Any]:
    # A null or odd value where an object belongs must not break decoding.
    return value if isinstance(value, dict) else {}


def make_converter(*, strict: bool = False) -> cattrs.Converter:
    """Build a converter; ``strict`` forbids unknown keys and is meant for tests only."""
    converter = cattrs.Converter(detailed_validation=strict, forbid_extra_keys=strict)
    converter.register_structure_hook(datetime, lambda v, _: ms_to_datetime(v))
    converter.register_structure_hook_func(lambda t: t == dict[str, Any], _structure_metadata)
    return converter


_CONVERTER = make_converter()


def structurer(cls: type[T]) -> Callable[[Any], T]:
    """A structure function for ``cls``, looked up once instead of on every call."""
    hook = _CONVERTER.get_structure_hook(cls)
    return lambda value: hook(value, cls)
