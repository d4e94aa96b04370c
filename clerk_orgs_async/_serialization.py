"""The one cattrs converter that turns Clerk's JSON into models."""

from __future__ import annotations

import types
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar, Union, get_args, get_origin

import cattrs

T = TypeVar("T")

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def ms_to_datetime(value: int) -> datetime:
    """Clerk's millisecond timestamps, exactly (no float rounding)."""
    return _EPOCH + timedelta(0, 0, 0, value)


def datetime_to_ms(value: datetime) -> int:
    """The inverse of ms_to_datetime, for query filters."""
    return (value - _EPOCH) // timedelta(milliseconds=1)


def _structure_metadata(value: Any, _: Any) -> dict[str, Any]:
    # A null or odd value where an object belongs must not break decoding.
    return value if isinstance(value, dict) else {}


def _is_optional(cls: Any) -> bool:
    args = get_args(cls)
    return get_origin(cls) in (Union, types.UnionType) and len(args) == 2 and type(None) in args


def _as_is(value: Any, _: Any) -> Any:
    return value


def _structure_ms(value: int, _: Any) -> datetime:
    return _EPOCH + timedelta(0, 0, 0, value)


def _optional_hook(converter: cattrs.Converter) -> Callable[[Any], Callable[[Any, Any], Any]]:
    # cattrs' own Optional hook dispatches on the inner type for every value; resolving it
    # once per type (and taking JSON scalars as they come) keeps decoding a page of 500
    # organizations off the top of the profile.
    def factory(cls: Any) -> Callable[[Any, Any], Any]:
        inner = next(arg for arg in get_args(cls) if arg is not type(None))
        if inner in (str, int, bool):
            return _as_is
        hook = converter.get_structure_hook(inner)

        def structure(value: Any, _: Any) -> Any:
            return None if value is None else hook(value, inner)

        return structure

    return factory


def make_converter(*, strict: bool = False) -> cattrs.Converter:
    """Build a converter; ``strict`` forbids unknown keys and is meant for tests only."""
    converter = cattrs.Converter(detailed_validation=strict, forbid_extra_keys=strict)
    converter.register_structure_hook(datetime, _structure_ms)
    converter.register_structure_hook_func(lambda t: t == dict[str, Any], _structure_metadata)
    converter.register_structure_hook_factory(_is_optional, _optional_hook(converter))
    return converter


_CONVERTER = make_converter()


def structurer(cls: type[T]) -> Callable[[Any], T]:
    """A structure function for ``cls``, looked up once instead of on every call."""
    hook = _CONVERTER.get_structure_hook(cls)
    return lambda value: hook(value, cls)
