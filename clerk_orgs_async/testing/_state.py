"""The emulated instance: the stores of every endpoint group and the rules that span them; no I/O.

Each group is a store (state and rules, no HTTP) beside its HTTP module: ``users``,
``organizations``, ``organization_memberships``, ``invitations``, ``domains`` and ``roles``.
A store knows only the stores it reads (an invitation's organization must exist); a rule that
writes to two groups (an organization's creator becomes its first member, deleting a role in
use) is a method here, and only here. The one write a store makes into another: a membership
added or removed moves its organization's ``members_count`` (``Organizations.count_member``).

The HTTP handlers and tests call the same methods, so state seeded from Python obeys the rules
the API enforces.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from clerk_orgs_async.testing import (
    _domains,
    _invitations,
    _memberships,
    _organizations,
    _roles,
    _users,
    _webhook_store,
)
from clerk_orgs_async.testing._changes import Changes
from clerk_orgs_async.testing._domains import Domains
from clerk_orgs_async.testing._errors import already_a_member
from clerk_orgs_async.testing._ids import new_id
from clerk_orgs_async.testing._invitations import Invitations
from clerk_orgs_async.testing._memberships import (
    MembershipQuery,
    MembershipRecord,
    Memberships,
    check_room,
)
from clerk_orgs_async.testing._organizations import (
    LogoRecord,
    OrganizationQuery,
    OrganizationRecord,
    Organizations,
)
from clerk_orgs_async.testing._roles import RoleCatalog, RoleRecord
from clerk_orgs_async.testing._snapshot import SnapshotCheck, check_snapshot
from clerk_orgs_async.testing._users import UserRecord, Users, UserSpec
from clerk_orgs_async.testing._webhook_store import WebhookStore

SNAPSHOT_VERSION = 3
"""Version 2 added roles, permissions, invitations and domains, version 3 the webhook endpoints
and undelivered messages; older files still load."""
SNAPSHOT_CHECKS: tuple[Callable[[SnapshotCheck], None], ...] = (
    _users.check_snapshot,
    _organizations.check_snapshot,
    _memberships.check_snapshot,
    _roles.check_snapshot,
    _invitations.check_snapshot,
    _domains.check_snapshot,
    _webhook_store.check_snapshot,
)
"""Each store's checks of a data file, in order: a group's records may name those before it."""


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

    Attributes:
        users: the users by ID (a read-only mapping, and :class:`Users`' writes).
        organizations: the organizations by ID, in creation order (likewise).
        organization_memberships: every organization's memberships.
        invitations: every organization's invitations.
        domains: every organization's domains.
        roles: the instance's roles and permissions.
        webhooks: the webhook endpoints and their messages.
        changes: where every store reports each change it makes, with the type of the event
            Clerk would send (``organization.created``, ``organizationMembership.deleted``,
            ``organizationInvitation.accepted``, ``role.updated``…) and the record as it is
            right after it (for a deletion, as it was); the webhooks group listens. Loading a
            snapshot and :meth:`reset` report nothing.
    """

    def __init__(
        self,
        *,
        default_max_allowed_memberships: int = 5,
        roles: Sequence[str] = ("org:admin", "org:member"),
        clock: Callable[[], int] | None = None,
    ) -> None:
        self._clock = clock or _now_ms
        self.changes = changes = Changes()
        self.users = Users(self._clock)
        self.roles = RoleCatalog(roles, self._clock, changes)
        self.organizations = Organizations(
            self.users,
            self._clock,
            default_max_allowed_memberships=default_max_allowed_memberships,
            changes=changes,
        )
        self.organization_memberships = Memberships(
            self.organizations, self.users, self.roles, self._clock, changes
        )
        self.invitations = Invitations(
            self.organizations,
            self.users,
            self.organization_memberships,
            self.roles,
            self._clock,
            changes,
        )
        self.domains = Domains(self.organizations, self._clock, changes)
        self.webhooks = WebhookStore()

    def __repr__(self) -> str:
        memberships = sum(o.members_count for o in self.organizations.values())
        return (
            f"<EmulatorState {len(self.users)} users, {len(self.organizations)} organizations,"
            f" {memberships} memberships>"
        )

    @property
    def default_max_allowed_memberships(self) -> int:
        """For organizations created without ``max_allowed_memberships``; 0 is unlimited."""
        return self.organizations.default_max_allowed_memberships

    @default_max_allowed_memberships.setter
    def default_max_allowed_memberships(self, value: int) -> None:
        self.organizations.default_max_allowed_memberships = value

    def _clear(self) -> None:
        self.organizations.clear()
        self.organization_memberships.clear()
        self.invitations.clear()
        self.domains.clear()
        self.roles.seed()

    def reset(self) -> None:
        """Delete every organization (with its memberships, invitations, domains and logo) and
        put the roles and permissions back as they were at the start; the users stay, as an
        instance's sign-ups would."""
        self._clear()

    # Users

    def add_user(self, user: UserSpec) -> UserRecord:
        """Add (or replace) a user given by ID, by a mapping of its fields, or as a record."""
        return self.users.add(user)

    def add_users(self, users: Iterable[UserSpec]) -> list[UserRecord]:
        """Add several users; see :meth:`add_user`."""
        return self.users.add_many(users)

    def seed_users(self, count: int) -> list[UserRecord]:
        """Add ``count`` users with names, emails, usernames and phone numbers to filter on."""
        return self.users.seed(count)

    def user_memberships(self, user_id: str) -> list[MembershipRecord]:
        """The user's memberships, in the order their organizations were created."""
        return self.organization_memberships.of_user(user_id)

    # Organizations: the rules that reach memberships, invitations and domains

    def get_organization(self, id_or_slug: str) -> OrganizationRecord:
        """Return the organization with this ID or slug, or raise Clerk's 404."""
        return self.organizations.find(id_or_slug)

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
    ) -> OrganizationRecord:
        """Create an organization; ``created_by`` becomes its first admin.

        A given slug must be free (422 ``form_identifier_exists``); a slug derived from the
        name gets ``-2``, ``-3``… appended until it is free, so creating by name never fails.
        """
        org = self.organizations.create(
            name,
            slug=slug,
            created_by=created_by,
            max_allowed_memberships=max_allowed_memberships,
            public_metadata=public_metadata,
            private_metadata=private_metadata,
            created_at=created_at,
            role_set_key=role_set_key,
        )
        if created_by is not None:
            self.organization_memberships.add_creator(org.id, created_by)
        return org

    def seed_organizations(
        self, count: int, *, name: str = "Organization {n}", created_by: str | None = None
    ) -> list[OrganizationRecord]:
        """Create ``count`` organizations without HTTP; ``{n}`` in ``name`` numbers them from 1."""
        start = len(self.organizations)
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
    ) -> OrganizationRecord:
        """Change the given fields (``None`` leaves one as it is); metadata is replaced whole."""
        return self.organizations.update(
            org_id,
            name=name,
            slug=slug,
            max_allowed_memberships=max_allowed_memberships,
            admin_delete_enabled=admin_delete_enabled,
            public_metadata=public_metadata,
            private_metadata=private_metadata,
            created_at=created_at,
            role_set_key=role_set_key,
        )

    def merge_metadata(
        self,
        org_id: str,
        *,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
    ) -> OrganizationRecord:
        """Deep-merge into the organization's metadata; a ``None`` value deletes its key."""
        return self.organizations.merge_metadata(
            org_id, public_metadata=public_metadata, private_metadata=private_metadata
        )

    def replace_metadata(
        self,
        org_id: str,
        *,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
    ) -> OrganizationRecord:
        """Replace each given metadata field whole; omitted fields stay as they are."""
        return self.organizations.update(
            org_id, public_metadata=public_metadata, private_metadata=private_metadata
        )

    def delete_organization(self, org_id: str) -> OrganizationRecord:
        """Delete an organization with its memberships, invitations, domains and logo."""
        self.organizations.require(org_id)
        self.invitations.drop_organization(org_id)
        self.domains.drop_organization(org_id)
        self.organization_memberships.drop_organization(org_id)
        return self.organizations.delete(org_id)

    def set_logo(
        self,
        org_id: str,
        data: bytes,
        content_type: str,
        *,
        uploader_user_id: str | None = None,
    ) -> OrganizationRecord:
        """Store a logo (checked as Clerk does) and point the organization at it."""
        return self.organizations.set_logo(
            org_id, data, content_type, uploader_user_id=uploader_user_id
        )

    def delete_logo(self, org_id: str) -> OrganizationRecord:
        """Remove the organization's logo, if it has one."""
        return self.organizations.delete_logo(org_id)

    def logo(self, image_id: str) -> LogoRecord | None:
        """The logo stored under ``image_id``, if any."""
        return self.organizations.logo(image_id)

    def list_organizations(self, query: OrganizationQuery) -> tuple[list[OrganizationRecord], int]:
        """Return one page of the filtered, ordered organizations and the filtered total."""
        return self.organizations.page(query, self.organization_memberships.organizations_of)

    # Memberships

    def memberships(self, org_id: str) -> list[MembershipRecord]:
        """The organization's memberships in creation order."""
        return self.organization_memberships.of(org_id)

    def create_membership(
        self,
        org_id: str,
        user_id: str,
        role: str,
        *,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
    ) -> MembershipRecord:
        """Add a user to an organization (see :meth:`Memberships.create` for Clerk's errors)."""
        return self.organization_memberships.create(
            org_id,
            user_id,
            role,
            public_metadata=public_metadata,
            private_metadata=private_metadata,
        )

    def update_membership(self, org_id: str, user_id: str, *, role: str) -> MembershipRecord:
        """Change a member's role."""
        return self.organization_memberships.update(org_id, user_id, role=role)

    def merge_membership_metadata(
        self,
        org_id: str,
        user_id: str,
        *,
        public_metadata: Mapping[str, Any] | None = None,
        private_metadata: Mapping[str, Any] | None = None,
    ) -> MembershipRecord:
        """Deep-merge into a membership's metadata; a ``None`` value deletes its key."""
        return self.organization_memberships.merge_metadata(
            org_id, user_id, public_metadata=public_metadata, private_metadata=private_metadata
        )

    def delete_membership(self, org_id: str, user_id: str) -> MembershipRecord:
        """Remove a member; return the membership as it was."""
        return self.organization_memberships.delete(org_id, user_id)

    def list_memberships(
        self, org_id: str, query: MembershipQuery
    ) -> tuple[list[MembershipRecord], int]:
        """Return one page of an organization's filtered, ordered memberships and the total."""
        return self.organization_memberships.page(org_id, query)

    def list_all_memberships(
        self, order_by: str, limit: int, offset: int
    ) -> tuple[list[MembershipRecord], int]:
        """One page of every membership of the instance (``GET /organization_memberships``)."""
        return self.organization_memberships.page_all(order_by, limit, offset)

    # Roles and invitations: the rules that reach memberships

    def update_role(
        self,
        role_id: str,
        *,
        name: str | None = None,
        key: str | None = None,
        description: str | None = None,
        permissions: Sequence[str] | None = None,
    ) -> RoleRecord:
        """Change a role; a new key follows to the memberships and invitations that carry it."""
        role, old_key = self.roles.update_role(
            role_id, name=name, key=key, description=description, permissions=permissions
        )
        if role.key != old_key:
            self.organization_memberships.rename_role(old_key, role.key)
            self.invitations.rename_role(old_key, role.key)
        return role

    def delete_role(self, role_id: str) -> RoleRecord:
        """Delete a role no member, pending invitation or default setting uses (else 422)."""
        key = self.roles.role(role_id).key
        self.roles.check_deletable(
            role_id,
            members=self.organization_memberships.with_role(key),
            pending_invitations=self.invitations.pending_with_role(key),
        )
        return self.roles.delete_role(role_id)

    def accept_invitation(
        self, invitation_id: str, *, user_id: str | None = None
    ) -> MembershipRecord:
        """Accept an invitation as its invitee's click in the browser would (a test helper).

        The invitee joins with the invitation's role and metadata: ``user_id`` if given, else
        the user with the invited email address, else a new user signed up with it.

        Raises:
            ClerkAPIError: 400 when the invitation was revoked, accepted or has expired, or
                the user is already a member; 403 when the organization is full.
        """
        invitation = self.invitations.acceptable(invitation_id)
        org = self.organizations[invitation.organization_id]
        if user_id is not None:
            user: UserRecord | None = self.users.require(user_id)
        else:
            user = self.users.with_email(invitation.email_address)
        if (
            user is not None
            and self.organization_memberships.get_or_none(org.id, user.id) is not None
        ):
            raise already_a_member(user.id)
        check_room(org)  # before a new user signs up: a refused acceptance changes nothing
        if user is None:
            user = self.users.add(
                UserRecord(
                    id=new_id("user"),
                    email_address=invitation.email_address,
                    created_at=self._clock(),
                )
            )
        membership = self.organization_memberships.create(
            org.id,
            user.id,
            invitation.role,
            public_metadata=invitation.public_metadata,
            private_metadata=invitation.private_metadata,
        )
        self.invitations.mark_accepted(invitation, user.id)
        return membership

    # Persistence

    def snapshot(self) -> dict[str, Any]:
        """The whole state as JSON-ready data, for :meth:`restore` after a restart."""
        return {
            "version": SNAPSHOT_VERSION,
            "users": self.users.snapshot(),
            **self.organizations.snapshot(),
            "memberships": self.organization_memberships.snapshot(),
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
        # Before anything changes: a data file loads whole or not at all.
        check_snapshot(snapshot, version, SNAPSHOT_CHECKS)
        self._clear()
        self.users.restore(snapshot["users"])
        self.organizations.restore(snapshot["organizations"], snapshot["logos"])
        self.organization_memberships.restore(snapshot["memberships"])
        if version >= 2:
            self.roles.restore(snapshot["roles_and_permissions"])
            self.invitations.restore(snapshot["invitations"])
            self.domains.restore(snapshot["domains"])
        else:
            # Version 1 kept no roles: the seeded ones stand, plus any key a member carries.
            self.roles.add_missing(m["role"] for m in snapshot["memberships"])
        if version >= 3:
            self.webhooks.restore(snapshot["webhooks"])
