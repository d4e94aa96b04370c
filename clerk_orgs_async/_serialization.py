"""The one cattrs converter that turns Clerk's JSON into models."""

from __future__ import annotations

import types
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar, Union, get_args, get_origin

import attrs
import cattrs

T = TypeVar("T")

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_UTC = timezone.utc
# Below this (2100-01-01) a float division is exact to the millisecond: v / 1000 is off by at
# most t * 2**-53 < 0.5 µs, and fromtimestamp rounds to the nearest microsecond.
_FLOAT_EXACT_BELOW_MS = 4_102_444_800_000


def ms_to_datetime(value: int) -> datetime:
    """Clerk's millisecond timestamps, exactly."""
    if 0 <= value < _FLOAT_EXACT_BELOW_MS:
        return datetime.fromtimestamp(value / 1000, _UTC)  # twice as fast as the timedelta
    return _EPOCH + timedelta(0, 0, 0, value)


def datetime_to_ms(value: datetime) -> int:
    """The inverse of ms_to_datetime, for query filters."""
    return (value - _EPOCH) // timedelta(milliseconds=1)


def _metadata(value: Any) -> dict[str, Any]:
    # A null or odd value where an object belongs must not break decoding.
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    return value if isinstance(value, list) else []


def _is_optional(cls: Any) -> bool:
    args = get_args(cls)
    return get_origin(cls) in (Union, types.UnionType) and len(args) == 2 and type(None) in args


def _without_none(cls: Any) -> Any:
    return next(arg for arg in get_args(cls) if arg is not type(None))


_SCALARS = (str, int, bool, float)


def _lean_structure(converter: cattrs.Converter) -> Callable[[type[Any]], Callable[..., Any]]:
    """Structure hooks for the models, generated the way cattrs generates its own.

    cattrs' generic hooks call a function per field and collect optional fields in a dict;
    for a page of 500 organizations that doubled the client's CPU per item. These hooks read
    JSON scalars as they come and pass every default explicitly. The strict cattrs converter
    used in the tests checks the models against Clerk's payloads, and a property test checks
    that both converters agree.
    """

    def factory(cls: type[Any]) -> Callable[..., Any]:
        attrs.resolve_types(cls)
        namespace: dict[str, Any] = {
            "cls": cls,
            "ms": ms_to_datetime,
            "metadata": _metadata,
            "strings": _strings,
        }
        arguments = []
        for field in attrs.fields(cls):
            name, kind = field.name, field.type
            optional = _is_optional(kind)
            inner = _without_none(kind) if optional else kind
            required = field.default is attrs.NOTHING
            if inner == dict[str, Any]:
                value = f"metadata(g({name!r}))"
            elif inner == list[str]:
                value = f"strings(g({name!r}))"
            else:
                namespace[f"d_{name}"] = None if required else field.default
                raw = f"o[{name!r}]" if required else f"g({name!r}, d_{name})"
                if inner in _SCALARS:
                    value = raw
                else:
                    convert = "ms" if inner is datetime else f"h_{name}"
                    if inner is not datetime:
                        hook = converter.get_structure_hook(inner)
                        namespace[f"h_{name}"] = lambda v, hook=hook, inner=inner: hook(v, inner)
                    value = (
                        f"(None if (v := {raw}) is None else {convert}(v))"
                        if optional
                        else f"{convert}({raw})"
                    )
            arguments.append(f"        {name}={value},")
        source = "\n".join(
            ["def structure(o, _=None):", "    g = o.get", "    return cls(", *arguments, "    )"]
        )
        exec(compile(source, f"<clerk_orgs_async structure {cls.__name__}>", "exec"), namespace)  # noqa: S102
        structure: Callable[..., Any] = namespace["structure"]
        return structure

    return factory


def _is_model(cls: Any) -> bool:
    return isinstance(cls, type) and attrs.has(cls) and cls.__module__ == "clerk_orgs_async.models"


def make_converter(*, strict: bool = False) -> cattrs.Converter:
    """Build a converter; ``strict`` forbids unknown keys and is meant for tests only."""
    converter = cattrs.Converter(detailed_validation=strict, forbid_extra_keys=strict)
    converter.register_structure_hook(datetime, lambda v, _: ms_to_datetime(v))
    converter.register_structure_hook_func(lambda t: t == dict[str, Any], lambda v, _: _metadata(v))
    if not strict:
        converter.register_structure_hook_factory(_is_model, _lean_structure(converter))
    return converter


_CONVERTER = make_converter()


def structurer(cls: type[T]) -> Callable[[Any], T]:
    """A structure function for ``cls``, looked up once instead of on every call."""
    hook = _CONVERTER.get_structure_hook(cls)
    return lambda value: hook(value, cls)
