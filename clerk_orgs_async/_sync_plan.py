"""Pure planning: desired records checked, and current state + desired -> the writes to send.

Within one organization the writes run in the order planned: create first (with the first
desired admin as ``created_by``, since Clerk makes the creator an admin member anyway), then
promotions to admin, removals (they free room under ``max_allowed_memberships``), the update
(a lowered limit then fits, a raised one is in place before additions), other role changes,
and additions last.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from ._sync_records import (
    Change,
    DesiredMember,
    DesiredOrganization,
    InvalidDesiredStateError,
    Key,
    SyncAction,
)
from .models import Organization

_SLUG = re.compile(r"[a-z0-9-]+")
MAX_NAME_LENGTH = 256
ADMIN_ROLE = "org:admin"
_FIELDS = ("name", "slug", "max_allowed_memberships")
METADATA_FIELDS = ("public_metadata", "private_metadata")


def key_of(record: DesiredOrganization | Organization, key: Key) -> str:
    """The value an organization is matched on."""
    return record.slug if key == "slug" else record.name


def validate(desired: Sequence[DesiredOrganization], key: Key) -> None:
    """Refuse the whole input, before any write, when any record is invalid.

    Raises:
        InvalidDesiredStateError: every problem found, with the record's index.
    """
    problems: list[tuple[int, str]] = []
    seen: dict[str, dict[str, int]] = {"slug": {}, "name": {}}
    for index, record in enumerate(desired):
        problems += [(index, message) for message in _problems(record)]
        for field in {"slug", key}:
            value = getattr(record, field)
            first = seen[field].setdefault(value, index)
            if first != index:
                problems.append((index, f"duplicate {field} {value!r} (also record {first + 1})"))
    if problems:
        raise InvalidDesiredStateError(problems)


def _problems(record: DesiredOrganization) -> list[str]:
    found = []
    if not _SLUG.fullmatch(record.slug):
        found.append(f"slug {record.slug!r} may contain only lowercase letters, digits and '-'")
    if not record.name.strip() or len(record.name) > MAX_NAME_LENGTH:
        found.append(f"name must be 1 to {MAX_NAME_LENGTH} characters, not blank")
    limit = record.max_allowed_memberships
    if limit is not None and limit < 0:
        found.append(f"max_allowed_memberships must be 0 (unlimited) or more, got {limit}")
    if record.members is not None:
        counts = Counter(member.user_id for member in record.members)
        found += [f"user {user!r} is listed {n} times" for user, n in counts.items() if n > 1]
        if any(not member.user_id or not member.role for member in record.members):
            found.append("every member needs a user_id and a role")
        if limit and len(record.members) > limit:
            found.append(f"{len(record.members)} members exceed max_allowed_memberships={limit}")
    return found


def same_json(a: Any, b: Any) -> bool:
    """JSON equality: unlike ``==``, ``True`` differs from ``1`` and ``1`` from ``1.0``."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def creator(desired: DesiredOrganization) -> str | None:
    """The member created with the organization: the first desired admin, if any."""
    for member in desired.members or ():
        if member.role == ADMIN_ROLE:
            return member.user_id
    return None


def plan_create(desired: DesiredOrganization, key: Key) -> list[SyncAction]:
    """Create the organization, then add the members the creation does not."""
    by = creator(desired)
    changes: dict[str, Change] = {"name": (None, desired.name), "slug": (None, desired.slug)}
    for field in ("max_allowed_memberships", *METADATA_FIELDS):
        value = getattr(desired, field)
        if value is not None:
            changes[field] = (None, value)
    if by is not None:
        changes["created_by"] = (None, by)
    actions = [SyncAction(kind="create", key=key_of(desired, key), changes=changes)]
    members = {u: r for u, r in desired_members(desired.members or ()).items() if u != by}
    return actions + _member_actions(key_of(desired, key), None, {}, members)[3]


def plan_update(
    current: Organization,
    current_members: Mapping[str, str] | None,
    desired: DesiredOrganization,
    key: Key,
) -> list[SyncAction]:
    """The writes that make ``current`` (with these members, user -> role) equal ``desired``.

    ``current_members`` None leaves the members alone.
    """
    name = key_of(desired, key)
    changes: dict[str, Change] = {}
    for field in (*_FIELDS, *METADATA_FIELDS):
        wanted = getattr(desired, field)
        have = getattr(current, field)
        if wanted is not None and not same_json(have, wanted):
            changes[field] = (have, wanted)
    update = (
        [SyncAction(kind="update", key=name, changes=changes, organization_id=current.id)]
        if changes
        else []
    )
    if current_members is None or desired.members is None:
        return update
    promotions, removals, other_roles, additions = _member_actions(
        name, current.id, current_members, desired_members(desired.members)
    )
    return promotions + removals + update + other_roles + additions


def _member_actions(
    key: str, organization_id: str | None, have: Mapping[str, str], want: Mapping[str, str]
) -> tuple[list[SyncAction], list[SyncAction], list[SyncAction], list[SyncAction]]:
    """Promotions to admin, removals, other role changes, additions."""

    def action(kind: Any, user_id: str, old: str | None, new: str | None) -> SyncAction:
        return SyncAction(
            kind=kind,
            key=key,
            changes={"role": (old, new)},
            organization_id=organization_id,
            user_id=user_id,
        )

    roles = [
        action("set_role", u, have[u], r) for u, r in want.items() if u in have and have[u] != r
    ]
    return (
        [a for a in roles if a.changes["role"][1] == ADMIN_ROLE],
        [action("remove_member", u, r, None) for u, r in have.items() if u not in want],
        [a for a in roles if a.changes["role"][1] != ADMIN_ROLE],
        [action("add_member", u, None, r) for u, r in want.items() if u not in have],
    )


def plan_delete(current: Organization, key: Key) -> SyncAction:
    """Delete an organization that is not desired."""
    return SyncAction(kind="delete", key=key_of(current, key), organization_id=current.id)


def desired_members(members: Sequence[DesiredMember]) -> dict[str, str]:
    """user -> role."""
    return {m.user_id: m.role for m in members}
