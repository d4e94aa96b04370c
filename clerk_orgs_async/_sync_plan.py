"""Pure planning: desired records checked, and current state + desired -> the writes to send.

Within one organization the writes run in the order planned: create first (with the first
desired admin as ``created_by``, since Clerk makes the creator an admin member anyway), then
promotions to admin, removals and revoked invitations (they free room under
``max_allowed_memberships``, which counts pending invitations), the update (a lowered limit
then fits, a raised one is in place before additions), other role changes, additions, and
invitations last.

A member named by email is matched to a current member who signs in with that address (so an
accepted invitation follows the membership rules, and one still pending for that address is
left alone); otherwise it is kept as a pending invitation with the role (revoked and sent
again when the role changes).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from . import _rules
from ._sync_records import (
    Change,
    DesiredMember,
    DesiredOrganization,
    InvalidDesiredStateError,
    Key,
    SyncAction,
)
from .errors import InvalidRequestError
from .models import Organization

_SLUG = re.compile(r"[a-z0-9-]+")
MAX_NAME_LENGTH = 256
_MAX_INT32 = 2**31 - 1
ADMIN_ROLE = "org:admin"
_FIELDS = ("name", "slug", "max_allowed_memberships")
METADATA_FIELDS = ("public_metadata", "private_metadata")


def key_of(record: DesiredOrganization | Organization, key: Key) -> str:
    """The value an organization is matched on."""
    return record.slug if key == "slug" else record.name


def validate(
    desired: Sequence[DesiredOrganization], key: Key, *, invitations: bool = False
) -> None:
    """Refuse the whole input, before any write, when any record is invalid.

    ``sync_organizations`` calls it first; call it yourself to check a file before a run.

    Args:
        desired: the records, as ``sync_organizations`` would get them.
        key: ``"slug"`` or ``"name"``, what matches records to organizations.
        invitations: whether members named by email are allowed (a sync that manages
            invitations).

    Raises:
        InvalidDesiredStateError: every problem found, with the record's index.
    """
    problems: list[tuple[int, str]] = []
    seen: dict[str, dict[str, int]] = {"slug": {}, "name": {}}
    for index, record in enumerate(desired):
        wrong = _type_problems(record)
        problems += [(index, message) for message in wrong or _problems(record, invitations)]
        if wrong:
            continue  # the checks below, and the duplicate keys, need the right types
        for field in {"slug", key}:
            value = getattr(record, field)
            first = seen[field].setdefault(value, index)
            if first != index:
                problems.append((index, f"duplicate {field} {value!r} (also record {first + 1})"))
    if problems:
        raise InvalidDesiredStateError(problems)


def _type_problems(record: Any) -> list[str]:
    """Fields of the wrong type, checked with the client's own rules."""
    if not isinstance(record, DesiredOrganization):
        return [f"expected a DesiredOrganization, got {type(record).__name__}"]
    found = []
    limit, members = record.max_allowed_memberships, record.members
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
        found.append(f"max_allowed_memberships must be an integer, got {_rules.shown(limit)}")
    if members is not None and not isinstance(members, list | tuple):
        # A generator would be used up by these checks, then read as "no members".
        found.append(f"members must be a list, got {type(members).__name__}")
        members = None
    texts: list[tuple[object, str, bool]] = [
        (record.slug, "slug", False),
        (record.name, "name", False),
    ]
    for member in members or ():
        if not isinstance(member, DesiredMember):
            found.append(f"each member must be a DesiredMember, got {type(member).__name__}")
            continue
        texts += [
            (member.user_id, "user_id", True),
            (member.email_address, "email_address", True),
            (member.role, "role", False),
        ]
    for value, name, nullable in texts:
        try:
            _rules.string(value, name, nullable=nullable)
        except InvalidRequestError as error:
            found.append(str(error))
    for name in METADATA_FIELDS:
        try:
            _rules.metadata(getattr(record, name), name)
        except InvalidRequestError as error:
            found.append(str(error))
    return found


def _problems(record: DesiredOrganization, invitations: bool) -> list[str]:
    found = []
    if not _SLUG.fullmatch(record.slug):
        found.append(f"slug {record.slug!r} may contain only lowercase letters, digits and '-'")
    if not record.name.strip() or len(record.name) > MAX_NAME_LENGTH:
        found.append(f"name must be 1 to {MAX_NAME_LENGTH} characters, not blank")
    limit = record.max_allowed_memberships
    if limit is not None and not 0 <= limit <= _MAX_INT32:
        found.append(
            f"max_allowed_memberships must be 0 (unlimited) or more, up to {_MAX_INT32}, "
            f"got {limit}"
        )
    if record.members is not None:
        found += _member_problems(record.members, invitations)
        if limit and len(record.members) > limit:
            found.append(f"{len(record.members)} members exceed max_allowed_memberships={limit}")
    return found


def _member_problems(members: Sequence[DesiredMember], invitations: bool) -> list[str]:
    found = []
    names = Counter(
        (m.email_address or "").lower() if m.user_id is None else m.user_id for m in members
    )
    found += [f"member {name!r} is listed {n} times" for name, n in names.items() if n > 1 and name]
    for member in members:
        if not member.role or (member.user_id is None) == (member.email_address is None):
            found.append("every member needs a role and either a user_id or an email_address")
        elif member.email_address is not None:
            try:
                _rules.email(member.email_address)
            except InvalidRequestError as error:
                found.append(str(error))
            if not invitations:
                found.append(
                    f"member {member.email_address!r} is named by email: keeping invitations "
                    "for such members needs sync_invitations=True (clerk-orgs sync --invitations)"
                )
        elif not member.user_id:
            found.append("every member needs a role and either a user_id or an email_address")
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
        if member.role == ADMIN_ROLE and member.user_id is not None:
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
    name = key_of(desired, key)
    actions = [SyncAction(kind="create", key=name, changes=changes)]
    members = {u: r for u, r in desired_members(desired.members or ()).items() if u != by}
    invites = {m.email_address: m.role for m in desired.members or () if m.email_address}
    return (
        actions
        + _member_actions(name, None, {}, members)[3]
        + _invitation_actions(name, None, {}, invites)[1]
    )


def plan_update(
    current: Organization,
    current_members: Mapping[str, str] | None,
    desired: DesiredOrganization,
    key: Key,
    *,
    emails: Mapping[str, str] | None = None,
    invitations: Mapping[str, PendingInvitation] | None = None,
) -> list[SyncAction]:
    """The writes that make ``current`` (with these members, user -> role) equal ``desired``.

    ``current_members`` None leaves the members alone. ``emails`` maps the lowercased
    address a current member signs in with to the user; ``invitations`` the lowercased
    address of each pending invitation to it (None: invitations are not managed).
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
    want = desired_members(desired.members)
    invites: dict[str, str] = {}
    pending = dict(invitations or {})
    for member in desired.members:
        if member.email_address is None:
            continue
        address = member.email_address.lower()
        user = (emails or {}).get(address)
        if user is not None:
            want.setdefault(user, member.role)  # a member already: the membership rules
            # An invitation still pending for that address is left alone, neither kept
            # nor revoked: an export lists it, and syncing the export back changes nothing.
            pending.pop(address, None)
        else:
            invites[member.email_address] = member.role
    promotions, removals, other_roles, additions = _member_actions(
        name, current.id, current_members, want
    )
    revocations, sent = _invitation_actions(
        name, current.id, None if invitations is None else pending, invites
    )
    return promotions + removals + revocations + update + other_roles + additions + sent


@attrs.frozen
class PendingInvitation:
    """A pending invitation as read: its ID, the address as sent, and the role."""

    id: str
    email_address: str
    role: str


def _invitation_actions(
    key: str,
    organization_id: str | None,
    pending: Mapping[str, PendingInvitation] | None,
    wanted: Mapping[str, str],
) -> tuple[list[SyncAction], list[SyncAction]]:
    """Revocations (pending invitations not wanted, or with another role), then invitations
    to send. ``pending`` None (not managed) revokes nothing and sends only what is wanted."""
    pending = pending or {}
    wanted_lower = {email.lower(): (email, role) for email, role in wanted.items()}
    revocations = [
        SyncAction(
            kind="revoke_invitation",
            key=key,
            changes={"role": (invitation.role, None)},
            organization_id=organization_id,
            email_address=invitation.email_address,
            invitation_id=invitation.id,
        )
        for address, invitation in pending.items()
        if wanted_lower.get(address, (None, None))[1] != invitation.role
    ]
    sent = [
        SyncAction(
            kind="invite",
            key=key,
            changes={"role": (None, role)},
            organization_id=organization_id,
            email_address=email,
        )
        for address, (email, role) in wanted_lower.items()
        if address not in pending or pending[address].role != role
    ]
    return revocations, sent


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


def same_people(
    desired: DesiredOrganization, actions: Sequence[SyncAction], owners: Mapping[str, str]
) -> list[str]:
    """The people ``desired`` names twice, by user ID and by an address of theirs, where
    the plan would invite that address or add that user: a person is never both added and
    invited, whatever the roles.

    ``owners`` maps a lowercased address to the user who has it.
    """
    named = desired_members(desired.members or ())
    added = {a.user_id for a in actions if a.kind == "add_member"}
    invited = {(a.email_address or "").lower() for a in actions if a.kind == "invite"}
    found = []
    for member in desired.members or ():
        address = (member.email_address or "").lower()
        user = owners.get(address)
        if user in named and (address in invited or user in added):
            found.append(
                f"member {user!r} (role {named[user]}) has the address "
                f"{member.email_address!r} (role {member.role}): name each person once"
            )
    return found


def plan_delete(current: Organization, key: Key) -> SyncAction:
    """Delete an organization that is not desired."""
    return SyncAction(kind="delete", key=key_of(current, key), organization_id=current.id)


def desired_members(members: Sequence[DesiredMember]) -> dict[str, str]:
    """user -> role, for the members named by user ID."""
    return {m.user_id: m.role for m in members if m.user_id is not None}
