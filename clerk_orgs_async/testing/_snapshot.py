"""A saved state checked before it is loaded, so a data file loads whole or not at all.

A file edited by hand or by another program can be valid JSON of the wrong shape: a name that
is a number, a membership of a user who does not exist. Loaded as is, it would make the API
answer 500 later; refused here, it names the first field at fault. Checked by hand against
the records' own annotations: cattrs would quietly turn ``"5"`` into ``5``, where a data file
must be refused, not mended.

Each group's store declares the checks of its sections (its module's ``check_snapshot``); the
aggregate runs them in order, and each notes the IDs its records hold for the references of
the groups after it. This module knows no group.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs


@attrs.define
class SnapshotCheck:
    """A saved state being checked, and the IDs of each section checked so far (``users``…)."""

    snapshot: Mapping[str, Any]
    version: int
    ids: dict[str, set[str]] = attrs.Factory(dict)


def check_snapshot(
    snapshot: Mapping[str, Any], version: int, checks: Iterable[Callable[[SnapshotCheck], None]]
) -> None:
    """Check a snapshot of ``version`` with each group's checks, in order.

    Raises:
        ValueError: the first problem, with where it is (``memberships[1].user_id``).
    """
    check = SnapshotCheck(snapshot, version)
    for group_check in checks:
        group_check(check)


def field(data: Mapping[str, Any], name: str, kind: type, where: str = "") -> Any:
    """``data[name]``, which must be of type ``kind``."""
    if not isinstance(data, Mapping):
        raise ValueError(f"{where or 'the state'} is not a JSON object")
    value = data.get(name)
    if not isinstance(value, kind):
        raise ValueError(f"{where + '.' if where else ''}{name} is missing or not {_a(kind)}")
    return value


def records(data: Mapping[str, Any], name: str, cls: type) -> list[dict[str, Any]]:
    """``data[name]``: a list of objects holding exactly ``cls``'s fields, of their types."""
    found: list[dict[str, Any]] = field(data, name, list)
    hints = typing.get_type_hints(cls)
    fields = attrs.fields_dict(cls)
    for n, record in enumerate(found):
        where = f"{name}[{n}]"
        if not isinstance(record, dict):
            raise ValueError(f"{where} is not a JSON object")
        if unknown := set(record) - set(fields):
            raise ValueError(f"{where} has unknown fields: {', '.join(sorted(unknown))}")
        for field_name, attribute in fields.items():
            if field_name not in record:
                if attribute.default is attrs.NOTHING:
                    raise ValueError(f"{where}.{field_name} is missing")
            elif not _fits(record[field_name], hints[field_name]):
                raise ValueError(f"{where}.{field_name} is not {_a(hints[field_name])}")
    return found


def _fits(value: Any, kind: Any) -> bool:
    """Whether a JSON value fits an annotation of the records (``str | None``, ``list[str]``)."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, arg) for arg in args)
    if origin is list:
        return isinstance(value, list) and all(_fits(item, args[0]) for item in value)
    if origin is dict:
        return isinstance(value, dict)
    if kind is Any:
        return True
    if kind is type(None):
        return value is None
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def _a(kind: Any) -> str:
    return f"of type {getattr(kind, '__name__', kind)}"


def ids(records: list[dict[str, Any]], name: str) -> set[str]:
    """The records' IDs, each only once."""
    return unique((record["id"] for record in records), name, "id")


def unique(values: Iterable[Any], name: str, field: str) -> set[Any]:
    """The values, refused if one appears twice."""
    seen: set[Any] = set()
    for n, value in enumerate(values):
        if value in seen:
            raise ValueError(f"{name}[{n}].{field} {value!r} appears twice")
        seen.add(value)
    return seen


def refer(records: list[dict[str, Any]], name: str, field: str, known: set[str]) -> None:
    """Refuse a record whose ``field`` names none of ``known``."""
    for n, record in enumerate(records):
        value = record.get(field)
        if not isinstance(value, str) or value not in known:
            raise ValueError(f"{name}[{n}].{field} names no such record: {value!r}")
