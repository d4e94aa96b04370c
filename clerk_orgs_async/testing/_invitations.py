"""Organization invitations with Clerk's rules: pending, then revoked, accepted or expired; no I/O.

An invitation is ``pending`` until it is revoked, accepted (``EmulatorState.accept_invitation``,
what the invitee's click in the browser does: a rule across groups, so the aggregate's) or its
``expires_at`` passes on the emulator's clock, when it reads ``expired`` without any write.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from clerk_orgs_async.testing._changes import Changes
from clerk_orgs_async.testing._errors import ClerkAPIError, not_found, param_invalid
from clerk_orgs_async.testing._ids import new_id
from clerk_orgs_async.testing._listing import parse_order
from clerk_orgs_async.testing._memberships import Memberships
from clerk_orgs_async.testing._organizations import Organizations
from clerk_orgs_async.testing._roles import RoleCatalog
from clerk_orgs_async.testing._rules import check_role
from clerk_orgs_async.testing._snapshot import SnapshotCheck, records, refer
from clerk_orgs_async.testing._users import Users

MAX_BULK = 10
"""At most this many invitations per bulk call (the spec's ``maxItems``)."""
DEFAULT_EXPIRES_IN_DAYS = 30
STATUSES = ("pending", "accepted", "revoked", "expired")
SORT_FIELDS = ("created_at", "email_address")
_DAY_MS = 86_400_000
_MANAGE_MEMBERS = "org:sys_memberships:manage"
# Deliberately loose: one @, something on each side and a dot in the domain, no spaces.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@attrs.define(kw_only=True, eq=False)
class InvitationRecord:
    """An invitation to join an organization; ``status`` is what was last written."""

    id: str
    seq: int
    organization_id: str
    email_address: str
    role: str
    status: str
    expires_at: int
    created_at: int
    updated_at: int
    inviter_id: str | None = None
    redirect_url: str | None = None
    public_metadata: dict[str, Any] = attrs.Factory(dict)
    private_metadata: dict[str, Any] = attrs.Factory(dict)

    def status_at(self, now: int) -> str:
        """The status Clerk reports at ``now``: a pending invitation past ``expires_at`` expired."""
        return "expired" if self.status == "pending" and now >= self.expires_at else self.status


def _not_found(invitation_id: str) -> ClerkAPIError:
    return ClerkAPIError(
        404,
        "organization_invitation_not_found",
        "not found",
        f"No invitation found with id {invitation_id}.",
    )


def _bad(code: str, message: str) -> ClerkAPIError:
    return ClerkAPIError(400, code, message, message)


def check_bulk_size(count: int) -> None:
    """Refuse more than :data:`MAX_BULK` invitations in one call (400 ``bulk_size_exceeded``)."""
    if count > MAX_BULK:
        raise _bad(
            "bulk_size_exceeded",
            f"Parameters exceed the maximum allowed bulk processing size of {MAX_BULK}.",
        )


def _check_statuses(statuses: Sequence[str]) -> set[str]:
    """Refuse a ``status`` filter value Clerk does not know."""
    for status in statuses:
        if status not in STATUSES:
            raise param_invalid("status", f"must be one of {', '.join(STATUSES)}")
    return set(statuses)


class Invitations:
    """The invitations of every organization.

    Args:
        organizations: the organizations (an invitation's must exist and have room).
        users: the users (an inviter or revoker must be one).
        memberships: the memberships (an inviter or revoker must be an admin member).
        roles: the role catalog (an invitation's role must be in it).
        clock: the current Unix time in milliseconds (invitations expire by it).
        changes: where each change is reported (``organizationInvitation.created``, ``.revoked``
            and ``.accepted``).
    """

    def __init__(
        self,
        organizations: Organizations,
        users: Users,
        memberships: Memberships,
        roles: RoleCatalog,
        clock: Callable[[], int],
        changes: Changes | None = None,
    ) -> None:
        self._organizations = organizations
        self._users = users
        self._memberships = memberships
        self._roles = roles
        self._now = clock
        self._changes = changes or Changes()
        self.clear()

    def clear(self) -> None:
        """Forget every invitation."""
        self._by_org: dict[str, dict[str, InvitationRecord]] = {}
        self._seq = itertools.count()

    def _of(self, org_id: str) -> dict[str, InvitationRecord]:
        if org_id not in self._organizations:
            raise not_found("organization")
        return self._by_org.setdefault(org_id, {})

    def _check_admin(
        self, org_id: str, user_id: str, param: str, *, unknown_status: int = 422
    ) -> None:
        if user_id not in self._users:
            raise ClerkAPIError(
                unknown_status,
                "form_resource_not_found",
                "is missing",
                f"The resource associated with the supplied {param} was not found.",
                meta={"param_name": param},
            )
        member = self._memberships.get_or_none(org_id, user_id)
        if member is None or _MANAGE_MEMBERS not in self._roles.permission_keys(member.role):
            raise ClerkAPIError(
                403,
                "not_an_admin_in_organization",
                "not an administrator",
                f"{user_id} is not an administrator in the organization. Only administrators"
                " can perform this action.",
            )

    def _prepare(self, org_id: str, item: Mapping[str, Any], now: int) -> InvitationRecord:
        email = item["email_address"].strip().lower()
        if not _EMAIL.fullmatch(email):
            raise ClerkAPIError(
                422,
                "form_param_format_invalid",
                "is invalid",
                "email_address must be a valid email address.",
                meta={"param_name": "email_address"},
            )
        check_role(item["role"], self._roles)
        days = item.get("expires_in_days")
        if days is None:
            days = DEFAULT_EXPIRES_IN_DAYS
        if not 1 <= days <= 365:
            raise param_invalid("expires_in_days", "must be between 1 and 365")
        inviter = item.get("inviter_user_id")
        if inviter is not None:
            self._check_admin(org_id, inviter, "inviter_user_id")
        return InvitationRecord(
            id=new_id("orginv"),
            seq=0,
            organization_id=org_id,
            email_address=email,
            role=item["role"],
            status="pending",
            expires_at=now + days * _DAY_MS,
            created_at=now,
            updated_at=now,
            inviter_id=inviter,
            redirect_url=item.get("redirect_url"),
            public_metadata=dict(item.get("public_metadata") or {}),
            private_metadata=dict(item.get("private_metadata") or {}),
        )

    def create(self, org_id: str, items: Sequence[Mapping[str, Any]]) -> list[InvitationRecord]:
        """Create invitations, all or none: each is checked before any is stored.

        Each item holds the fields of the create body (``email_address``, ``role``,
        ``inviter_user_id``, metadata, ``redirect_url``, ``expires_in_days``).
        """
        invitations = self._of(org_id)
        check_bulk_size(len(items))
        now = self._now()
        created = [self._prepare(org_id, item, now) for item in items]
        pending = {i.email_address for i in invitations.values() if i.status_at(now) == "pending"}
        emails = [i.email_address for i in created]
        if pending.intersection(emails) or len(set(emails)) < len(emails):
            raise _bad(
                "organization_invitation_not_unique",
                "Organizations cannot have duplicate pending invitations for an email address.",
            )
        org = self._organizations[org_id]
        limit = org.max_allowed_memberships
        if 0 < limit < org.members_count + len(pending) + len(created):
            raise ClerkAPIError(
                403,
                "organization_membership_quota_exceeded",
                "organization membership quota exceeded",
                f"You have reached your limit of {limit} organization memberships, including"
                " outstanding invitations.",
            )
        for invitation in created:
            invitation.seq = next(self._seq)
            invitations[invitation.id] = invitation
            self._changes.emit("organizationInvitation.created", invitation)
        return created

    def get(self, org_id: str, invitation_id: str) -> InvitationRecord:
        """The organization's invitation with this ID, or Clerk's 404."""
        try:
            return self._of(org_id)[invitation_id]
        except KeyError:
            raise _not_found(invitation_id) from None

    def revoke(
        self, org_id: str, invitation_id: str, *, requesting_user_id: str | None = None
    ) -> InvitationRecord:
        """Revoke a pending invitation (``requesting_user_id``, if given, must be an admin)."""
        invitation = self.get(org_id, invitation_id)
        if requesting_user_id is not None:
            # The revoke operation's spec lists no 422: an unknown user is its 400.
            self._check_admin(org_id, requesting_user_id, "requesting_user_id", unknown_status=400)
        now = self._now()
        if invitation.status_at(now) != "pending":
            raise ClerkAPIError(
                404,
                "organization_invitation_not_pending",
                "not pending",
                'The organization invitation is not in the "pending" status.',
            )
        invitation.status = "revoked"
        invitation.updated_at = now
        self._changes.emit("organizationInvitation.revoked", invitation)
        return invitation

    def find(self, invitation_id: str) -> InvitationRecord:
        """The invitation with this ID in any organization."""
        for invitations in self._by_org.values():
            if invitation_id in invitations:
                return invitations[invitation_id]
        raise _not_found(invitation_id)

    def acceptable(self, invitation_id: str) -> InvitationRecord:
        """The invitation with this ID, if it can be accepted now.

        Raises:
            ClerkAPIError: 404 for an unknown invitation; 400 for one revoked, accepted or
                expired.
        """
        invitation = self.find(invitation_id)
        status = invitation.status_at(self._now())
        if status == "revoked":
            raise _bad(
                "organization_invitation_revoked_code",
                "This invitation has been revoked and cannot be used anymore.",
            )
        if status == "accepted":
            raise _bad(
                "organization_invitation_already_accepted",
                "This invitation has already been accepted. Sign in instead.",
            )
        if status == "expired":
            raise _bad("ticket_expired_code", "This invitation has expired.")
        return invitation

    def mark_accepted(self, invitation: InvitationRecord, user_id: str) -> None:
        """Record that the user joined through the invitation (after :meth:`acceptable`)."""
        invitation.status = "accepted"
        invitation.updated_at = self._now()
        self._changes.emit("organizationInvitation.accepted", invitation, user_id=user_id)

    # Views for other records

    def status(self, invitation: InvitationRecord) -> str:
        """The invitation's status now."""
        return invitation.status_at(self._now())

    def pending_count(self, org_id: str) -> int:
        """The organization's pending invitations (``pending_invitations_count``)."""
        now = self._now()
        return sum(i.status_at(now) == "pending" for i in self._by_org.get(org_id, {}).values())

    def pending_with_role(self, role_key: str) -> int:
        """How many pending invitations, in any organization, carry this role."""
        now = self._now()
        return sum(i.role == role_key and i.status_at(now) == "pending" for i in self._all())

    def rename_role(self, old: str, new: str) -> None:
        """Follow a role's key change (invitations name their role by key)."""
        for invitation in self._all():
            if invitation.role == old:
                invitation.role = new

    def drop_organization(self, org_id: str) -> None:
        """Forget a deleted organization's invitations."""
        self._by_org.pop(org_id, None)

    def _all(self) -> Iterable[InvitationRecord]:
        return (i for invitations in self._by_org.values() for i in invitations.values())

    # Listing and persistence

    def matching(
        self,
        org_id: str | None,
        *,
        statuses: Sequence[str] = (),
        email_address: str | None = None,
        query: str | None = None,
        order_by: str = "-created_at",
    ) -> list[InvitationRecord]:
        """Invitations of one organization (or all, for ``None``), filtered and ordered."""
        field, descending = parse_order(order_by, SORT_FIELDS)
        wanted = _check_statuses(statuses)
        found = list(self._of(org_id).values() if org_id is not None else self._all())
        now = self._now()
        if wanted:
            found = [i for i in found if i.status_at(now) in wanted]
        if email_address is not None:
            exact = email_address.strip().lower()
            found = [i for i in found if i.email_address == exact]
        if query:
            needle = query.lower()
            found = [i for i in found if needle in i.email_address]
        found.sort(key=lambda i: (getattr(i, field), i.seq), reverse=descending)
        return found

    def snapshot(self) -> list[dict[str, Any]]:
        """Every invitation as JSON-ready data."""
        return [attrs.asdict(i) for i in self._all()]

    def restore(self, snapshot: Iterable[Mapping[str, Any]]) -> None:
        """Replace the invitations with those saved by :meth:`snapshot`."""
        self.clear()
        for raw in snapshot:
            invitation = InvitationRecord(**raw)
            self._by_org.setdefault(invitation.organization_id, {})[invitation.id] = invitation
        self._seq = itertools.count(max((i.seq for i in self._all()), default=-1) + 1)


def check_snapshot(check: SnapshotCheck) -> None:
    """Check a data file's ``invitations`` (version 2 on): to known organizations."""
    if check.version >= 2:
        invitations = records(check.snapshot, "invitations", InvitationRecord)
        refer(invitations, "invitations", "organization_id", check.ids["organizations"])
