"""Reading an instance's current state for a sync or an export, in the fewest requests.

Organizations are listed in pages of 500 with their ``members_count``. Members are then read
whichever way costs fewer requests, known from those counts before anything more is sent:

- per organization: ``ceil(members_count / 500)`` requests for each organization whose
  members are needed and that has any (an organization without members needs none);
- for the whole instance at once (``GET /organization_memberships``):
  ``ceil(all memberships / 500)`` requests, every organization's members together.

A sync of 10,000 organizations of 5 members each then reads 20 pages of organizations and 100
of memberships instead of 10,020 requests. When the server does not give the counts, members
are read per organization. Pending invitations are read the same way, from each
organization's ``pending_invitations_count``. The users who own the addresses about to be
invited are read (``GET /users``) only where a record also names members by user ID.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import attrs

from ._resource import Resource
from ._rules import MAX_PAGE
from ._sync_plan import PendingInvitation
from .models import Organization, OrganizationInvitation, OrganizationMembership

if TYPE_CHECKING:
    from ._client import ClerkClient

Members = dict[str, str]
"""An organization's members: user ID -> role, oldest first."""


@attrs.define
class Roster:
    """An organization's members as read, and the addresses they sign in with."""

    members: Members = attrs.Factory(dict)
    emails: dict[str, str] = attrs.Factory(dict)
    """Lowercased sign-in address -> user ID (for members whose identifier is an address)."""

    def add(self, membership: OrganizationMembership) -> None:
        data = membership.public_user_data
        # Clerk always sends public_user_data; without it a member cannot be named.
        if data is None:
            return
        self.members[data.user_id] = membership.role
        if data.identifier and "@" in data.identifier:
            self.emails[data.identifier.lower()] = data.user_id


@attrs.frozen
class MemberReads:
    """How members will be read: the whole instance at once, or organization by organization."""

    instance_wide: bool
    requests: int
    """What the chosen way costs, in requests."""


def plan_member_reads(orgs: Collection[Organization], needed: Collection[str]) -> MemberReads:
    """The cheaper way to read the members of the organizations with IDs in ``needed``."""
    return _plan([org.members_count for org in orgs], orgs, needed, "members_count")


def plan_invitation_reads(orgs: Collection[Organization], needed: Collection[str]) -> MemberReads:
    """The cheaper way to read the pending invitations of the organizations in ``needed``."""
    counts = [org.pending_invitations_count for org in orgs]
    return _plan(counts, orgs, needed, "pending_invitations_count")


def _plan(
    counts: list[int | None], orgs: Collection[Organization], needed: Collection[str], field: str
) -> MemberReads:
    if any(count is None for count in counts):
        return MemberReads(instance_wide=False, requests=len(needed))
    per_org = sum(
        math.ceil((getattr(org, field) or 0) / MAX_PAGE) for org in orgs if org.id in needed
    )
    instance = math.ceil(sum(count or 0 for count in counts) / MAX_PAGE)
    if needed and instance < per_org:
        return MemberReads(instance_wide=True, requests=max(1, instance))
    return MemberReads(instance_wide=False, requests=per_org)


async def list_organizations(clerk: ClerkClient) -> list[Organization]:
    """Every organization, newest first, with ``members_count``."""
    return await clerk.organizations.list(include_members_count=True).collect()


async def instance_members(clerk: ClerkClient, needed: Collection[str]) -> dict[str, Roster]:
    """The members of the organizations in ``needed``, from one walk over the instance's
    memberships (oldest first); each page is reduced to what is kept as it comes."""
    rosters = {org_id: Roster() for org_id in needed}
    async for membership in clerk.organization_memberships.list_all(order_by="created_at"):
        roster = rosters.get(membership.organization.id)
        if roster is not None:
            roster.add(membership)
    return rosters


async def organization_members(clerk: ClerkClient, org: Organization) -> Roster:
    """One organization's members, oldest first (none to read when it has none)."""
    roster = Roster()
    if org.members_count != 0:
        async for membership in clerk.organization_memberships.list(org.id, order_by="created_at"):
            roster.add(membership)
    return roster


Pending = dict[str, PendingInvitation]
"""An organization's pending invitations by lowercased address."""


async def pending_invitations(
    clerk: ClerkClient, orgs: Collection[Organization], needed: Collection[str]
) -> dict[str, Pending]:
    """The pending invitations of the organizations in ``needed``, the cheaper way."""
    found: dict[str, Pending] = {org_id: {} for org_id in needed}

    def keep(invitation: OrganizationInvitation, org_id: str | None) -> None:
        pending = found.get(org_id or "")
        if pending is not None and invitation.status in (None, "pending"):
            pending[invitation.email_address.lower()] = PendingInvitation(
                id=invitation.id, email_address=invitation.email_address, role=invitation.role
            )

    if plan_invitation_reads(orgs, needed).instance_wide:
        async for invitation in clerk.organization_invitations.list_all(status="pending"):
            keep(invitation, invitation.organization_id)
        return found
    for org in orgs:
        if org.id in needed and org.pending_invitations_count != 0:
            async for invitation in clerk.organization_invitations.list(org.id, status="pending"):
                keep(invitation, org.id)
    return found


_ADDRESSES_PER_CALL = 50
"""``GET /users`` takes up to 100 ``email_address`` values: each address as given and
lowercased."""


class _Users(Resource):
    """What a sync reads of ``GET /users``: who has which email addresses."""

    async def with_addresses(self, values: list[str]) -> list[tuple[str, list[str]]]:
        """(user ID, the user's addresses) of each user having one of ``values``."""
        params = [("email_address", value) for value in values]
        return await self._request(
            "GET", "/users", _addresses_by_user, params=[*params, ("limit", str(MAX_PAGE))]
        )


def _addresses_by_user(payload: Any) -> list[tuple[str, list[str]]]:
    if not isinstance(payload, list):
        raise TypeError(f"expected a JSON array of users, got {type(payload).__name__}")
    return [
        (user["id"], [entry["email_address"] for entry in user.get("email_addresses") or ()])
        for user in payload
    ]


async def address_owners(clerk: ClerkClient, addresses: Collection[str]) -> dict[str, str]:
    """Lowercased address -> the ID of the user who has it, for those of ``addresses``
    that belong to a user (any of the user's addresses, not only the sign-in one)."""
    users = _Users(clerk)
    given = sorted(set(addresses))
    wanted = {address.lower() for address in given}
    owners: dict[str, str] = {}
    for start in range(0, len(given), _ADDRESSES_PER_CALL):
        batch = given[start : start + _ADDRESSES_PER_CALL]
        values = sorted({*batch, *(address.lower() for address in batch)})
        for user_id, owned in await users.with_addresses(values):
            for address in owned:
                if address.lower() in wanted:
                    owners[address.lower()] = user_id
    return owners
