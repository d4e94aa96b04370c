"""The emulated instance: users, organizations and memberships, with Clerk's rules; no I/O.

Roles and permissions, invitations and domains live beside it (``state.roles``,
``state.invitations``, ``state.domains``); the few rules that span them are methods here.

The HTTP handlers and tests call the same methods, so state seeded from Python obeys the rules
the API enforces. Listing organizations keeps one sorted order per ``order_by`` until the next
write, so walking 100,000 organizations page by page costs O(page) per request.
"""

from __future__ import annotations

import base64
import itertools
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import attrs

from clerk_orgs_async.testing._changes import Changes
from clerk_orgs_async.testing._domains import Domains
from clerk_orgs_async.testing._errors import (
    ClerkAPIError,
    already_a_member,
    not_found,
    param_invalid,
    quota_exceeded,
)
from clerk_orgs_async.testing._ids import new_id
from clerk_orgs_async.testing._invitations import Invitations
from clerk_orgs_async.testing._queries import (
    ORG_SORT_KEYS,
    MembershipQuery,
    OrganizationQuery,
    check_page,
    membership_filter,
    organization_filter,
    parse_order,
    sort_memberships,
)
from clerk_orgs_async.testing._records import Logo, Membership, Organization, User
from clerk_orgs_async.testing._roles import Role, RoleCatalog
from clerk_orgs_async.testing._rules import (
    check_logo,
    check_name,
    check_role,
    check_slug,
    deep_merge,
    slugify,
    unique_slug,
)
from clerk_orgs_async.testing._snapshot import check_snapshot
from clerk_orgs_async.testing._webhook_store import WebhookStore

UserSpec = str | Mapping[str, Any] | User
"""A user to seed: an ID, a mapping of :class:`User` fields, or a :class:`User`."""
SNAPSHOT_VERSION = 3
"""Version 2 added roles, permissions, invitations and domains, version 3 the webhook endpoints
and undelivered messages; older files still load."""


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class EmulatorState:
    """An in-memory Clerk instance.

    Args:
        default_max_allowed_memberships: applied to organizations created without
            ``max_allowed_memberships``; ``0`` means unlimited, Clerk's default is 5.
        roles: the role keys to seed: ``org:admin`` (required: the creator role) and
            ``org:member`` get Clerk's default permissions, other keys become custom roles.
        clock: returns the current Unix time in milliseconds (tests pin it; invitations
            expire by it); the real time when not given.
    """

    def __init__(
        self,
        *,
        default_max_allowed_memberships: int = 5,
        roles: Sequence[str] = ("org:admin", "org:member"),
        clock: Callable[[], int] | None = None,
    ) -> None:
        self.default_max_allowed_memberships = default_max_allowed_memberships
        self._clock = clock or _now_ms
        self.changes = Changes()
        self.roles = RoleCatalog(roles, self._clock, self.changes)
        self.invitations = Invitations(self, self._clock, self.changes)
        self.domains = Domains(self, self._clock, self.changes)
        self.webhooks = WebhookStore()
        self._reset()

    def __repr__(self) -> str:
        memberships = sum(len(members) for members in self._memberships.values())
        return (
            f"<EmulatorState {len(self._users)} users, {len(self._orgs)} organizations,"
            f" {memberships} memberships>"
        )

    def _reset(self) -> None:
        self._seq = itertools.count()
        self._users: dict[str, User] = {}
        self._orgs: dict[str, Organization] = {}
        self._slugs: dict[str, Organization] = {}
        self._memberships: dict[str, dict[str, Membership]] = {}
        self._user_orgs: dict[str, set[str]] = {}
        self._logos: dict[str, Logo] = {}
        self._sorted: dict[tuple[str, bool], list[Organization]] = {}
        self._sorted_memberships: dict[str, list[Membership]] = {}
        self.roles.seed()
        self.invitations.clear()
        self.domains.clear()

    def reset(self) -> None:
        """Delete every organization (with its memberships, invitations, domains and logo) and
        put the roles and permissions back as they were at the start; the users stay, as an
        instance's sign-ups would."""
        users = self._users
        self._reset()
        self._users = users

    def _touch(self, record: Organization | Membership) -> None:
        """Stamp a write to ``record``: its ``updated_at`` always moves forward."""
        # By a millisecond at least: a webhook receiver orders two events about one record by
        # updated_at, and the emulator, unlike Clerk, can write twice in one millisecond.
        record.updated_at = max(self._clock(), record.updated_at + 1)

    # Users

    @property
    def users(self) -> Mapping[str, User]:
        """The users by ID (read-only view)."""
        return MappingProxyType(self._users)

    def add_user(self, user: UserSpec) -> User:
        """Add (or replace) a user given by ID, by a mapping of :class:`User` fields, or as is."""
        if isinstance(user, str):
            record = User(id=user, created_at=self._clock())
        elif isinstance(user, User):
            record = user
        else:
            record = User(**{"created_at": self._clock(), **user})
        self._users[record.id] = record
        return record

    def add_users(self, users: Iterable[UserSpec]) -> list[User]:
        """Add several users; see :meth:`add_user`."""
        return [self.add_user(user) for user in users]

    def seed_users(self, count: int) -> list[User]:
        """Add ``count`` users with names, emails, usernames and phone numbers to filter on."""
        start = len(self._users)
        return self.add_users(
            User(
                id=new_id("user"),
                first_name=f"First{n}",
                last_name=f"Last{n}",
                email_address=f"user{n}@example.com",
                phone_number=f"+1555{n:07d}",
                username=f"user{n}",
                created_at=self._clock(),
            )
            for n in range(start + 1, start + count + 1)
        )

    def user_memberships(self, user_id: str) -> list[Membership]:
        """The user's memberships, in the order their organizations were created."""
        org_ids = sorted(self._user_orgs.get(user_id, ()), key=lambda o: self._orgs[o].seq)
        return [self._memberships[org_id][user_id] for org_id in org_ids]

    def _user(self, user_id: str) -> User:
        try:
            return self._users[user_id]
        except KeyError:
            raise not_found("user") from None

    # Organizations

    @property
    def organizations(self) -> Mapping[str, Organization]:
        """The organizations by ID, in creation order (read-only view)."""
        return MappingProxyType(self._orgs)

    def get_organization(self, id_or_slug: str) -> Organization:
        """Return the organization with this ID or slug, or raise Clerk's 404."""
        org = self._orgs.get(id_or_slug) or self._slugs.get(id_or_slug)
        if org is None:
            raise not_found("organization")
        return org

    def _org(self, org_id: str) -> Organization:
        try:
            return self._orgs[org_id]
        except KeyError:
            raise not_found("organization") from None

    def _changed(self) -> None:
        self._sorted.clear()
        self._sorted_memberships.clear()

    def _claim_slug(self, slug: str, org: Organization | None) -> str:
        holder = self._slugs.get(check_slug(slug))
        if holder is not None and holder is not org:
            raise ClerkAPIError(
                422,
                "form_identifier_exists",
                "That slug is taken. Please try another.",
                "That slug is taken. Please try another.",
                meta={"param_name": "slug"},
            )
        return slug

    def create_organization(
        self,
        name: str,
        *,
        slug: str | None = None,
        created_by: str | None = None,
        max_allowed_memberships: int | None = None,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
        created_at: int | None = None,
        role_set_key: str | None = None,
    ) -> Organization:
        """Create an organization; ``created_by`` becomes its first admin.

        A given slug must be free (422 ``form_identifier_exists``); a slug derived from the
        name gets ``-2``, ``-3``… appended until it is free, so creating by name never fails.
        """
        check_name(name)
        slug = (
            self._claim_slug(slug, None)
            if slug is not None
            else unique_slug(slugify(name), self._slugs)
        )
        if created_by is not None and created_by not in self._users:
            raise ClerkAPIError(
                400,
                "organization_creator_not_found",
                "Organization creator not found",
                f"No user with ID {created_by} exists to be the organization's creator.",
                meta={"param_name": "created_by"},
            )
        if max_allowed_memberships is not None and max_allowed_memberships < 0:
            raise param_invalid("max_allowed_memberships", "must be 0 (unlimited) or more")
        now = self._clock()
        org = Organization(
            id=new_id("org"),
            seq=next(self._seq),
            name=name,
            slug=slug,
            created_at=now if created_at is None else created_at,
            updated_at=now,
            created_by=created_by,
            max_allowed_memberships=(
                self.default_max_allowed_memberships
                if max_allowed_memberships is None
                else max_allowed_memberships
            ),
            public_metadata=dict(public_metadata or {}),
            private_metadata=dict(private_metadata or {}),
            role_set_key=role_set_key,
        )
        self._orgs[org.id] = org
        self._slugs[slug] = org
        self._memberships[org.id] = {}
        self.changes.emit("organization.created", org)
        if created_by is not None:
            self._add_membership(org, created_by, self.roles.creator_role_key, {}, {})
        self._changed()
        return org

    def seed_organizations(
        self, count: int, *, name: str = "Organization {n}", created_by: str | None = None
    ) -> list[Organization]:
        """Create ``count`` organizations without HTTP; ``{n}`` in ``name`` numbers them from 1."""
        start = len(self._orgs)
        return [
            self.create_organization(name.format(n=n), created_by=created_by)
            for n in range(start + 1, start + count + 1)
        ]

    def update_organization(
        self,
        org_id: str,
        *,
        name: str | None = None,
        slug: str | None = None,
        max_allowed_memberships: int | None = None,
        admin_delete_enabled: bool | None = None,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
        created_at: int | None = None,
        role_set_key: str | None = None,
    ) -> Organization:
        """Change the given fields (``None`` leaves one as it is); metadata is replaced whole."""
        org = self._org(org_id)
        if name is not None:
            check_name(name)
        if slug is not None:
            self._claim_slug(slug, org)
        if max_allowed_memberships is not None and max_allowed_memberships < 0:
            raise param_invalid("max_allowed_memberships", "must be 0 (unlimited) or more")
        if name is not None:
            org.name = name
        if slug is not None and slug != org.slug:
            del self._slugs[org.slug]
            self._slugs[slug] = org
            org.slug = slug
        if max_allowed_memberships is not None:
            org.max_allowed_memberships = max_allowed_memberships
        if admin_delete_enabled is not None:
            org.admin_delete_enabled = admin_delete_enabled
        if public_metadata is not None:
            org.public_metadata = dict(public_metadata)
        if private_metadata is not None:
            org.private_metadata = dict(private_metadata)
        if created_at is not None:
            org.created_at = created_at
        if role_set_key is not None:
            org.role_set_key = role_set_key
        self._touch(org)
        self.changes.emit("organization.updated", org)
        self._changed()
        return org

    def merge_metadata(
        self,
        org_id: str,
        *,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
    ) -> Organization:
        """Deep-merge into the organization's metadata; a ``None`` value deletes its key."""
        org = self._org(org_id)
        if public_metadata is not None:
            org.public_metadata = deep_merge(org.public_metadata, public_metadata)
        if private_metadata is not None:
            org.private_metadata = deep_merge(org.private_metadata, private_metadata)
        self._touch(org)
        self.changes.emit("organization.updated", org)
        return org

    def replace_metadata(
        self,
        org_id: str,
        *,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
    ) -> Organization:
        """Replace each given metadata field whole; omitted fields stay as they are."""
        return self.update_organization(
            org_id, public_metadata=public_metadata, private_metadata=private_metadata
        )

    def delete_organization(self, org_id: str) -> Organization:
        """Delete an organization with its memberships, invitations, domains and logo."""
        org = self._org(org_id)
        # Clerk's choice, followed here: each membership's deletion is an event of its own.
        for membership in self._memberships[org_id].values():
            self.changes.emit("organizationMembership.deleted", membership)
        self.invitations.drop_organization(org_id)
        self.domains.drop_organization(org_id)
        for user_id in self._memberships.pop(org_id):
            self._user_orgs[user_id].discard(org_id)
        del self._orgs[org_id]
        del self._slugs[org.slug]
        if org.image_id is not None:
            del self._logos[org.image_id]
        self._changed()
        self.changes.emit("organization.deleted", org)
        return org

    def set_logo(
        self,
        org_id: str,
        data: bytes,
        content_type: str,
        *,
        uploader_user_id: str | None = None,
    ) -> Organization:
        """Store a logo (checked as Clerk does) and point the organization at it."""
        org = self._org(org_id)
        if uploader_user_id is not None:
            self._user(uploader_user_id)
        check_logo(data, content_type)
        if org.image_id is not None:
            del self._logos[org.image_id]
        org.image_id = new_id("img")
        self._logos[org.image_id] = Logo(data=data, content_type=content_type)
        self._touch(org)
        self.changes.emit("organization.updated", org)
        return org

    def delete_logo(self, org_id: str) -> Organization:
        """Remove the organization's logo, if it has one."""
        org = self._org(org_id)
        if org.image_id is not None:
            del self._logos[org.image_id]
            org.image_id = None
        self._touch(org)
        self.changes.emit("organization.updated", org)
        return org

    def logo(self, image_id: str) -> Logo | None:
        """The logo stored under ``image_id``, if any."""
        return self._logos.get(image_id)

    def _ordered(self, order_by: str) -> list[Organization]:
        key = parse_order(order_by, ORG_SORT_KEYS)
        ordered = self._sorted.get(key)
        if ordered is None:
            field, descending = key
            ordered = sorted(self._orgs.values(), key=ORG_SORT_KEYS[field], reverse=descending)
            self._sorted[key] = ordered
        return ordered

    def list_organizations(self, query: OrganizationQuery) -> tuple[list[Organization], int]:
        """Return one page of the filtered, ordered organizations and the filtered total."""
        check_page(query.limit, query.offset)
        ordered = self._ordered(query.order_by)
        if query.filtered:
            keep = organization_filter(query, self._user_orgs)
            ordered = [org for org in ordered if keep(org)]
        return ordered[query.offset : query.offset + query.limit], len(ordered)

    # Memberships

    def memberships(self, org_id: str) -> list[Membership]:
        """The organization's memberships in creation order."""
        return list(self._memberships_of(org_id).values())

    def _memberships_of(self, org_id: str) -> dict[str, Membership]:
        try:
            return self._memberships[org_id]
        except KeyError:
            raise not_found("organization") from None

    def _membership(self, org_id: str, user_id: str) -> Membership:
        try:
            return self._memberships_of(org_id)[user_id]
        except KeyError:
            raise not_found("organization membership") from None

    def _add_membership(
        self,
        org: Organization,
        user_id: str,
        role: str,
        public_metadata: Mapping[str, Any],
        private_metadata: Mapping[str, Any],
    ) -> Membership:
        now = self._clock()
        membership = Membership(
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
        self._memberships[org.id][user_id] = membership
        self._user_orgs.setdefault(user_id, set()).add(org.id)
        org.members_count += 1
        self.changes.emit("organizationMembership.created", membership)
        return membership

    def create_membership(
        self,
        org_id: str,
        user_id: str,
        role: str,
        *,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
    ) -> Membership:
        """Add a user to an organization.

        Raises Clerk's 404 for an unknown organization or user, 400
        ``already_a_member_in_organization`` for a second membership, 422 for an unknown role
        and 403 ``quota_exceeded`` when the organization is full.
        """
        org = self._org(org_id)
        self._user(user_id)
        check_role(role, self.roles)
        if user_id in self._memberships[org_id]:
            raise already_a_member(user_id)
        if 0 < org.max_allowed_memberships <= org.members_count:
            raise quota_exceeded(org.max_allowed_memberships)
        membership = self._add_membership(
            org, user_id, role, public_metadata or {}, private_metadata or {}
        )
        self._changed()
        return membership

    def update_membership(self, org_id: str, user_id: str, *, role: str) -> Membership:
        """Change a member's role."""
        membership = self._membership(org_id, user_id)
        membership.role = check_role(role, self.roles)
        self._touch(membership)
        self.changes.emit("organizationMembership.updated", membership)
        return membership

    def merge_membership_metadata(
        self,
        org_id: str,
        user_id: str,
        *,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
    ) -> Membership:
        """Deep-merge into a membership's metadata; a ``None`` value deletes its key."""
        membership = self._membership(org_id, user_id)
        if public_metadata is not None:
            membership.public_metadata = deep_merge(membership.public_metadata, public_metadata)
        if private_metadata is not None:
            membership.private_metadata = deep_merge(membership.private_metadata, private_metadata)
        self._touch(membership)
        self.changes.emit("organizationMembership.updated", membership)
        return membership

    def delete_membership(self, org_id: str, user_id: str) -> Membership:
        """Remove a member; return the membership as it was."""
        membership = self._membership(org_id, user_id)
        del self._memberships[org_id][user_id]
        self._user_orgs[user_id].discard(org_id)
        self._orgs[org_id].members_count -= 1
        self._changed()
        self.changes.emit("organizationMembership.deleted", membership)
        return membership

    def list_memberships(self, org_id: str, query: MembershipQuery) -> tuple[list[Membership], int]:
        """Return one page of an organization's filtered, ordered memberships and the total."""
        check_page(query.limit, query.offset)
        keep = membership_filter(query, self._users)
        matching = [m for m in self._memberships_of(org_id).values() if keep(m)]
        ordered = sort_memberships(matching, query.order_by, self._users)
        return ordered[query.offset : query.offset + query.limit], len(ordered)

    def list_all_memberships(
        self, order_by: str, limit: int, offset: int
    ) -> tuple[list[Membership], int]:
        """One page of every membership of the instance (``GET /organization_memberships``).

        A ``created_at`` order is kept until the next write, so walking every membership
        page by page costs O(page) per request.
        """
        check_page(limit, offset)
        ordered = self._sorted_memberships.get(order_by)
        if ordered is None:
            every = [m for ms in self._memberships.values() for m in ms.values()]
            ordered = sort_memberships(every, order_by, self._users)
            # Users' fields change without a membership write; only creation order keeps.
            if order_by.lstrip("+-") == "created_at":
                self._sorted_memberships[order_by] = ordered
        return ordered[offset : offset + limit], len(ordered)

    # Roles, invitations and domains: the rules that span them

    def update_role(
        self,
        role_id: str,
        *,
        name: str | None = None,
        key: str | None = None,
        description: str | None = None,
        permissions: Sequence[str] | None = None,
    ) -> Role:
        """Change a role; a new key follows to the memberships and invitations that carry it."""
        role, old_key = self.roles.update_role(
            role_id, name=name, key=key, description=description, permissions=permissions
        )
        if role.key != old_key:
            for members in self._memberships.values():
                for membership in members.values():
                    if membership.role == old_key:
                        membership.role = role.key
            self.invitations.rename_role(old_key, role.key)
        return role

    def delete_role(self, role_id: str) -> Role:
        """Delete a role no member, pending invitation or default setting uses (else 422)."""
        key = self.roles.role(role_id).key
        members = sum(m.role == key for ms in self._memberships.values() for m in ms.values())
        self.roles.check_deletable(
            role_id, members=members, pending_invitations=self.invitations.pending_with_role(key)
        )
        return self.roles.delete_role(role_id)

    def accept_invitation(self, invitation_id: str, *, user_id: str | None = None) -> Membership:
        """Accept an invitation as its invitee's click in the browser would (a test helper).

        The invitee joins with the invitation's role and metadata: ``user_id`` if given, else
        the user with the invited email address, else a new user signed up with it.

        Raises:
            ClerkAPIError: 400 when the invitation was revoked, accepted or has expired, or
                the user is already a member; 403 when the organization is full.
        """
        return self.invitations.accept(invitation_id, user_id=user_id)

    # Persistence

    def snapshot(self) -> dict[str, Any]:
        """The whole state as JSON-ready data, for :meth:`restore` after a restart."""
        return {
            "version": SNAPSHOT_VERSION,
            "users": [attrs.asdict(u) for u in self._users.values()],
            "organizations": [attrs.asdict(o) for o in self._orgs.values()],
            "memberships": [
                attrs.asdict(m) for ms in self._memberships.values() for m in ms.values()
            ],
            "logos": {
                image_id: {
                    "content_type": logo.content_type,
                    "data": base64.b64encode(logo.data).decode(),
                }
                for image_id, logo in self._logos.items()
            },
            "roles_and_permissions": self.roles.snapshot(),
            "invitations": self.invitations.snapshot(),
            "domains": self.domains.snapshot(),
            "webhooks": self.webhooks.snapshot(),
        }

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        """Replace the state with one saved by :meth:`snapshot` (any version up to the current)."""
        version = snapshot.get("version")
        if type(version) is not int or not 1 <= version <= SNAPSHOT_VERSION:
            raise ValueError(f"unsupported emulator state version {version!r}")
        check_snapshot(snapshot, version)  # before anything changes: loaded whole or not at all
        self._reset()
        self.add_users(User(**u) for u in snapshot["users"])
        for raw in snapshot["organizations"]:
            org = Organization(**raw)
            self._orgs[org.id] = org
            self._slugs[org.slug] = org
            self._memberships[org.id] = {}
        for raw in snapshot["memberships"]:
            membership = Membership(**raw)
            self._memberships[membership.organization_id][membership.user_id] = membership
            self._user_orgs.setdefault(membership.user_id, set()).add(membership.organization_id)
        self._logos = {
            image_id: Logo(data=base64.b64decode(raw["data"]), content_type=raw["content_type"])
            for image_id, raw in snapshot["logos"].items()
        }
        seqs = [o.seq for o in self._orgs.values()]
        seqs += [m.seq for ms in self._memberships.values() for m in ms.values()]
        self._seq = itertools.count(max(seqs, default=-1) + 1)
        if version >= 2:
            self.roles.restore(snapshot["roles_and_permissions"])
            self.invitations.restore(snapshot["invitations"])
            self.domains.restore(snapshot["domains"])
        if version >= 3:
            self.webhooks.restore(snapshot["webhooks"])
        else:
            # Version 1 kept no roles: the seeded ones stand, plus any key a member carries.
            self.roles.add_missing(m.role for ms in self._memberships.values() for m in ms.values())
