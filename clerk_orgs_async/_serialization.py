"""The one cattrs converter that turns Clerk's JSON into models, built on first use."""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, TypeVar, Union, get_args, get_origin

import attrs

if TYPE_CHECKING:
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


def _is_optional(cls: Any) -> bool:
    args = get_args(cls)
    return get_origin(cls) in (Union, types.UnionType) and len(args) == 2 and type(None) in args


def _without_none(cls: Any) -> Any:
    return next(arg for arg in get_args(cls) if arg is not type(None))


_SCALARS = (str, int, bool, float)
# The classes a JSON value of each field type may have (``float`` fields take integers too).
_CLASSES = {str: "str", int: "int", bool: "bool", float: "(int, float)", datetime: "int"}


def wrong_type(field: str, value: Any) -> None:
    """Raise the TypeError the client turns into ``UnexpectedResponseError``."""
    raise TypeError(f"{field!r} has the wrong type: {type(value).__name__} {value!r:.40}")


def _twin(cls: type[Any]) -> type[Any] | None:
    """A mutable class whose instances can become ``cls`` instances, or None if Python refuses."""
    slots = tuple(getattr(cls, "__slots__", ()))
    if not slots or "__weakref__" in slots or "__dict__" in slots:
        return None
    twin = type(f"_Mutable{cls.__name__}", (object,), {"__slots__": slots})
    probe: Any = object.__new__(twin)
    marks = [object() for _ in slots]
    try:
        for slot, mark in zip(slots, marks, strict=True):
            setattr(probe, slot, mark)
        probe.__class__ = cls
    except TypeError:
        return None
    same = all(getattr(probe, s) is m for s, m in zip(slots, marks, strict=True))
    return twin if same else None


def _field_lines(
    field: attrs.Attribute[Any], namespace: dict[str, Any], convert: Any, *, assign: bool
) -> list[str]:
    """The statements that read one field from the JSON object ``o`` into ``self``
    (``assign``: by ``self.field = v``, else through the slot's descriptor)."""
    name, kind = field.name, field.type
    optional = _is_optional(kind)
    inner = _without_none(kind) if optional else kind
    store = f"    self.{name} = (" if assign else f"    s_{name}(self, "
    if inner == dict[str, Any]:
        return [f"    v = g({name!r})", f"{store}v if v.__class__ is dict else {{}})"]
    if inner == list[str]:
        return [f"    v = g({name!r})", f"{store}v if v.__class__ is list else [])"]
    default: Any = field.default
    factory = isinstance(default, attrs.Factory)  # type: ignore[arg-type]
    if default is attrs.NOTHING:
        read = f"    v = o[{name!r}]"
    elif factory:
        # An absent or null list of models is an empty one, built fresh for each object.
        namespace[f"f_{name}"] = default.factory
        read = f"    v = g({name!r})"
    else:
        namespace[f"d_{name}"] = default
        read = f"    v = g({name!r}, d_{name})"
    check: list[str] = []
    if inner in _CLASSES:
        # A check per scalar: a wrong type in a response must fail here, typed, not later in
        # the caller's code. Comparing classes keeps bool out of int and costs a few ns.
        classes = _CLASSES[inner]
        test = (
            f"v.__class__ is not {classes}"
            if "(" not in classes
            else f"v.__class__ not in {classes}"
        )
        guard = f"v is not None and {test}" if optional else test
        check = [f"    if {guard}: wrong({name!r}, v)"]
    if inner in _SCALARS:
        return [read, *check, f"{store}v)"]
    if inner is datetime:
        value = "fts(v / 1000, UTC) if 0 <= v < EXACT else ms(v)"
    else:
        namespace[f"h_{name}"] = convert(inner)
        value = f"h_{name}(v)"
    if factory:
        return [read, f"{store}f_{name}() if v is None else {value})"]
    store_value = f"{store}None if v is None else {value})" if optional else f"{store}{value})"
    return [read, *check, store_value]


def _lean_structure(converter: cattrs.Converter) -> Callable[[type[Any]], Callable[..., Any]]:
    """Structure hooks for the models, generated the way cattrs and attrs generate theirs.

    They read JSON scalars as they come, check each one's class, and fill the slots of a
    mutable twin that then becomes the model by ``__class__`` assignment (checked by
    ``_twin``). Why, and what keeps it correct: docs/design/decoding.md.
    """

    def convert(inner: Any) -> Callable[[Any], Any]:
        hook = converter.get_structure_hook(inner)
        return lambda value: hook(value, inner)

    def factory(cls: type[Any]) -> Callable[..., Any]:
        attrs.resolve_types(cls)
        fields = attrs.fields(cls)
        if hasattr(cls, "__attrs_post_init__") or any(f.validator or f.converter for f in fields):
            raise TypeError(f"{cls.__name__} needs its __init__: the lean hook cannot build it")
        namespace: dict[str, Any] = {
            "cls": cls,
            "new": object.__new__,
            "fts": datetime.fromtimestamp,
            "UTC": _UTC,
            "EXACT": _FLOAT_EXACT_BELOW_MS,
            "ms": ms_to_datetime,
            "wrong": wrong_type,
        }
        twin = _twin(cls)
        namespace["twin"] = twin
        lines = [
            "def structure(o, _=None):",
            "    g = o.get",
            f"    self = new({'twin' if twin else 'cls'})",
        ]
        for field in fields:
            if twin is None:
                namespace[f"s_{field.name}"] = getattr(cls, field.name).__set__
            lines += _field_lines(field, namespace, convert, assign=twin is not None)
        if twin is not None:
            lines.append("    self.__class__ = cls")
        lines.append("    return self")
        code = compile("\n".join(lines), f"<clerk_orgs_async structure {cls.__name__}>", "exec")
        exec(code, namespace)  # noqa: S102 - generated from the model's own fields
        structure: Callable[..., Any] = namespace["structure"]
        return structure

    return factory


def _is_model(cls: Any) -> bool:
    return isinstance(cls, type) and attrs.has(cls) and cls.__module__ == "clerk_orgs_async.models"


def make_converter(*, strict: bool = False) -> cattrs.Converter:
    """Build a converter; ``strict`` forbids unknown keys and is meant for tests only."""
    import cattrs

    converter = cattrs.Converter(detailed_validation=strict, forbid_extra_keys=strict)
    converter.register_structure_hook(datetime, lambda v, _: ms_to_datetime(v))
    converter.register_structure_hook_func(lambda t: t == dict[str, Any], lambda v, _: _metadata(v))
    if not strict:
        converter.register_structure_hook_factory(_is_model, _lean_structure(converter))
    return converter


# Built on the first response rather than at import: cattrs and the generated hooks would
# add a tenth to the time `import clerk_orgs_async` takes.
_converter = functools.cache(make_converter)


def structurer(cls: type[T]) -> Callable[[Any], T]:
    """A structure function for ``cls``; its hook is looked up once, on first use."""
    hook: Callable[[Any, Any], T] | None = None

    def structure(value: Any) -> T:
        nonlocal hook
        if hook is None:
            hook = _converter().get_structure_hook(cls)
        return hook(value, cls)

    return structure
