"""Organization memberships, with Clerk's rules; no HTTP.

A membership names its organization by ID and its role by key. Adding or removing one moves
its organization's ``members_count``. ``GET /organization_memberships`` in ``created_at``
order is kept until the next membership write, so walking every membership page by page
costs O(page) per request.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from clerk_orgs_async.testing._changes import Changes
from clerk_orgs_async.testing._errors import already_a_member, not_found, quota_exceeded
from clerk_orgs_async.testing._ids import new_id
from clerk_orgs_async.testing._listing import (
    all_of,
    check_count,
    check_page,
    parse_order,
    split_signed,
    within,
)
from clerk_orgs_async.testing._organizations import OrganizationRecord, Organizations
from clerk_orgs_async.testing._roles import RoleCatalog
from clerk_orgs_async.testing._rules import check_role, deep_merge, next_update
from clerk_orgs_async.testing._snapshot import SnapshotCheck, records, refer, unique
from clerk_orgs_async.testing._users import UserRecord, Users

_USER_SORT_FIELDS = ("phone_number", "email_address", "first_name", "last_name", "username")
_QUERY_FIELDS = (
    "email_address",
    "phone_number",
    "username",
    "web3_wallet",
    "id",
    "first_name",
    "last_name",
)


@attrs.define(kw_only=True, eq=False)
class MembershipRecord:
    """A user's membership in an organization."""

    id: str
    seq: int
    organization_id: str
    user_id: str
    role: str
    created_at: int
    updated_at: int
    public_metadata: dict[str, Any] = attrs.Factory(dict)
    private_metadata: dict[str, Any] = attrs.Factory(dict)


@attrs.frozen(kw_only=True)
class MembershipQuery:
    """The parameters of ``GET /organizations/{id}/memberships``."""

    order_by: str = "-created_at"
    user_ids: Sequence[str] = ()
    email_addresses: Sequence[str] = ()
    phone_numbers: Sequence[str] = ()
    usernames: Sequence[str] = ()
    web3_wallets: Sequence[str] = ()
    roles: Sequence[str] = ()
    query: str | None = None
    email_address_query: str | None = None
    phone_number_query: str | None = None
    username_query: str | None = None
    name_query: str | None = None
    last_active_at_before: int | None = None
    last_active_at_after: int | None = None
    created_at_before: int | None = None
    created_at_after: int | None = None
    limit: int = 10
    offset: int = 0


class Memberships:
    """The memberships of every organization.

    Args:
        organizations: the organizations (a membership's must exist; its count follows).
        users: the users (a member must be one; lists filter and sort on their fields).
        roles: the role catalog (a membership's role must be in it).
        clock: the current Unix time in milliseconds.
        changes: where each change is reported (``organizationMembership.created``, ``.updated``
            and ``.deleted``).
    """

    def __init__(
        self,
        organizations: Organizations,
        users: Users,
        roles: RoleCatalog,
        clock: Callable[[], int],
        changes: Changes | None = None,
    ) -> None:
        self._organizations = organizations
        self._users = users
        self._roles = roles
        self._now = clock
        self._changes = changes or Changes()
        self.clear()

    def clear(self) -> None:
        """Forget every membership."""
        self._seq = itertools.count()
        self._by_org: dict[str, dict[str, MembershipRecord]] = {}
        self._user_orgs: dict[str, set[str]] = {}
        self._sorted: dict[str, list[MembershipRecord]] = {}

    def _of(self, org_id: str) -> dict[str, MembershipRecord]:
        if org_id not in self._organizations:
            raise not_found("organization")
        return self._by_org.setdefault(org_id, {})

    def of(self, org_id: str) -> list[MembershipRecord]:
        """The organization's memberships in creation order (404 for an unknown one)."""
        return list(self._of(org_id).values())

    def get(self, org_id: str, user_id: str) -> MembershipRecord:
        """The user's membership in the organization, or Clerk's 404."""
        try:
            return self._of(org_id)[user_id]
        except KeyError:
            raise not_found("organization membership") from None

    def get_or_none(self, org_id: str, user_id: str) -> MembershipRecord | None:
        """The user's membership in the organization, if any (no 404)."""
        return self._by_org.get(org_id, {}).get(user_id)

    def members_of(self, org_id: str) -> set[str]:
        """The IDs of the organization's members (none for an unknown organization)."""
        return set(self._by_org.get(org_id, ()))

    def organizations_of(self, user_id: str) -> set[str]:
        """The IDs of the user's organizations."""
        return self._user_orgs.get(user_id, set())

    def of_user(self, user_id: str) -> list[MembershipRecord]:
        """The user's memberships, in the order their organizations were created."""
        orgs = self._organizations
        org_ids = sorted(self._user_orgs.get(user_id, ()), key=lambda o: orgs[o].seq)
        return [self._by_org[org_id][user_id] for org_id in org_ids]

    def _all(self) -> Iterable[MembershipRecord]:
        return (m for members in self._by_org.values() for m in members.values())

    def with_role(self, role_key: str) -> int:
        """How many memberships, in any organization, carry this role."""
        return sum(m.role == role_key for m in self._all())

    # Writes

    def _add(
        self,
        org: OrganizationRecord,
        user_id: str,
        role: str,
        public_metadata: Mapping[str, Any],
        private_metadata: Mapping[str, Any],
    ) -> MembershipRecord:
        now = self._now()
        membership = MembershipRecord(
            id=new_id("orgmem"),
            seq=next(self._seq),
            organization_id=org.id,
            user_id=user_id,
            role=role,
            created_at=now,
            updated_at=now,
            public_metadata=dict(public_metadata),
            private_metadata=dict(private_metadata),
        )
        self._by_org.setdefault(org.id, {})[user_id] = membership
        self._user_orgs.setdefault(user_id, set()).add(org.id)
        self._organizations.count_member(org.id, +1)
        self._sorted.clear()
        self._changes.emit("organizationMembership.created", membership)
        return membership

    def add_creator(self, org_id: str, user_id: str) -> MembershipRecord:
        """Make a new organization's creator its first member, with the creator role."""
        org = self._organizations.require(org_id)
        return self._add(org, user_id, self._roles.creator_role_key, {}, {})

    def create(
        self,
        org_id: str,
        user_id: str,
        role: str,
        *,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
    ) -> MembershipRecord:
        """Add a user to an organization.

        Raises Clerk's 404 for an unknown organization or user, 400
        ``already_a_member_in_organization`` for a second membership, 422 for an unknown role
        and 403 ``quota_exceeded`` when the organization is full.
        """
        org = self._organizations.require(org_id)
        self._users.require(user_id)
        check_role(role, self._roles)
        if user_id in self._of(org_id):
            raise already_a_member(user_id)
        check_room(org)
        return self._add(org, user_id, role, public_metadata or {}, private_metadata or {})

    def update(self, org_id: str, user_id: str, *, role: str) -> MembershipRecord:
        """Change a member's role."""
        membership = self.get(org_id, user_id)
        membership.role = check_role(role, self._roles)
        membership.updated_at = next_update(self._now(), membership.updated_at)
        self._changes.emit("organizationMembership.updated", membership)
        return membership

    def merge_metadata(
        self,
        org_id: str,
        user_id: str,
        *,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
    ) -> MembershipRecord:
        """Deep-merge into a membership's metadata; a ``None`` value deletes its key."""
        membership = self.get(org_id, user_id)
        if public_metadata is not None:
            membership.public_metadata = deep_merge(membership.public_metadata, public_metadata)
        if private_metadata is not None:
            membership.private_metadata = deep_merge(membership.private_metadata, private_metadata)
        membership.updated_at = next_update(self._now(), membership.updated_at)
        self._changes.emit("organizationMembership.updated", membership)
        return membership

    def delete(self, org_id: str, user_id: str) -> MembershipRecord:
        """Remove a member; return the membership as it was."""
        membership = self.get(org_id, user_id)
        del self._by_org[org_id][user_id]
        self._user_orgs[user_id].discard(org_id)
        self._organizations.count_member(org_id, -1)
        self._sorted.clear()
        self._changes.emit("organizationMembership.deleted", membership)
        return membership

    def rename_role(self, old: str, new: str) -> None:
        """Follow a role's key change (memberships name their role by key)."""
        for membership in self._all():
            if membership.role == old:
                membership.role = new

    def drop_organization(self, org_id: str) -> None:
        """Forget a deleted organization's memberships, each reported deleted (as Clerk does)."""
        for user_id, membership in self._by_org.pop(org_id, {}).items():
            self._user_orgs[user_id].discard(org_id)
            self._changes.emit("organizationMembership.deleted", membership)
        self._sorted.clear()

    # Listing and persistence

    def page(self, org_id: str, query: MembershipQuery) -> tuple[list[MembershipRecord], int]:
        """One page of an organization's filtered, ordered memberships and the total."""
        check_page(query.limit, query.offset)
        keep = _filter(query, self._users)
        matching = [m for m in self._of(org_id).values() if keep(m)]
        ordered = sort_memberships(matching, query.order_by, self._users)
        return ordered[query.offset : query.offset + query.limit], len(ordered)

    def page_all(
        self, order_by: str, limit: int, offset: int
    ) -> tuple[list[MembershipRecord], int]:
        """One page of every membership of the instance (``GET /organization_memberships``)."""
        check_page(limit, offset)
        ordered = self._sorted.get(order_by)
        if ordered is None:
            ordered = sort_memberships(list(self._all()), order_by, self._users)
            # Users' fields change without a membership write; only creation order keeps.
            if order_by.lstrip("+-") == "created_at":
                self._sorted[order_by] = ordered
        return ordered[offset : offset + limit], len(ordered)

    def snapshot(self) -> list[dict[str, Any]]:
        """Every membership as JSON-ready data."""
        return [attrs.asdict(m) for m in self._all()]

    def restore(self, snapshot: Iterable[Mapping[str, Any]]) -> None:
        """Replace the memberships with those saved by :meth:`snapshot`."""
        self.clear()
        for raw in snapshot:
            membership = MembershipRecord(**raw)
            org_id = membership.organization_id
            self._by_org.setdefault(org_id, {})[membership.user_id] = membership
            self._user_orgs.setdefault(membership.user_id, set()).add(org_id)
        self._seq = itertools.count(max((m.seq for m in self._all()), default=-1) + 1)


def check_room(org: OrganizationRecord) -> None:
    """Refuse one more member of a full organization (403 ``quota_exceeded``)."""
    if 0 < org.max_allowed_memberships <= org.members_count:
        raise quota_exceeded(org.max_allowed_memberships)


def _filter(
    query: MembershipQuery, users: Mapping[str, UserRecord]
) -> Callable[[MembershipRecord], bool]:
    """The predicate for every filter of the memberships list."""
    checks: list[Callable[[MembershipRecord], bool]] = []

    def exact(attr: str, values: Sequence[str], param: str) -> None:
        check_count(values, param)
        wanted = set(values)
        checks.append(lambda m: getattr(users[m.user_id], attr) in wanted)

    def partial(fields: Sequence[str], needle: str) -> None:
        lowered = needle.lower()
        checks.append(
            lambda m: any(lowered in (getattr(users[m.user_id], f) or "").lower() for f in fields)
        )

    if query.user_ids:
        included, excluded = split_signed(query.user_ids, "user_id")
        if included:
            checks.append(lambda m: m.user_id in included)
        checks.append(lambda m: m.user_id not in excluded)
    for attr, values in (
        ("email_address", query.email_addresses),
        ("phone_number", query.phone_numbers),
        ("username", query.usernames),
        ("web3_wallet", query.web3_wallets),
    ):
        if values:
            exact(attr, values, attr)
    if query.roles:
        check_count(query.roles, "role")
        roles = set(query.roles)
        checks.append(lambda m: m.role in roles)
    for fields, needle in (
        (_QUERY_FIELDS, query.query),
        (("email_address",), query.email_address_query),
        (("phone_number",), query.phone_number_query),
        (("username",), query.username_query),
        (("first_name", "last_name"), query.name_query),
    ):
        if needle:
            partial(fields, needle)
    active = (query.last_active_at_before, query.last_active_at_after)
    if active != (None, None):
        checks.append(lambda m: within(users[m.user_id].last_active_at, *active))
    created = (query.created_at_before, query.created_at_after)
    if created != (None, None):
        checks.append(lambda m: within(m.created_at, *created))
    return all_of(checks)


def sort_memberships(
    memberships: list[MembershipRecord], order_by: str, users: Mapping[str, UserRecord]
) -> list[MembershipRecord]:
    """Order memberships by their creation or by a field of their user.

    Members without that field come last in either direction, as SQL's ``NULLS LAST`` would
    put them; the creation sequence breaks ties so paging is stable.
    """
    field, descending = parse_order(order_by, ("created_at", *_USER_SORT_FIELDS))
    if field == "created_at":
        return sorted(memberships, key=lambda m: (m.created_at, m.seq), reverse=descending)
    present = [m for m in memberships if getattr(users[m.user_id], field) is not None]
    absent = [m for m in memberships if getattr(users[m.user_id], field) is None]
    present.sort(key=lambda m: (getattr(users[m.user_id], field), m.seq), reverse=descending)
    return present + absent


def check_snapshot(check: SnapshotCheck) -> None:
    """Check a data file's ``memberships``: of known organizations and users, once each."""
    memberships = records(check.snapshot, "memberships", MembershipRecord)
    refer(memberships, "memberships", "organization_id", check.ids["organizations"])
    refer(memberships, "memberships", "user_id", check.ids["users"])
    unique(((m["organization_id"], m["user_id"]) for m in memberships), "memberships", "user_id")
