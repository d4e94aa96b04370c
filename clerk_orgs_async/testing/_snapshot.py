"""A saved state checked before it is loaded, so a data file loads whole or not at all.

A file edited by hand or by another program can be valid JSON of the wrong shape: a name that
is a number, a membership of a user who does not exist. Loaded as is, it would make the API
answer 500 later; refused here, it names the first field at fault. Checked by hand against
the records' own annotations: cattrs would quietly turn ``"5"`` into ``5``, where a data file
must be refused, not mended.
"""

from __future__ import annotations

import base64
import binascii
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from clerk_orgs_async.testing._domains import Domain
from clerk_orgs_async.testing._invitations import Invitation
from clerk_orgs_async.testing._records import Membership, Organization, User
from clerk_orgs_async.testing._roles import Permission, Role
from clerk_orgs_async.testing._webhook_store import check_webhooks


def check_snapshot(snapshot: Mapping[str, Any], version: int) -> None:
    """Check a snapshot of ``version`` (1 to 3) field by field and reference by reference.

    Raises:
        ValueError: the first problem, with where it is (``memberships[1].user_id``).
    """
    users = _ids(_records(snapshot, "users", User), "users")
    orgs = _records(snapshot, "organizations", Organization)
    org_ids = _ids(orgs, "organizations")
    _unique((org["slug"] for org in orgs), "organizations", "slug")
    memberships = _records(snapshot, "memberships", Membership)
    _refer(memberships, "memberships", "organization_id", org_ids)
    _refer(memberships, "memberships", "user_id", users)
    _unique(((m["organization_id"], m["user_id"]) for m in memberships), "memberships", "user_id")
    logos = _field(snapshot, "logos", dict, "")
    for image_id, logo in logos.items():
        where = f"logos[{image_id!r}]"
        _field(logo, "content_type", str, where)
        try:
            base64.b64decode(_field(logo, "data", str, where), validate=True)
        except binascii.Error:
            raise ValueError(f"{where}.data is not base64") from None
    if version < 2:
        return
    catalog = _field(snapshot, "roles_and_permissions", dict, "")
    permissions = _ids(_records(catalog, "permissions", Permission), "permissions")
    roles = _records(catalog, "roles", Role)
    role_ids = _ids(roles, "roles")
    for n, role in enumerate(roles):
        for permission_id in role["permission_ids"]:
            if permission_id not in permissions:
                raise ValueError(f"roles[{n}].permission_ids: no permission {permission_id!r}")
    _refer([catalog], "roles_and_permissions", "creator_role_id", role_ids)
    if catalog.get("domain_default_role_id") is not None:
        _refer([catalog], "roles_and_permissions", "domain_default_role_id", role_ids)
    _refer(_records(snapshot, "invitations", Invitation), "invitations", "organization_id", org_ids)
    _refer(_records(snapshot, "domains", Domain), "domains", "organization_id", org_ids)
    if version >= 3:
        check_webhooks(_field(snapshot, "webhooks", dict, ""))


def _field(data: Mapping[str, Any], name: str, kind: type, where: str) -> Any:
    if not isinstance(data, Mapping):
        raise ValueError(f"{where or 'the state'} is not a JSON object")
    value = data.get(name)
    if not isinstance(value, kind):
        raise ValueError(f"{where + '.' if where else ''}{name} is missing or not {_a(kind)}")
    return value


def _records(data: Mapping[str, Any], name: str, cls: type) -> list[dict[str, Any]]:
    """``data[name]``: a list of objects holding exactly ``cls``'s fields, of their types."""
    records: list[dict[str, Any]] = _field(data, name, list, "")
    hints = typing.get_type_hints(cls)
    fields = attrs.fields_dict(cls)
    for n, record in enumerate(records):
        where = f"{name}[{n}]"
        if not isinstance(record, dict):
            raise ValueError(f"{where} is not a JSON object")
        if unknown := set(record) - set(fields):
            raise ValueError(f"{where} has unknown fields: {', '.join(sorted(unknown))}")
        for field_name, field in fields.items():
            if field_name not in record:
                if field.default is attrs.NOTHING:
                    raise ValueError(f"{where}.{field_name} is missing")
            elif not _fits(record[field_name], hints[field_name]):
                raise ValueError(f"{where}.{field_name} is not {_a(hints[field_name])}")
    return records


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


def _ids(records: list[dict[str, Any]], name: str) -> set[str]:
    return _unique((record["id"] for record in records), name, "id")


def _unique(values: Iterable[Any], name: str, field: str) -> set[Any]:
    seen: set[Any] = set()
    for n, value in enumerate(values):
        if value in seen:
            raise ValueError(f"{name}[{n}].{field} {value!r} appears twice")
        seen.add(value)
    return seen


def _refer(records: list[dict[str, Any]], name: str, field: str, known: set[str]) -> None:
    for n, record in enumerate(records):
        value = record.get(field)
        if not isinstance(value, str) or value not in known:
            raise ValueError(f"{name}[{n}].{field} names no such record: {value!r}")
