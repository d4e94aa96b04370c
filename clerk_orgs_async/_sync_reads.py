"""Reading an instance's current state for a sync or an export, in the fewest requests.

Organizations are listed in pages of 500 with their ``members_count``. Members are then read
whichever way costs fewer requests, known from those counts before anything more is sent:

- per organization: ``ceil(members_count / 500)`` requests for each organization whose
  members are needed and that has any (an organization without members needs none);
- for the whole instance at once (``GET /organization_memberships``):
  ``ceil(all memberships / 500)`` requests, every organization's members together.

A sync of 10,000 organizations of 5 members each then reads 20 pages of organizations and 100
of memberships instead of 10,020 requests. When the server does not give the counts, members
are read per organization.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import TYPE_CHECKING

import attrs

from ._rules import MAX_PAGE
from .models import Organization

if TYPE_CHECKING:
    from ._client import ClerkClient

Members = dict[str, str]
"""An organization's members: user ID -> role, oldest first."""


@attrs.frozen
class MemberReads:
    """How members will be read: the whole instance at once, or organization by organization."""

    instance_wide: bool
    requests: int
    """What the chosen way costs, in requests."""


def plan_member_reads(orgs: Collection[Organization], needed: Collection[str]) -> MemberReads:
    """The cheaper way to read the members of the organizations with IDs in ``needed``."""
    counts = [org.members_count for org in orgs]
    if any(count is None for count in counts):
        return MemberReads(instance_wide=False, requests=len(needed))
    per_org = sum(
        math.ceil((org.members_count or 0) / MAX_PAGE) for org in orgs if org.id in needed
    )
    instance = math.ceil(sum(count or 0 for count in counts) / MAX_PAGE)
    if needed and instance < per_org:
        return MemberReads(instance_wide=True, requests=max(1, instance))
    return MemberReads(instance_wide=False, requests=per_org)


async def list_organizations(clerk: ClerkClient) -> list[Organization]:
    """Every organization, newest first, with ``members_count``."""
    return await clerk.organizations.list(include_members_count=True).collect()


async def instance_members(clerk: ClerkClient, needed: Collection[str]) -> dict[str, Members]:
    """The members of the organizations in ``needed``, from one walk over the instance's
    memberships (oldest first); each page is reduced to what is kept as it comes."""
    members: dict[str, Members] = {org_id: {} for org_id in needed}
    async for membership in clerk.organization_memberships.list_all(order_by="created_at"):
        found = members.get(membership.organization.id)
        # Clerk always sends public_user_data; without it a member cannot be named.
        if found is not None and membership.public_user_data is not None:
            found[membership.public_user_data.user_id] = membership.role
    return members


async def organization_members(clerk: ClerkClient, org: Organization) -> Members:
    """One organization's members, oldest first (none to read when it has none)."""
    if org.members_count == 0:
        return {}
    return {
        member.public_user_data.user_id: member.role
        async for member in clerk.organization_memberships.list(org.id, order_by="created_at")
        if member.public_user_data is not None
    }
